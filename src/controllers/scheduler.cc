#include "controllers/scheduler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "apiserver/object_meta.h"
#include "controllers/event_recorder.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

std::optional<int64_t> ParseQuantityMilli(std::string_view q) {
  if (q.empty()) return std::nullopt;
  size_t i = 0;
  while (i < q.size() && (std::isdigit(static_cast<unsigned char>(q[i])) || q[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double number = std::atof(std::string(q.substr(0, i)).c_str());
  std::string_view suffix = q.substr(i);
  double factor = 1000;  // milli-units of a plain number
  if (suffix == "m") factor = 1;
  else if (suffix == "k") factor = 1e3 * 1000;
  else if (suffix == "M") factor = 1e6 * 1000;
  else if (suffix == "G") factor = 1e9 * 1000;
  else if (suffix == "T") factor = 1e12 * 1000;
  else if (suffix == "Ki") factor = 1024.0 * 1000;
  else if (suffix == "Mi") factor = 1048576.0 * 1000;
  else if (suffix == "Gi") factor = 1073741824.0 * 1000;
  else if (suffix == "Ti") factor = 1099511627776.0 * 1000;
  else if (!suffix.empty()) return std::nullopt;
  return static_cast<int64_t>(std::llround(number * factor));
}

namespace {

bool Pending(const std::string& value) {
  return value.find("\"nodeName\"") == std::string::npos &&
         value.find("\"deletionTimestamp\"") == std::string::npos;
}

StoredObject Hold(const storage::KeyValue& kv, json::object object) {
  StoredObject s;
  s.key = kv.key;
  s.revision = kv.mod_revision;
  s.holder = std::make_shared<json::object>(std::move(object));
  s.object = s.holder.get();
  return s;
}

}  // namespace

size_t FeasibleNodesToFind(size_t nodes) {
  constexpr size_t kMinFeasibleNodesToFind = 100;
  if (nodes <= kMinFeasibleNodesToFind) return nodes;
  const size_t percent = std::max<int64_t>(5, 50 - static_cast<int64_t>(nodes) / 125);
  return std::max(kMinFeasibleNodesToFind, nodes * percent / 100);
}

void Scheduler::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (!ref.group.empty()) return;
  const bool pending_pod = ref.resource == "pods" && change.type == Change::Type::kPut &&
                           change.value && Pending(*change.value);
  // A pod deleted or a node changed: room may have appeared for pods that fit nowhere.
  if (pending_pod || ref.resource == "nodes" ||
      (ref.resource == "pods" && change.type == Change::Type::kDelete)) {
    keys.push_back(ref.cluster + "/*");
  }
}

Status Scheduler::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const std::string cluster = key.substr(0, key.find('/'));
  const auto& pod_type = BuiltInType("", "pods");

  // One snapshot of the cluster for the whole pass.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("", "nodes"), "", ""));
  auto nodes = store_.List(list);
  if (!nodes.ok()) return nodes.status();
  scheduling::Snapshot snapshot;
  for (const auto& kv : nodes->kvs) {
    auto node = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (node.ok()) snapshot.AddNode(std::move(*node));
  }
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, pod_type, "", ""));
  auto pods = store_.List(list);
  if (!pods.ok()) return pods.status();
  std::vector<StoredObject> pending;
  for (const auto& kv : pods->kvs) {
    const bool pending_pod = Pending(kv.value);
    auto pod = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!pod.ok()) continue;
    if (pending_pod) {
      pending.push_back(Hold(kv, std::move(*pod)));
    } else if (workload::PodActive(*pod)) {
      snapshot.AddBoundPod(std::make_shared<const json::object>(std::move(*pod)));
    }
  }
  // A pod that could not be bound (its write lost a race) does not hold back the others;
  // the pass is retried for it.
  Status first_error;
  for (StoredObject& pod : pending) {
    Status st = SchedulePod(cluster, pod, snapshot);
    if (!st.ok() && first_error.ok()) first_error = st;
  }
  return first_error;
}

Status Scheduler::SchedulePod(const std::string& cluster, StoredObject& pod_read,
                              scheduling::Snapshot& snapshot) {
  json::object& pod = *pod_read.object;
  const json::object* spec = ObjectAt(&pod, "spec");
  const std::string scheduler_name = StringAt(spec, "schedulerName");
  if (!scheduler_name.empty() && scheduler_name != "default-scheduler") return {};
  const std::string ns(apiserver::MetaString(pod, "namespace")), name(apiserver::MetaString(pod, "name"));

  // Filter, then score: LeastAllocated + BalancedAllocation (weight 1 each) + preferred node
  // affinity normalised to 0-100 (weight 2); ties go to the node with fewer pods.
  std::vector<scheduling::NodeState*> feasible;
  std::map<std::string, int> reasons;
  std::vector<scheduling::NodeState>& nodes = snapshot.nodes();
  const size_t enough = FeasibleNodesToFind(nodes.size());
  const size_t start = nodes.empty() ? 0 : next_start_node_.load() % nodes.size();
  size_t examined = 0;
  for (; examined < nodes.size() && feasible.size() < enough; ++examined) {
    scheduling::NodeState& node = nodes[(start + examined) % nodes.size()];
    std::string reason = scheduling::RunFilters(pod, node, snapshot);
    if (reason.empty()) {
      feasible.push_back(&node);
    } else {
      ++reasons[reason];
    }
  }
  next_start_node_.store(start + examined);
  int64_t max_weight = 0;
  for (auto* node : feasible) max_weight = std::max(max_weight, scheduling::PreferredNodeAffinityWeight(pod, *node->node));
  scheduling::NodeState* best = nullptr;
  double best_score = -1e18;
  for (auto* node : feasible) {
    double score = scheduling::LeastAllocatedScore(pod, *node) + scheduling::BalancedAllocationScore(pod, *node);
    if (max_weight > 0) {
      score += 2 * 100.0 * static_cast<double>(scheduling::PreferredNodeAffinityWeight(pod, *node->node)) /
               static_cast<double>(max_weight);
    }
    score -= static_cast<double>(node->pods) * 1e-6;
    if (score > best_score) {
      best_score = score;
      best = node;
    }
  }

  json::object& status = pod["status"].is_object() ? pod["status"].as_object()
                                                   : (pod["status"] = json::object()).as_object();
  json::array conditions;
  if (const json::value* cs = status.if_contains("conditions"); cs && cs->is_array()) {
    for (const auto& c : cs->get_array()) {
      if (!(c.is_object() && StringAt(&c.get_object(), "type") == "PodScheduled")) conditions.push_back(c);
    }
  }
  const std::string now = apiserver::Rfc3339(std::chrono::system_clock::now());
  if (best == nullptr) {
    // As Kubernetes: "<count> <reason>" strings sorted, joined by ", ".
    std::vector<std::string> counted;
    for (const auto& [reason, count] : reasons) counted.push_back(std::to_string(count) + " " + reason);
    std::sort(counted.begin(), counted.end());
    std::string message = "0/" + std::to_string(snapshot.nodes().size()) + " nodes are available:";
    for (size_t i = 0; i < counted.size(); ++i) message += (i == 0 ? " " : ", ") + counted[i];
    message += ".";
    // Written once per distinct reason, so a retry storm writes nothing.
    const json::value* cs = status.if_contains("conditions");
    if (cs && json::serialize(*cs).find(message) != std::string::npos) return {};
    conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "False"},
                                      {"reason", "Unschedulable"}, {"message", message},
                                      {"lastTransitionTime", now}});
    status["conditions"] = std::move(conditions);
    Status st = UpdateObject(store_, pod_read);
    if (st.code() == Code::kConflict || st.code() == Code::kNotFound) return {};  // its event requeues it
    CARRIER_RETURN_IF_ERROR(st);
    return RecordEvent(store_, cluster, pod, "Warning", "FailedScheduling", message,
                     EventSource{"default-scheduler", ""});
  }
  pod["spec"].as_object()["nodeName"] = best->name;
  conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "True"},
                                    {"lastTransitionTime", now}});
  status["conditions"] = std::move(conditions);
  Status st = UpdateObject(store_, pod_read);
  if (st.code() == Code::kConflict || st.code() == Code::kNotFound) return {};  // its event requeues it
  CARRIER_RETURN_IF_ERROR(st);
  snapshot.AddBoundPod(pod_read.holder);
  return RecordEvent(store_, cluster, pod, "Normal", "Scheduled",
                     "Successfully assigned " + ns + "/" + name + " to " + best->name,
                     EventSource{"default-scheduler", ""});
}

}  // namespace carrier::controllers
