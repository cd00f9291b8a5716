#pragma once
// The Job controller (batch/v1), following Kubernetes' job controller: it runs pods of
// spec.template owned by the Job (controller ownerReference; the template
// carries the generated batch.kubernetes.io/controller-uid and job-name labels, which this
// controller also fills in for Jobs written without the API's defaulting, e.g. by the CronJob
// controller) until spec.completions pods succeeded — without completions, until one pod
// succeeded and none is active — at most spec.parallelism at a time. With completionMode
// Indexed each index 0..completions-1 must succeed once: its pods are named
// <job>-<index>-<suffix>, carry the index in the batch.kubernetes.io/job-completion-index
// annotation and label and JOB_COMPLETION_INDEX, have hostname <job>-<index>, and
// status.completedIndexes lists the indexes done ("0-2,5"). A failed pod is
// replaced after Kubernetes' back-off (10 s doubling per failure since the last success, at
// most 6 min); more than spec.backoffLimit failures (or, for restartPolicy OnFailure, that
// many container restarts) fail the Job with reason BackoffLimitExceeded, running longer than
// spec.activeDeadlineSeconds with DeadlineExceeded; a finished Job's active pods are
// deleted. spec.suspend deletes the active pods (condition Suspended); resuming restarts
// status.startTime. A finished Job with ttlSecondsAfterFinished is deleted that long after it
// finished (its pods follow through the garbage collector). Status: active, ready,
// terminating, succeeded, failed, startTime, completionTime, conditions Complete
// (CompletionsReached) / Failed, with events as Kubernetes records them.
//
// Succeeded/failed are counted from the pods present and never decrease (Kubernetes'
// job-tracking finalizer and uncountedTerminatedPods are not used, so a finished pod deleted
// by hand is not counted again). Keys: "<cluster>/<namespace>/<name>".

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class JobController : public Controller {
 public:
  explicit JobController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "job"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

}  // namespace carrier::controllers
