#pragma once
// How the HostedCluster controller asks the API server to serve a hosted cluster's API at
// the addresses its spec.services publish (implemented by apiserver/published_endpoints.h;
// this header pulls in nothing of the HTTP layer):
//   - Route: SNI host names on the shared TLS listener;
//   - NodePort: a listener of its own on a port of the --service-node-port-range.
// Both present the hosted cluster's serving certificate and serve the plain Kubernetes paths
// (/api/v1/..., no /clusters/<name> prefix) of that cluster only.

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace carrier::hosted {

// A certificate of spec.configuration.apiServer.servingCerts.namedCertificates: presented
// for its names on the shared listener instead of the cluster's own serving certificate.
struct NamedCertificate {
  std::vector<std::string> names;
  std::string cert_pem;  // chain, leaf first
  std::string key_pem;
};

struct PublishedApiServer {
  std::vector<std::string> route_hostnames;  // SNI names on the shared listener
  std::vector<NamedCertificate> named_certificates;  // more SNI names, with their own certificates
  uint16_t node_port = 0;                    // 0: no NodePort listener
  std::string node_port_bind_address;        // "": the shared listener's bind address
  std::string serving_cert_pem;              // chain, leaf first
  std::string serving_key_pem;
};

struct NodePortRange {
  uint16_t first = 30000;
  uint16_t last = 32767;
  bool Contains(int64_t port) const { return port >= first && port <= last; }
};

class ServicePublisher {
 public:
  virtual ~ServicePublisher() = default;
  // Serves `cluster` as `published`, replacing what was published for it before (new
  // handshakes present a new certificate; a changed port closes the old listener).
  // Idempotent. Errors: kInvalidArgument (a port outside the range, an empty certificate),
  // kAlreadyExists (a host name or port another cluster holds), kUnavailable (the port cannot
  // be bound); nothing of `published` is served then, and the previous publication stays.
  virtual Status Publish(const std::string& cluster, const PublishedApiServer& published) = 0;
  // Stops serving `cluster` at its host names and closes its NodePort listener and the
  // connections accepted there. Unknown clusters are ignored.
  virtual void Unpublish(const std::string& cluster) = 0;
  virtual NodePortRange node_port_range() const = 0;
  // The shared TLS listener: the host clients use for it and its port.
  virtual std::string shared_host() const = 0;
  virtual uint16_t shared_port() const = 0;
};

}  // namespace carrier::hosted
