#pragma once
// The scheduler: binds each pending pod (no spec.nodeName, schedulerName default-scheduler or
// unset) to a node. Filters: the node is Ready and schedulable, has room for another pod
// (status.allocatable.pods), its allocatable cpu and memory minus the requests of the pods
// bound to it fit the pod's requests, the pod's nodeSelector matches, and the pod tolerates
// the node's NoSchedule/NoExecute taints. Scoring: least allocated. It records the
// PodScheduled condition and the Scheduled / FailedScheduling events. A pod that fits
// nowhere is tried again when a node of its cluster changes.
// Keys: "<cluster>/<namespace>/<pod>", or "<cluster>/*" to retry every pending pod.

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class Scheduler : public Controller {
 public:
  explicit Scheduler(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "scheduler"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  Status SchedulePod(const std::string& cluster, const std::string& ns, const std::string& name);
  storage::Store& store_;
};

// A resource quantity ("100m", "2", "128Mi", "1G", "1.5") in milli-units for cpu, units
// otherwise; nullopt when malformed.
std::optional<int64_t> ParseQuantityMilli(std::string_view q);

}  // namespace carrier::controllers
