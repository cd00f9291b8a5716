#pragma once
// The disruption controller: the status of every policy/v1 PodDisruptionBudget, as
// Kubernetes' disruption controller computes it. The budget's pods are those of its
// namespace its selector selects (an absent selector selects none); status.expectedPods is
// their number, or — when minAvailable is a percentage or maxUnavailable is set — the sum of
// spec.replicas of their controllers (ReplicationController, ReplicaSet, the Deployment of a
// ReplicaSet, StatefulSet). desiredHealthy is minAvailable (a percentage of expectedPods
// rounded up) or expectedPods - maxUnavailable; currentHealthy counts the ready pods that
// are neither deleting nor in status.disruptedPods (evictions under way, see
// apiserver/eviction.h, forgotten after two minutes); disruptionsAllowed is
// currentHealthy - desiredHealthy (never below 0, and 0 while no pod is expected). The
// DisruptionAllowed condition says SufficientPods or InsufficientPods; when the expected
// count cannot be computed (a pod without a known controller) the budget allows no
// disruption with reason SyncFailed. Keys: "<cluster>/<namespace>" (every budget of it).

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class DisruptionController : public Controller {
 public:
  explicit DisruptionController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "disruption"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

}  // namespace carrier::controllers
