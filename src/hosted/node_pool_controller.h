#pragma once
// The NodePool controller at API level (machines join with the agent): for each NodePool
// <ns>/<name> of root it reports, as HyperShift does,
//   ValidReleaseImage        spec.release.image is a well formed tag or digest
//   SupportedVersionSkew     the pool's version is not newer than its HostedCluster's and
//                            lags it by at most 3 minor versions
//   ValidMachineConfig       every spec.config ConfigMap exists in the pool's namespace
//   AutoscalingEnabled       spec.autoScaling is set (and spec.replicas is not: exclusive)
//   AutorepairEnabled        spec.management.autoRepair
//   UpdateManagementEnabled  spec.management.upgradeType is Replace or InPlace
//   UpdatingVersion, UpdatingConfig  False: no machine exists to update yet
//   Ready                    the HostedCluster spec.clusterName exists and the pool is
//                            valid; until machines exist, a pool wanting replicas waits
// and status.version (the version its release tag names) and status.replicas (0 until
// machines exist). Keys: "<ns>/<name>".

#include <map>
#include <set>
#include <string>

#include "controllers/controller_manager.h"

namespace carrier::hosted {

class NodePoolController : public controllers::Controller {
 public:
  explicit NodePoolController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "nodepool"; }
  void OnChange(const controllers::Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
  // OnChange only: the pools of each HostedCluster ("<ns>/<clusterName>" → pool keys), and
  // of each namespace (a ConfigMap change may complete their spec.config).
  std::map<std::string, std::string> cluster_of_;
  std::map<std::string, std::set<std::string>> by_cluster_;
  std::map<std::string, std::set<std::string>> by_namespace_;
};

}  // namespace carrier::hosted
