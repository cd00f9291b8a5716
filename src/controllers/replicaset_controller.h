#pragma once
// The ReplicaSet controller: keeps spec.replicas pods of the template running, owned by the
// ReplicaSet (controller ownerReference), deleting surplus pods unscheduled, pending and
// unready first; and reports status (replicas, fullyLabeledReplicas, readyReplicas,
// availableReplicas, observedGeneration). Keys: "<cluster>/<namespace>/<name>".

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

}  // namespace carrier::controllers
