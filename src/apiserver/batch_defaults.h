#pragma once
// Defaults of the batch/v1 types, as Kubernetes applies them when a Job or CronJob is
// created. A Job gets completions/parallelism 1 when both are unset (parallelism 1 when only
// it is), backoffLimit 6, completionMode NonIndexed, suspend false, podReplacementPolicy
// TerminatingOrFailed, and — unless spec.manualSelector is true — the generated selector:
// the pod template is labelled batch.kubernetes.io/controller-uid=<uid> and
// batch.kubernetes.io/job-name=<name> (plus the legacy controller-uid / job-name) and
// spec.selector.matchLabels selects the uid; a Job without labels takes its template's.
// A CronJob gets concurrencyPolicy Allow, suspend false and history limits 3 / 1.

#include <boost/json/fwd.hpp>

namespace carrier::apiserver {

// `job` must carry metadata.name and metadata.uid. Fields already set are kept.
void DefaultJob(boost::json::object& job);
// Whether the Job still lacks the generated selector DefaultJob would add.
bool JobNeedsSelector(const boost::json::object& job);
void DefaultCronJob(boost::json::object& cronjob);

}  // namespace carrier::apiserver
