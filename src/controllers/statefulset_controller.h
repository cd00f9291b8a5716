#pragma once
// The StatefulSet controller (apps/v1), as Kubernetes': pods named <set>-<ordinal> with the
// labels statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
// controller-revision-hash (the revision's name), hostname <pod> and subdomain serviceName;
// the PersistentVolumeClaims of volumeClaimTemplates (<claim>-<set>-<ordinal>) created before
// their pod and kept on scale-down (persistentVolumeClaimRetentionPolicy Retain).
// podManagementPolicy OrderedReady creates ordinals 0..n-1 one at a time, each once its
// predecessors are Running and Ready, and removes from the highest ordinal one at a time;
// Parallel creates and removes all at once. updateStrategy RollingUpdate replaces pods from
// the highest ordinal down to `partition`, at most maxUnavailable (default 1) unavailable at
// a time; OnDelete replaces only pods deleted by someone else. Templates are kept as
// ControllerRevisions (controller_revision.h) for `kubectl rollout history|undo`; status has
// replicas, readyReplicas, availableReplicas (minReadySeconds), currentReplicas,
// updatedReplicas, currentRevision, updateRevision, observedGeneration and collisionCount.
// Keys: "<cluster>/<namespace>/<name>".

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class StatefulSetController : public Controller {
 public:
  explicit StatefulSetController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "statefulset"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

// The ordinal of pod `pod_name` of set `set_name` (<set>-<ordinal>); -1 when not one.
int64_t StatefulPodOrdinal(std::string_view set_name, std::string_view pod_name);

}  // namespace carrier::controllers
