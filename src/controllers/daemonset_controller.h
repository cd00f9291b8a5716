#pragma once
// The DaemonSet controller (apps/v1), as Kubernetes': one pod of the template on every node
// it should run on — the template's nodeSelector and required node affinity match, and its
// tolerations plus the automatic ones of daemon pods (not-ready and unreachable NoExecute,
// disk/memory/pid-pressure and unschedulable NoSchedule) tolerate the node's NoSchedule and
// NoExecute taints. Each pod is pinned to its node with the required node affinity
// `matchFields metadata.name In [<node>]` and bound by the scheduler. Pods follow nodes
// (added when a node appears or becomes eligible, removed when it goes or stops tolerating a
// NoExecute taint). updateStrategy RollingUpdate replaces pods of older revisions within
// maxUnavailable (default 1) and maxSurge (default 0); OnDelete only replaces deleted pods.
// Templates are kept as ControllerRevisions (controller_revision.h; pods carry the hash in
// controller-revision-hash) for `kubectl rollout history|undo`. Status:
// desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
// numberAvailable, numberUnavailable, updatedNumberScheduled, observedGeneration.
// Keys: "<cluster>/<namespace>/<name>", or "<cluster>/*" (a node changed) for every set.

#include <boost/json/fwd.hpp>

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class DaemonSetController : public Controller {
 public:
  explicit DaemonSetController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "daemonset"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  Status ReconcileSet(const std::string& cluster, const std::string& ns, const std::string& name,
                      std::chrono::milliseconds& requeue_after);
  storage::Store& store_;
};

namespace daemon {
// The pod spec of a daemon pod for `node_name`: the template's, with the automatic
// tolerations added and the node affinity replaced by the matchFields pin.
boost::json::object PodSpecFor(const boost::json::object& template_spec, const std::string& node_name);
struct Eligibility {
  bool should_run = false;       // a pod belongs on the node
  bool should_continue = false;  // an existing pod may stay (only NoSchedule is untolerated)
};
Eligibility OnNode(const boost::json::object& template_spec, const boost::json::object& node);
// The node a daemon pod is for: spec.nodeName, else its matchFields pin; "" if neither.
std::string TargetNode(const boost::json::object& pod);
}  // namespace daemon

}  // namespace carrier::controllers
