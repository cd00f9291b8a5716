#pragma once
// The pods/eviction subresource (`POST .../namespaces/<ns>/pods/<name>/eviction` with a
// policy/v1 or policy/v1beta1 Eviction), as Kubernetes' API server serves it, so that
// `kubectl drain` works:
//  - a pod that is Pending, Succeeded, Failed or already deleting is deleted without
//    looking at budgets (it is not counted as healthy anyway);
//  - a pod no PodDisruptionBudget selects is deleted; one selected by more than one is a
//    500 (Kubernetes does not support that);
//  - otherwise the budget's status.disruptionsAllowed is decremented with compare-and-swap
//    (the pod recorded in status.disruptedPods, which the disruption controller keeps until
//    the pod is gone or two minutes passed) and the pod deleted; a budget allowing none
//    answers 429 TooManyRequests with a DisruptionBudget cause. An unready pod is deleted
//    without spending the budget when the budget is healthy or its
//    unhealthyPodEvictionPolicy is AlwaysAllow.
// The Eviction's deleteOptions (preconditions, dryRun) apply to the pod's deletion. Success
// is a Status with code 201. Authorization (create on pods/eviction) happened before.

#include <memory>

#include "apiserver/request_info.h"
#include "http/server.h"
#include "storage/store.h"

namespace carrier::apiserver {

// Serves a request with info.resource == "pods" and info.subresource == "eviction".
void ServeEviction(storage::Store& store, std::shared_ptr<http::Exchange> exchange,
                   const RequestInfo& info);

}  // namespace carrier::apiserver
