#pragma once
// The ReplicaSet controller: keeps spec.replicas pods of the template running, owned by the
// ReplicaSet (controller ownerReference), deleting surplus pods unscheduled, pending and
// unready first; and reports status (replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas, observedGeneration). Keys: "<cluster>/<namespace>/<name>".

#include <boost/json/fwd.hpp>

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class ReplicaSetController : public Controller {
 public:
  explicit ReplicaSetController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "replicaset"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

// Shared by the workload controllers.
namespace workload {
// The controller owner of an object (kind, name), from its stored JSON; nullopt if none.
std::optional<std::pair<std::string, std::string>> ControllerOf(std::string_view value);
bool PodReady(const boost::json::object& pod);
bool PodActive(const boost::json::object& pod);  // not deleting, not Succeeded/Failed
// A controller ownerReference to `owner` (apiVersion/kind given).
boost::json::object ControllerRef(const boost::json::object& owner, std::string_view api_version,
                                  std::string_view kind);
// Lower-case alphanumerics as Kubernetes' generated name suffixes use.
std::string RandomSuffix(size_t n);
}  // namespace workload

}  // namespace carrier::controllers
