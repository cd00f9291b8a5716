#pragma once
// Service publishing of a hosted cluster's API server, from spec.services (APIServer entry):
//   Route     SNI name servicePublishingStrategy.route.hostname, else api.<name>.<baseDomain>,
//             on the shared TLS listener; endpoint <hostname>:<shared port>;
//   NodePort  a listener of its own on nodePort.port, else a port allocated from the node port
//             range that no Service of the management plane holds. The port is kept in the
//             Service kube-apiserver (type NodePort, port 6443) of the control-plane
//             namespace, so it survives restarts; endpoint <nodePort.address>:<port>;
//   LoadBalancer, or no APIServer entry: not published; the cluster stays at
//             <shared listener>/clusters/<name> with the management CA (as without a
//             publisher).
// OAuthServer, Konnectivity and Ignition entries are accepted; nothing serves them yet.
// Every published address presents the kas-server-crt certificate (signed by the hosted
// root CA); the admin kubeconfig reaches the shared listener's host at the published port
// with tls-server-name set to the published host name, so it works without DNS.

#include <boost/json/fwd.hpp>
#include <string>
#include <utility>

#include "base/status.h"
#include "hosted/custom_serving.h"
#include "hosted/pki.h"
#include "hosted/service_publisher.h"
#include "storage/store.h"

namespace carrier::hosted {

// What spec.services asks for the APIServer.
struct ApiServerStrategy {
  enum class Type { kShared, kRoute, kNodePort };
  Type type = Type::kShared;
  std::string hostname;     // Route: the SNI name; NodePort: nodePort.address (may be empty)
  int64_t node_port = 0;    // NodePort: the port asked for, 0 to allocate
  std::string why_shared;   // kShared: why it is not published, for the condition message
};
ApiServerStrategy ApiServerStrategyOf(const std::string& name, const boost::json::object& spec);

// Where the API server is reached once published, for status and the kubeconfig.
struct ApiServerEndpoint {
  std::string host;             // status.controlPlaneEndpoint
  int64_t port = 0;
  std::string server_url;       // the kubeconfig's server
  std::string tls_server_name;  // "" when the server URL's host is in the certificate
  std::string ca_pem;           // the CA the kubeconfig trusts for that server
  // spec.kubeAPIServerDNSName's server (the shared listener, SNI that name); "" when it is
  // not served (no kubeAPIServerDNSName, or the APIServer is not published).
  std::string custom_server_url;
  std::string message;          // KubeAPIServerAvailable's message
};

struct PublishingInput {
  std::string key;            // "<ns>/<name>" of the HostedCluster
  std::string name;           // the HostedCluster's name
  std::string control_plane;  // the control-plane namespace = the logical cluster
  const boost::json::object* spec = nullptr;
  const HostedPki* pki = nullptr;
  std::string shared_url;     // the shared listener, "https://127.0.0.1:6443"
  std::string shared_ca_pem;  // the CA of the shared listener's own certificate
  const CustomServing* custom = nullptr;  // named certificates and kubeAPIServerDNSName
};

// Publishes the APIServer as the spec says (nullptr publisher: the shared path) and returns
// where it is served. Errors are the publisher's (a port outside the range or taken:
// kInvalidArgument, kAlreadyExists, kUnavailable) or the store's; nothing new is published then.
Result<ApiServerEndpoint> PublishApiServer(storage::Store& store, ServicePublisher* publisher,
                                           const PublishingInput& input);

// Host and port of "https://host:port[/...]" (443 when the port is absent).
std::pair<std::string, int64_t> HostPortOf(const std::string& url);

// The Service that keeps the NodePort.
inline constexpr std::string_view kKubeApiServerService = "kube-apiserver";

}  // namespace carrier::hosted
