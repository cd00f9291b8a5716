#include "apiserver/admission/webhook_client.h"

#include <boost/url/parse.hpp>

#include "client/rest_client.h"

namespace carrier::apiserver::admission {

Result<WebhookEndpoint> EndpointFromUrl(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "https" || parsed->host().empty()) {
    return Status(Code::kInvalidArgument, "webhook URL must be https: " + url);
  }
  WebhookEndpoint e;
  e.host = std::string(parsed->encoded_host());
  if (!e.host.empty() && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  e.server_name = e.host;
  if (parsed->has_port()) e.port = std::string(parsed->port());
  e.path = std::string(parsed->encoded_path());
  if (e.path.empty()) e.path = "/";
  if (parsed->has_query()) e.path += "?" + std::string(parsed->encoded_query());
  return e;
}

Result<std::string> PostJson(const WebhookEndpoint& endpoint, const std::string& body,
                             std::chrono::milliseconds timeout) {
  client::ClientConfig config;
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + endpoint.port;
  config.ca_pem = endpoint.ca_bundle_pem;
  config.tls_server_name = endpoint.server_name;
  client::RestClient rest(std::move(config), timeout);
  auto answer = rest.Do("POST", endpoint.path, body);
  if (!answer.ok()) return answer.status();
  if (answer->status < 200 || answer->status >= 300) {
    return Status(Code::kInternal, "the server responded with status " +
                                       std::to_string(answer->status) + ": " + answer->body);
  }
  return std::move(answer->body);
}

}  // namespace carrier::apiserver::admission
