#pragma once
// The Deployment controller: one ReplicaSet per pod template (named <deployment>-<hash>, the
// hash also in the pod-template-hash label and selector), rolled by the strategy —
// RollingUpdate within maxSurge/maxUnavailable (defaults 25%/25%), or Recreate — with the
// deployment.kubernetes.io/revision annotation (so `kubectl rollout history|undo` work),
// revisionHistoryLimit, spec.paused, and the status and conditions `kubectl rollout status`
// reads (Available, Progressing). Keys: "<cluster>/<namespace>/<name>".

#include <boost/json/fwd.hpp>

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class DeploymentController : public Controller {
 public:
  explicit DeploymentController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "deployment"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

// The pod-template-hash of a template (FNV-1a over its JSON, then Kubernetes' safe
// alphabet).
std::string PodTemplateHash(const boost::json::value& pod_template);
// An int-or-percent of `total` (maxSurge rounds up, maxUnavailable down).
int64_t ScaledValue(const boost::json::value* int_or_percent, int64_t total, bool round_up,
                    int64_t fallback_percent);

}  // namespace carrier::controllers
