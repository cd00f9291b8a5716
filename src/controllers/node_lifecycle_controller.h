#pragma once
// The node lifecycle controller, as Kubernetes' node lifecycle and taint-eviction controllers
// behave, for every logical cluster:
//  - Health: a node is alive while its Lease kube-node-lease/<node> (spec.renewTime) or its
//    Ready condition's lastHeartbeatTime was renewed within the grace period (40 s by
//    default). Past it, Ready (and MemoryPressure/DiskPressure/PIDPressure when present)
//    become Unknown, reason NodeStatusUnknown, "Kubelet stopped posting node status." (a
//    node that never posted Ready gets it as Unknown, NodeStatusNeverUpdated). The kubelet
//    sets Ready=True again when it comes back.
//  - Taints: node.kubernetes.io/unreachable (Ready Unknown) and node.kubernetes.io/not-ready
//    (Ready False), each NoSchedule and NoExecute (timeAdded on the NoExecute one), removed
//    when the node is Ready; node.kubernetes.io/unschedulable:NoSchedule while
//    spec.unschedulable (kubectl cordon).
//  - Eviction: a pod bound to a node with a NoExecute taint it does not tolerate is deleted;
//    one tolerating it with tolerationSeconds is deleted once that long has passed since the
//    taint's timeAdded; one tolerating it without tolerationSeconds stays.
// Time is handled with requeue_after, never timers: each reconcile of a node asks to look
// again when its grace period could expire or its next eviction is due. Lease renewals
// (every node, every 10 s) therefore cost nothing in OnChange; the lease is read when the
// node is looked at. Keys: "<cluster>/<node>".

#include <boost/json/fwd.hpp>
#include <chrono>

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class NodeLifecycleController : public Controller {
 public:
  NodeLifecycleController(storage::Store& store, std::chrono::milliseconds grace_period)
      : store_(store), grace_period_(grace_period) {}
  std::string_view name() const override { return "node-lifecycle"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  // Deletes the pods of `node` that its NoExecute taints evict by now; `next` becomes the
  // time until the next eviction falls due (unchanged when none will).
  Status EvictPods(const std::string& cluster, const boost::json::object& node,
                   std::chrono::milliseconds& next);

  storage::Store& store_;
  const std::chrono::milliseconds grace_period_;
};

}  // namespace carrier::controllers
