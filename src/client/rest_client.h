#pragma once
// A synchronous HTTPS client for the Kubernetes API of one server (a kubeconfig's), as a CLI
// needs it: one request at a time, JSON bodies, TLS 1.2+ verified against the kubeconfig's CA
// (and tls-server-name), authenticated by client certificate or bearer token. Paths are
// relative to the server URL (which may carry a prefix such as /clusters/<name>).

#include <chrono>
#include <string>

#include "base/status.h"
#include "client/kubeconfig.h"

namespace carrier::client {

struct Response {
  int status = 0;
  std::string body;
};

class RestClient {
 public:
  // `timeout` bounds a whole exchange (connect, handshake, request, response).
  explicit RestClient(ClientConfig config,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Any HTTP answer is a Response; kUnavailable ("dial: ...", "tls: ...") when the server
  // cannot be reached or trusted, kTimeout ("context deadline exceeded") when time ran out.
  Result<Response> Do(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& content_type = "application/json");
  const ClientConfig& config() const { return config_; }

 private:
  ClientConfig config_;
  std::string host_, port_, prefix_;
  Status url_error_;
  std::chrono::milliseconds timeout_;
};

// The Kubernetes Status message of an error answer (or its body).
std::string ErrorMessage(const Response& response);

}  // namespace carrier::client
