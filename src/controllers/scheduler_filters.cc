#include "controllers/scheduler_filters.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "api/label_selector.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/workload.h"
#include "controllers/scheduler.h"

namespace carrier::controllers::scheduling {

namespace json = boost::json;

namespace {

// Kubernetes scores a pod without requests as if it asked for 100m cpu and 200MB memory
// (schedutil's non-zero defaults), so empty pods still spread.
constexpr int64_t kDefaultCpuMilli = 100;
constexpr int64_t kDefaultMemoryMilli = int64_t{200} * 1024 * 1024 * 1000;

const json::object* Spec(const json::object& o) { return ObjectAt(&o, "spec"); }

int64_t Allocatable(const json::object& node, std::string_view resource, int64_t fallback) {
  auto q = ParseQuantityMilli(StringAt(ObjectAt(ObjectAt(&node, "status"), "allocatable"), resource));
  return q ? *q : fallback;
}

int64_t ScoreRequest(const json::object& pod, std::string_view resource) {
  const int64_t r = PodRequests(pod, resource);
  if (r > 0) return r;
  return resource == "cpu" ? kDefaultCpuMilli : kDefaultMemoryMilli;
}

const json::object* NodeLabels(const json::object& node) {
  return ObjectAt(ObjectAt(&node, "metadata"), "labels");
}

bool ParseInt(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  out = v;
  return true;
}

// One node selector requirement against a value (nullopt: the key/field is absent).
bool MatchesRequirement(const json::object& req, const std::optional<std::string>& value) {
  const std::string op = StringAt(&req, "operator");
  std::vector<std::string> values;
  if (const json::array* vs = ArrayAt(&req, "values")) {
    for (const auto& v : *vs) {
      if (v.is_string()) values.emplace_back(v.get_string());
    }
  }
  auto in = [&] { return value && std::find(values.begin(), values.end(), *value) != values.end(); };
  if (op == "In") return in();
  if (op == "NotIn") return !in();
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value.has_value();
  if (op == "Gt" || op == "Lt") {
    int64_t have = 0, want = 0;
    if (!value || values.size() != 1 || !ParseInt(*value, have) || !ParseInt(values[0], want)) return false;
    return op == "Gt" ? have > want : have < want;
  }
  return false;
}

bool MatchesTerm(const json::object& term, const json::object& node) {
  const json::array* exprs = ArrayAt(&term, "matchExpressions");
  const json::array* fields = ArrayAt(&term, "matchFields");
  if ((exprs == nullptr || exprs->empty()) && (fields == nullptr || fields->empty())) return false;
  const json::object* labels = NodeLabels(node);
  if (exprs) {
    for (const auto& e : *exprs) {
      const json::object* req = e.if_object();
      if (req == nullptr) return false;
      std::optional<std::string> value;
      if (const json::value* v = labels ? labels->if_contains(StringAt(req, "key")) : nullptr; v && v->is_string()) {
        value = std::string(v->get_string());
      }
      if (!MatchesRequirement(*req, value)) return false;
    }
  }
  if (fields) {
    for (const auto& f : *fields) {
      const json::object* req = f.if_object();
      // metadata.name is the only field Kubernetes supports here.
      if (req == nullptr || StringAt(req, "key") != "metadata.name") return false;
      if (!MatchesRequirement(*req, std::string(apiserver::MetaString(node, "name")))) return false;
    }
  }
  return true;
}

struct HostPort {
  std::string ip, protocol;
  int64_t port;
};

std::vector<HostPort> HostPorts(const json::object& pod) {
  std::vector<HostPort> out;
  const json::array* containers = ArrayAt(Spec(pod), "containers");
  if (containers == nullptr) return out;
  for (const auto& c : *containers) {
    const json::array* ports = ArrayAt(c.if_object(), "ports");
    if (ports == nullptr) continue;
    for (const auto& p : *ports) {
      const json::object* o = p.if_object();
      const int64_t host_port = IntAt(o, "hostPort", 0);
      if (host_port <= 0) continue;
      std::string ip = StringAt(o, "hostIP"), protocol = StringAt(o, "protocol");
      out.push_back({ip.empty() ? "0.0.0.0" : ip, protocol.empty() ? "TCP" : protocol, host_port});
    }
  }
  return out;
}

// A required pod (anti-)affinity term, resolved against the pod that carries it.
struct PodTerm {
  api::LabelSelector selector = api::LabelSelector::Nothing();
  std::vector<std::string> namespaces;  // empty: every namespace
  std::string topology_key;
};

std::vector<PodTerm> RequiredTerms(const json::object& pod, std::string_view kind) {
  std::vector<PodTerm> out;
  const json::array* terms =
      ArrayAt(ObjectAt(ObjectAt(Spec(pod), "affinity"), kind), "requiredDuringSchedulingIgnoredDuringExecution");
  if (terms == nullptr) return out;
  for (const auto& t : *terms) {
    const json::object* o = t.if_object();
    if (o == nullptr) continue;
    PodTerm term;
    if (const json::value* sel = o->if_contains("labelSelector")) {
      auto parsed = api::LabelSelector::FromJson(*sel);
      if (parsed.ok()) term.selector = std::move(*parsed);
    }
    term.topology_key = StringAt(o, "topologyKey");
    if (const json::array* ns = ArrayAt(o, "namespaces"); ns && !ns->empty()) {
      for (const auto& n : *ns) {
        if (n.is_string()) term.namespaces.emplace_back(n.get_string());
      }
    } else if (const json::object* nsel = ObjectAt(o, "namespaceSelector"); nsel && nsel->empty()) {
      // An empty namespaceSelector selects every namespace.
    } else {
      term.namespaces.emplace_back(apiserver::MetaString(pod, "namespace"));
    }
    out.push_back(std::move(term));
  }
  return out;
}

bool TermMatchesPod(const PodTerm& term, const json::object& pod) {
  if (!term.namespaces.empty() &&
      std::find(term.namespaces.begin(), term.namespaces.end(), apiserver::MetaString(pod, "namespace")) ==
          term.namespaces.end()) {
    return false;
  }
  const json::value* labels = ObjectAt(&pod, "metadata") ? ObjectAt(&pod, "metadata")->if_contains("labels") : nullptr;
  return term.selector.Matches(labels ? *labels : json::value());
}

std::optional<std::string> TopologyValue(const json::object& node, const std::string& key) {
  const json::object* labels = NodeLabels(node);
  const json::value* v = labels ? labels->if_contains(key) : nullptr;
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

void Snapshot::AddNode(json::object node) {
  NodeState state;
  state.name = std::string(apiserver::MetaString(node, "name"));
  state.node = std::make_shared<const json::object>(std::move(node));
  by_name_[state.name] = nodes_.size();
  nodes_.push_back(std::move(state));
}

void Snapshot::AddBoundPod(std::shared_ptr<const json::object> pod) {
  auto it = by_name_.find(StringAt(Spec(*pod), "nodeName"));
  if (it == by_name_.end()) return;
  NodeState& n = nodes_[it->second];
  ++n.pods;
  n.cpu += PodRequests(*pod, "cpu");
  n.memory += PodRequests(*pod, "memory");
  n.score_cpu += ScoreRequest(*pod, "cpu");
  n.score_memory += ScoreRequest(*pod, "memory");
  if (!RequiredTerms(*pod, "podAntiAffinity").empty()) anti_affinity_pods_.emplace_back(it->second, pod);
  n.bound.push_back(std::move(pod));
}

int64_t PodRequests(const json::object& pod, std::string_view resource) {
  int64_t total = 0;
  const json::array* containers = ArrayAt(Spec(pod), "containers");
  if (containers == nullptr) return 0;
  for (const auto& c : *containers) {
    const json::object* req = ObjectAt(ObjectAt(c.if_object(), "resources"), "requests");
    if (auto q = ParseQuantityMilli(StringAt(req, resource))) total += *q;
  }
  return total;
}

std::string FilterNodeReady(const json::object& node) {
  return ConditionStatus(node, "Ready") == "True" ? "" : "node(s) were not ready";
}

std::string FilterNodeUnschedulable(const json::object& pod, const json::object& node) {
  if (!BoolAt(Spec(node), "unschedulable")) return "";
  const json::object taint{{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}};
  if (workload::TolerationFor(ArrayAt(Spec(pod), "tolerations"), taint)) return "";
  return "node(s) were unschedulable";
}

std::string FilterTaints(const json::object& pod, const json::object& node) {
  const json::array* taints = ArrayAt(Spec(node), "taints");
  if (taints == nullptr) return "";
  for (const auto& t : *taints) {
    const json::object* o = t.if_object();
    if (o == nullptr) continue;
    const std::string effect = StringAt(o, "effect");
    if ((effect == "NoSchedule" || effect == "NoExecute") && !workload::TolerationFor(ArrayAt(Spec(pod), "tolerations"), *o)) {
      return "node(s) had untolerated taint {" + StringAt(o, "key") + ": " + StringAt(o, "value") + "}";
    }
  }
  return "";
}

std::string FilterNodeAffinity(const json::object& pod, const json::object& node) {
  const json::object* spec = Spec(pod);
  if (spec == nullptr || MatchesNodeSelectorAndAffinity(*spec, node)) return "";
  return "node(s) didn't match Pod's node affinity/selector";
}

std::string FilterNodePorts(const json::object& pod, const NodeState& node) {
  const std::vector<HostPort> wanted = HostPorts(pod);
  if (wanted.empty()) return "";
  for (const auto& other : node.bound) {
    for (const HostPort& used : HostPorts(*other)) {
      for (const HostPort& w : wanted) {
        if (w.port == used.port && w.protocol == used.protocol &&
            (w.ip == used.ip || w.ip == "0.0.0.0" || used.ip == "0.0.0.0")) {
          return "node(s) didn't have free ports for the requested pod ports";
        }
      }
    }
  }
  return "";
}

std::string FilterResources(const json::object& pod, const NodeState& node) {
  if (node.pods + 1 > Allocatable(*node.node, "pods", 110 * 1000) / 1000) return "Too many pods";
  if (node.cpu + PodRequests(pod, "cpu") > Allocatable(*node.node, "cpu", INT64_MAX / 4)) return "Insufficient cpu";
  if (node.memory + PodRequests(pod, "memory") > Allocatable(*node.node, "memory", INT64_MAX / 4)) {
    return "Insufficient memory";
  }
  return "";
}

std::string FilterInterPodAffinity(const json::object& pod, const NodeState& node, const Snapshot& snapshot) {
  // Existing pods' required anti-affinity against this pod.
  for (const auto& [other_index, bound] : snapshot.anti_affinity_pods()) {
    const NodeState& other = snapshot.nodes()[other_index];
    for (const PodTerm& term : RequiredTerms(*bound, "podAntiAffinity")) {
      if (!TermMatchesPod(term, pod)) continue;
      auto mine = TopologyValue(*node.node, term.topology_key);
      if (mine && mine == TopologyValue(*other.node, term.topology_key)) {
        return "node(s) didn't satisfy existing pods anti-affinity rules";
      }
    }
  }
  // The pod's own terms: a matching pod in the node's topology domain.
  auto domain_has_match = [&](const PodTerm& term, const std::string& value) {
    for (const NodeState& other : snapshot.nodes()) {
      if (TopologyValue(*other.node, term.topology_key) != value) continue;
      for (const auto& bound : other.bound) {
        if (TermMatchesPod(term, *bound)) return true;
      }
    }
    return false;
  };
  for (const PodTerm& term : RequiredTerms(pod, "podAntiAffinity")) {
    auto value = TopologyValue(*node.node, term.topology_key);
    if (value && domain_has_match(term, *value)) return "node(s) didn't match pod anti-affinity rules";
  }
  const std::vector<PodTerm> affinity = RequiredTerms(pod, "podAffinity");
  bool satisfied = true;
  for (const PodTerm& term : affinity) {
    auto value = TopologyValue(*node.node, term.topology_key);
    if (!value) return "node(s) didn't match pod affinity rules";
    if (!domain_has_match(term, *value)) satisfied = false;
  }
  if (satisfied) return "";
  // As Kubernetes: the first pod of a group that selects itself may go anywhere, when no
  // pod in the cluster matches any of its terms yet.
  bool any_match = false, matches_itself = true;
  for (const PodTerm& term : affinity) {
    matches_itself = matches_itself && TermMatchesPod(term, pod);
    for (const NodeState& other : snapshot.nodes()) {
      for (const auto& bound : other.bound) any_match = any_match || TermMatchesPod(term, *bound);
    }
  }
  if (!any_match && matches_itself) return "";
  return "node(s) didn't match pod affinity rules";
}

std::string RunFilters(const json::object& pod, const NodeState& node, const Snapshot& snapshot) {
  std::string r;
  if (!(r = FilterNodeReady(*node.node)).empty() || !(r = FilterNodeUnschedulable(pod, *node.node)).empty() ||
      !(r = FilterTaints(pod, *node.node)).empty() || !(r = FilterNodeAffinity(pod, *node.node)).empty() ||
      !(r = FilterNodePorts(pod, node)).empty() || !(r = FilterResources(pod, node)).empty()) {
    return r;
  }
  return FilterInterPodAffinity(pod, node, snapshot);
}

namespace {
// Requested share of allocatable after placing the pod, per resource, capped at 1.
std::pair<double, double> Fractions(const json::object& pod, const NodeState& node) {
  const double cpu_alloc = static_cast<double>(Allocatable(*node.node, "cpu", 0));
  const double mem_alloc = static_cast<double>(Allocatable(*node.node, "memory", 0));
  auto share = [](double used, double alloc) { return alloc <= 0 ? 1.0 : std::min(1.0, used / alloc); };
  return {share(static_cast<double>(node.score_cpu + ScoreRequest(pod, "cpu")), cpu_alloc),
          share(static_cast<double>(node.score_memory + ScoreRequest(pod, "memory")), mem_alloc)};
}
}  // namespace

double LeastAllocatedScore(const json::object& pod, const NodeState& node) {
  auto [cpu, mem] = Fractions(pod, node);
  return ((1 - cpu) + (1 - mem)) / 2 * 100;
}

double BalancedAllocationScore(const json::object& pod, const NodeState& node) {
  // 100 × (1 − standard deviation of the shares); with two resources that is |a−b|/2.
  auto [cpu, mem] = Fractions(pod, node);
  return (1 - std::abs(cpu - mem) / 2) * 100;
}

int64_t PreferredNodeAffinityWeight(const json::object& pod, const json::object& node) {
  const json::array* terms = ArrayAt(ObjectAt(ObjectAt(Spec(pod), "affinity"), "nodeAffinity"),
                                     "preferredDuringSchedulingIgnoredDuringExecution");
  if (terms == nullptr) return 0;
  int64_t total = 0;
  for (const auto& t : *terms) {
    const json::object* pref = ObjectAt(t.if_object(), "preference");
    if (pref && MatchesTerm(*pref, node)) total += IntAt(t.if_object(), "weight", 0);
  }
  return total;
}

bool MatchesNodeSelectorTerms(const json::array& terms, const json::object& node) {
  for (const auto& t : terms) {
    if (const json::object* term = t.if_object(); term && MatchesTerm(*term, node)) return true;
  }
  return false;
}

bool MatchesNodeSelectorAndAffinity(const json::object& pod_spec, const json::object& node) {
  if (const json::object* selector = ObjectAt(&pod_spec, "nodeSelector")) {
    const json::object* labels = NodeLabels(node);
    for (const auto& kv : *selector) {
      const json::value* have = labels ? labels->if_contains(kv.key()) : nullptr;
      if (!have || *have != kv.value()) return false;
    }
  }
  const json::object* required = ObjectAt(ObjectAt(ObjectAt(&pod_spec, "affinity"), "nodeAffinity"),
                                          "requiredDuringSchedulingIgnoredDuringExecution");
  if (required == nullptr) return true;
  const json::array* terms = ArrayAt(required, "nodeSelectorTerms");
  return terms != nullptr && MatchesNodeSelectorTerms(*terms, node);
}

}  // namespace carrier::controllers::scheduling
