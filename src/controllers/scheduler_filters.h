#pragma once
// The scheduler's filters and scores, as pure functions over a snapshot of one cluster's
// nodes and bound pods (so a pass over many pending pods lists the cluster once).
// Filters follow Kubernetes' default plugins, in their order, and return the reason the
// scheduler prints in "0/N nodes are available: ..." ("" when the node passes):
// NodeReady, NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector and required
// node affinity), NodePorts, NodeResourcesFit (pods, cpu, memory), InterPodAffinity
// (required affinity/anti-affinity of the pod, and existing pods' required anti-affinity).
// Scores (0-100 each, weighted as Kubernetes' defaults): LeastAllocated and
// BalancedAllocation (weight 1), preferred node affinity (weight 2).
// Node selector terms and tolerations are also used by the DaemonSet controller.

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace carrier::controllers::scheduling {

// What is bound to one node.
struct NodeState {
  std::shared_ptr<const boost::json::object> node;
  std::string name;
  int64_t pods = 0;
  int64_t cpu = 0, memory = 0;                // requests (milli-cpu, milli-bytes)
  int64_t score_cpu = 0, score_memory = 0;    // with Kubernetes' non-zero defaults
  std::vector<std::shared_ptr<const boost::json::object>> bound;  // active pods
};

class Snapshot {
 public:
  void AddNode(boost::json::object node);
  // A pod bound to a node (spec.nodeName); ignored when the node is unknown.
  void AddBoundPod(std::shared_ptr<const boost::json::object> pod);
  std::vector<NodeState>& nodes() { return nodes_; }
  const std::vector<NodeState>& nodes() const { return nodes_; }
  // The bound pods with required anti-affinity terms (few, usually none), with the index of
  // their node: every placement must respect them, so they are kept apart.
  const std::vector<std::pair<size_t, std::shared_ptr<const boost::json::object>>>& anti_affinity_pods() const {
    return anti_affinity_pods_;
  }

 private:
  std::vector<NodeState> nodes_;
  std::unordered_map<std::string, size_t> by_name_;  // node name -> index in nodes_
  std::vector<std::pair<size_t, std::shared_ptr<const boost::json::object>>> anti_affinity_pods_;
};

// Sum of the containers' requests of `resource` (milli-units).
int64_t PodRequests(const boost::json::object& pod, std::string_view resource);

// Filters: "" when `node` passes, else Kubernetes' reason.
std::string FilterNodeReady(const boost::json::object& node);
std::string FilterNodeUnschedulable(const boost::json::object& pod, const boost::json::object& node);
std::string FilterTaints(const boost::json::object& pod, const boost::json::object& node);
std::string FilterNodeAffinity(const boost::json::object& pod, const boost::json::object& node);
std::string FilterNodePorts(const boost::json::object& pod, const NodeState& node);
std::string FilterResources(const boost::json::object& pod, const NodeState& node);
std::string FilterInterPodAffinity(const boost::json::object& pod, const NodeState& node,
                                   const Snapshot& snapshot);
// Every filter in order; the first reason, "" when the node fits.
std::string RunFilters(const boost::json::object& pod, const NodeState& node, const Snapshot& snapshot);

// Scores of a node that passed the filters (0-100).
double LeastAllocatedScore(const boost::json::object& pod, const NodeState& node);
double BalancedAllocationScore(const boost::json::object& pod, const NodeState& node);
// The sum of the weights of the preferred node affinity terms `node` matches.
int64_t PreferredNodeAffinityWeight(const boost::json::object& pod, const boost::json::object& node);

// Whether `node` matches one of `terms` (ORed; each term's matchExpressions and matchFields
// ANDed; an empty term matches nothing).
bool MatchesNodeSelectorTerms(const boost::json::array& terms, const boost::json::object& node);
// spec.nodeSelector and the required node affinity of a pod (spec) against `node`.
bool MatchesNodeSelectorAndAffinity(const boost::json::object& pod_spec, const boost::json::object& node);

}  // namespace carrier::controllers::scheduling
