#pragma once
// The HostedCluster controller (HyperShift's operator, for root's hypershift.openshift.io
// objects): for each HostedCluster <ns>/<name> it
//   - validates it (validation.h) and reports ValidConfiguration, ValidReleaseImage,
//     SupportedHostedCluster and ValidHostedControlPlaneConfiguration; a False one stops
//     reconciliation of the control plane, with Available=False saying why;
//   - keeps the control-plane namespace <ns>-<name> in root, holding the hosted cluster's
//     PKI Secrets (pki.h), `admin-kubeconfig` and the HostedControlPlane (the HostedCluster's
//     spec, release.image as releaseImage);
//   - keeps the hosted cluster itself: logical cluster <ns>-<name>, created with that PKI as
//     its credentials, born with openshift-config, openshift-config-managed and the
//     ClusterVersion `version` reporting the release; with spec.etcd.managementType
//     Unmanaged its objects are kept in the external etcd of spec.etcd.unmanaged (reached with
//     the client secret's TLS), which EtcdAvailable reports on; the etcd settings are fixed
//     at creation (a change is refused with ValidConfiguration=False);
//   - publishes the API server as spec.services says (service_publishing.h) through the
//     environment's publisher, and withdraws it on deletion;
//   - writes <name>-admin-kubeconfig and <name>-kubeadmin-password in <ns> and status
//     (kubeconfig, kubeadminPassword, controlPlaneEndpoint, version with history Partial then
//     Completed, Available, Progressing, Degraded, KubeAPIServerAvailable, EtcdAvailable,
//     ReconciliationActive, ReconciliationSucceeded);
//   - honours spec.pausedUntil ("true" or an RFC 3339 time: ReconciliationActive=False,
//     reason ReconciliationPaused, resumed by requeue_after at that time);
//   - on deletion (finalizer hypershift.openshift.io/finalizer) removes the cluster's node
//     pools, its secrets, the logical cluster with all its stored data (in an external etcd
//     too) and the control-plane namespace, then the HostedCluster.
// It also keeps the supported-versions ConfigMap (supported_versions.h). Keys: "<ns>/<name>"
// of root's HostedClusters, and "supported-versions".

#include <boost/json/fwd.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "cluster/logical_clusters.h"
#include "controllers/controller_manager.h"
#include "hosted/certificate_renewal.h"
#include "hosted/pki.h"
#include "hosted/service_publisher.h"

namespace carrier::hosted {

struct HostedClusterEnvironment {
  // Also gives the store of each hosted cluster's objects (LogicalClusters::StoreOf).
  cluster::LogicalClusters* clusters = nullptr;
  std::string server_url;     // the listener's URL, "https://127.0.0.1:6443"
  std::string server_ca_pem;  // the CA that signs the listener's certificate
  // Drops what the API server derived from a logical cluster this controller deleted
  // (authenticators, CRD types, RBAC state).
  std::function<void(const std::string& cluster)> forget_cluster;
  // Serves hosted clusters at their published addresses; nullptr: only at the shared
  // listener's /clusters/<name>.
  ServicePublisher* publisher = nullptr;
  // Restarts what serves a hosted cluster (its derived state is dropped and its open watches
  // end, as when its API server restarts), for the restart-date annotation.
  std::function<void(const std::string& cluster)> restart_cluster;
  // Validity and renewal of the hosted clusters' leaf certificates.
  CertificatePolicy certificates;
};

// Changing its value restarts the hosted control plane (HyperShift's annotation; the value
// is opaque, `date --iso-8601=seconds` by convention). The HostedControlPlane keeps the value
// last acted on.
inline constexpr std::string_view kRestartDateAnnotation = "hypershift.openshift.io/restart-date";

inline constexpr std::string_view kHostedClusterFinalizer = "hypershift.openshift.io/finalizer";
inline constexpr std::string_view kClusterAnnotation = "hypershift.openshift.io/cluster";

class HostedClusterController : public controllers::Controller {
 public:
  HostedClusterController(storage::Store& store, HostedClusterEnvironment env)
      : store_(store), env_(std::move(env)) {}
  std::string_view name() const override { return "hostedcluster"; }
  void OnChange(const controllers::Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  struct Context;
  Status Teardown(Context& c);
  Status ReconcileLive(Context& c, std::chrono::milliseconds& requeue_after);
  // Sets where the hosted cluster's objects are kept (from spec.etcd and the etcd client
  // secret, or for an existing cluster its record); "" when that is usable and unchanged
  // since creation, else what is wrong.
  std::string CheckStorage(Context& c, const boost::json::object* etcd_secret);
  // Makes the control plane and the hosted cluster match `c`; sets c.changed when it had
  // to create or rewrite anything.
  Status EnsureControlPlane(Context& c);
  Status EnsurePki(Context& c);
  // The PKI kept in the control-plane namespace's Secrets (kDataLoss when one is missing).
  Result<HostedPki> ReadStoredPki(const Context& c);
  // Publishes a paused HostedCluster as its stored state says (nothing is written but what
  // publishing keeps).
  Status KeepServingWhilePaused(Context& c);
  // Reissues the serving and admin certificates that are due (certificate_renewal.h).
  Status RenewCertificates(Context& c, const std::vector<std::string>& serving_names);
  // Acts on a restart-date annotation the HostedControlPlane has not seen yet.
  Status RestartIfAsked(Context& c);
  Status EnsureHostedCluster(Context& c);
  Status EnsureHostedControlPlane(Context& c);
  Status EnsurePublished(Context& c);
  Status EnsureSecrets(Context& c);
  Status EnsureCustomKubeconfig(Context& c, const boost::json::object& annotations,
                                const boost::json::array& owners);
  Status WriteHostedCluster(Context& c);

  storage::Store& store_;
  HostedClusterEnvironment env_;
  // Maintained by OnChange only (calls are serialised): which HostedClusters a Secret, a
  // control-plane namespace or a hosted cluster's objects concern.
  // hc key → "<ns>/<secret>" of its pull secret and etcd client secret, and back.
  std::map<std::string, std::vector<std::string>> secrets_of_;
  std::map<std::string, std::set<std::string>> by_secret_;
  std::map<std::string, std::string> by_control_plane_;          // "<ns>-<name>" → hc key
};

}  // namespace carrier::hosted
