#pragma once
// Where hosted clusters are published besides /clusters/<name> on the shared listener
// (hosted/service_publisher.h is the contract the HostedCluster controller sees):
//   - SNI host names on the shared TLS listener (Route): the handshake presents the hosted
//     cluster's certificate (ContextFor) and the request goes to that cluster;
//   - NodePort listeners, one per hosted cluster, on a port of the configured range.
// A request that came in at a published address addresses that cluster with the plain
// Kubernetes paths; any other request is routed as ParseRequestInfo says.
// Lookups (every handshake and request) take a shared lock; publishing is serialised.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "apiserver/request_info.h"
#include "hosted/service_publisher.h"
#include "http/server.h"

namespace carrier::apiserver {

class PublishedEndpoints : public hosted::ServicePublisher {
 public:
  explicit PublishedEndpoints(hosted::NodePortRange range) : range_(range) {}

  // The server whose shared listener and pool are used (set once it started, before the
  // first Publish; until then Publish is kUnavailable), the host clients reach it at and the
  // address it binds (NodePort listeners bind it too unless told otherwise).
  void Attach(http::Server* server, std::string shared_host, std::string bind_address);

  // For http::ServerOptions::tls_context_for_server_name.
  std::shared_ptr<const http::TlsContext> ContextFor(std::string_view server_name) const;
  // What a request addresses: the published cluster with its plain paths (a /clusters/...
  // path there is kNotFound, as is a request on a listener no longer published), else what
  // ParseRequestInfo(method, path, watch) says. `path` is percent-decoded.
  Result<RequestInfo> Parse(const http::Request& request, std::string_view path, bool watch) const;

  Status Publish(const std::string& cluster, const hosted::PublishedApiServer& published) override;
  void Unpublish(const std::string& cluster) override;
  hosted::NodePortRange node_port_range() const override { return range_; }
  std::string shared_host() const override;
  uint16_t shared_port() const override;

 private:
  struct Entry {
    std::vector<std::string> hostnames;  // lower case
    uint16_t node_port = 0;
    std::string bind_address;
    http::ListenerId listener = 0;
    std::string cert_pem, key_pem;
    std::shared_ptr<const http::TlsContext> context;
    // Named certificates: lower-case SNI name → its certificate and context.
    struct Named {
      std::string cert_pem, key_pem;
      std::shared_ptr<const http::TlsContext> context;
    };
    std::map<std::string, Named> named;
  };
  std::optional<std::string> ClusterOf(const http::Request& request) const;

  const hosted::NodePortRange range_;
  std::mutex publish_mu_;  // one Publish/Unpublish at a time
  mutable std::shared_mutex mu_;
  http::Server* server_ = nullptr;
  std::string shared_host_;
  std::string bind_address_;
  std::map<std::string, Entry> by_cluster_;
  std::unordered_map<std::string, std::string> cluster_by_hostname_;
  std::unordered_map<http::ListenerId, std::string> cluster_by_listener_;
};

}  // namespace carrier::apiserver
