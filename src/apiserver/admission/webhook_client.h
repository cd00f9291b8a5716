#pragma once
// One HTTPS POST of a JSON body to an admission webhook, verified against the webhook's
// caBundle (PEM; the system's trust store when empty), TLS 1.2 or newer, the server name
// checked against `server_name` (the URL's host, or <service>.<namespace>.svc).
// The whole exchange (connect, handshake, request, response) is bounded by `timeout`:
// kTimeout when it runs out, kUnavailable when the server cannot be reached or is not
// trusted, kInternal for a non-2xx answer.

#include <chrono>
#include <string>

#include "base/status.h"

namespace carrier::apiserver::admission {

struct WebhookEndpoint {
  std::string host;  // where to connect (name or address)
  std::string port = "443";
  std::string path = "/";   // with the query
  std::string server_name;  // for SNI and certificate verification
  std::string ca_bundle_pem;
};

// Parses an https:// URL into an endpoint (kInvalidArgument otherwise).
Result<WebhookEndpoint> EndpointFromUrl(const std::string& url);

Result<std::string> PostJson(const WebhookEndpoint& endpoint, const std::string& body,
                             std::chrono::milliseconds timeout);

}  // namespace carrier::apiserver::admission
