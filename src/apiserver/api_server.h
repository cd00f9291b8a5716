#pragma once
// `carrier serve`'s API server: the HTTPS listener, authentication, routing to logical
// clusters (root at /, others at /clusters/<name>/), discovery and the REST machinery.
// Every request is authenticated with the logical cluster's own credentials
// (authn/request_authenticator.h), authorized (authz/: system:masters, the node authorizer,
// RBAC) and every write admitted (admission/: built-in plugins and webhooks).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/authn/impersonation.h"
#include "apiserver/serving_pki.h"
#include "hosted/certificate_renewal.h"
#include "hosted/service_publisher.h"
#include "storage/store.h"

namespace carrier::apiserver {

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 6443;  // 0: an ephemeral port
  std::string data_dir;
  std::vector<std::string> extra_sans;  // more names for the serving certificate
  int threads = 4;
  // How long a node may go without renewing its Lease or posting status before the node
  // lifecycle controller marks it Ready=Unknown (kube-controller-manager's
  // --node-monitor-grace-period).
  std::chrono::milliseconds node_monitor_grace_period{40000};
  // The store is shared with other `carrier serve` replicas (etcd): reads from the watch
  // cache then wait for the backend's current revision, not only for this process's writes.
  bool store_shared = false;
  // Requests without credentials are system:anonymous on every path (authorization then
  // decides); otherwise only on /healthz, /livez, /readyz and /version.
  bool anonymous_auth = false;
  // Events are deleted this long after their last write (kube-apiserver's --event-ttl).
  std::chrono::seconds event_ttl{3600};
  // Admission plugins turned off by name (NamespaceLifecycle, LimitRanger, ...), as
  // kube-apiserver's --disable-admission-plugins.
  std::vector<std::string> disabled_admission_plugins;
  // Who may impersonate what (Impersonate-* headers). Unset: members of system:masters.
  authn::ImpersonationAuthorizer impersonation_authorizer;
  // Ports hosted clusters' NodePort listeners may use (kube-apiserver's
  // --service-node-port-range).
  hosted::NodePortRange service_node_port_range;
  // Validity and renewal lead time of hosted clusters' leaf certificates.
  hosted::CertificatePolicy hosted_certificates;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options,
                                                  storage::Store& store);
  ~ApiServer();

  uint16_t port() const;
  const ServingPki& pki() const;
  // The URL clients use ("https://127.0.0.1:6443").
  std::string url() const;
  void Stop();

  class Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::apiserver
