#pragma once
// The scheduler: binds each pending pod (no spec.nodeName, schedulerName default-scheduler or
// unset) to the best node that passes Kubernetes' default filters, scored by LeastAllocated,
// BalancedAllocation and preferred node affinity (scheduler_filters.h). It records the
// PodScheduled condition and the Scheduled / FailedScheduling events, the latter with
// Kubernetes' message ("0/2 nodes are available: 1 node(s) didn't match Pod's node
// affinity/selector, ..."). A pod that fits nowhere is tried again when a node or a pod of
// its cluster changes. One key per cluster, "<cluster>/*": a pass lists the cluster's nodes
// and pods once and schedules every pending pod from that snapshot, adding each pod it
// binds. Pods created while a pass runs queue the key once more (the queue de-duplicates),
// so a burst of N pods costs a few passes, not N lists of every pod. In a large cluster the
// search for a pod stops once enough feasible nodes are found (FeasibleNodesToFind, as
// Kubernetes' adaptive percentageOfNodesToScore), the next search starting where it stopped
// so that every node gets its turn; a pod that fits nowhere is checked against every node.

#include <atomic>

#include "controllers/controller_manager.h"
#include "controllers/objects.h"
#include "controllers/scheduler_filters.h"

namespace carrier::controllers {

class Scheduler : public Controller {
 public:
  explicit Scheduler(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "scheduler"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  Status SchedulePod(const std::string& cluster, StoredObject& pod, scheduling::Snapshot& snapshot);
  std::atomic<size_t> next_start_node_{0};  // shared by the passes of every cluster
  storage::Store& store_;
};

// A resource quantity ("100m", "2", "128Mi", "1G", "1.5") in milli-units for cpu, units
// otherwise; nullopt when malformed.
std::optional<int64_t> ParseQuantityMilli(std::string_view q);

// How many feasible nodes a search looks for among `nodes`: all up to 100, then
// max(100, nodes × max(5, 50 − nodes/125)%), Kubernetes' adaptive default.
size_t FeasibleNodesToFind(size_t nodes);

}  // namespace carrier::controllers
