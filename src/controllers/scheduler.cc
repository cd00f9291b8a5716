#include "controllers/scheduler.h"

#include <boost/json.hpp>
#include <cmath>

#include "apiserver/object_meta.h"
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

// Sum of the containers' requests of `resource` (milli-units).
int64_t Requests(const json::object& pod, std::string_view resource) {
  int64_t total = 0;
  const json::array* containers = ArrayAt(ObjectAt(&pod, "spec"), "containers");
  if (containers == nullptr) return 0;
  for (const auto& c : *containers) {
    const json::object* req = ObjectAt(ObjectAt(c.if_object(), "resources"), "requests");
    if (auto q = ParseQuantityMilli(StringAt(req, resource))) total += *q;
  }
  return total;
}

int64_t Allocatable(const json::object& node, std::string_view resource, int64_t fallback) {
  const json::object* alloc = ObjectAt(ObjectAt(&node, "status"), "allocatable");
  auto q = ParseQuantityMilli(StringAt(alloc, resource));
  return q ? *q : fallback;
}

bool NodeReady(const json::object& node) {
  const json::array* conds = ArrayAt(ObjectAt(&node, "status"), "conditions");
  if (conds == nullptr) return false;
  for (const auto& c : *conds) {
    const json::object* o = c.if_object();
    if (StringAt(o, "type") == "Ready") return StringAt(o, "status") == "True";
  }
  return false;
}

struct Verdict {
  bool fits = false;
  std::string reason;  // why not, in the scheduler's words
  double score = 0;
};

Verdict Evaluate(const json::object& pod, const json::object& node, int64_t pods_on_node,
                 int64_t cpu_used, int64_t mem_used) {
  Verdict v;
  const json::object* spec = ObjectAt(&node, "spec");
  if (!NodeReady(node)) {
    v.reason = "node(s) were not ready";
    return v;
  }
  if (spec && spec->contains("unschedulable") && spec->at("unschedulable").is_bool() &&
      spec->at("unschedulable").get_bool()) {
    v.reason = "node(s) were unschedulable";
    return v;
  }
  if (const json::array* taints = ArrayAt(spec, "taints")) {
    for (const auto& t : *taints) {
      const json::object* o = t.if_object();
      const std::string effect = StringAt(o, "effect");
      if ((effect == "NoSchedule" || effect == "NoExecute") && !workload::TolerationFor(pod, *o)) {
        v.reason = "node(s) had untolerated taint {" + StringAt(o, "key") + ": " + StringAt(o, "value") + "}";
        return v;
      }
    }
  }
  if (const json::object* selector = ObjectAt(ObjectAt(&pod, "spec"), "nodeSelector")) {
    const json::object* labels = ObjectAt(ObjectAt(&node, "metadata"), "labels");
    for (const auto& kv : *selector) {
      const json::value* have = labels ? labels->if_contains(kv.key()) : nullptr;
      if (!have || *have != kv.value()) {
        v.reason = "node(s) didn't match Pod's node affinity/selector";
        return v;
      }
    }
  }
  if (pods_on_node + 1 > Allocatable(node, "pods", 110 * 1000) / 1000) {
    v.reason = "Too many pods";
    return v;
  }
  const int64_t cpu_alloc = Allocatable(node, "cpu", INT64_MAX / 4);
  const int64_t mem_alloc = Allocatable(node, "memory", INT64_MAX / 4);
  if (cpu_used + Requests(pod, "cpu") > cpu_alloc) {
    v.reason = "Insufficient cpu";
    return v;
  }
  if (mem_used + Requests(pod, "memory") > mem_alloc) {
    v.reason = "Insufficient memory";
    return v;
  }
  v.fits = true;
  // Least allocated: the free share after placing the pod, cpu and memory averaged.
  double cpu_free = 1.0 - static_cast<double>(cpu_used + Requests(pod, "cpu")) / static_cast<double>(cpu_alloc);
  double mem_free = 1.0 - static_cast<double>(mem_used + Requests(pod, "memory")) / static_cast<double>(mem_alloc);
  v.score = (cpu_free + mem_free) / 2 - static_cast<double>(pods_on_node) * 1e-6;
  return v;
}

Status RecordEvent(storage::Store& store, const std::string& cluster, const json::object& pod,
                   std::string_view type, std::string_view reason, const std::string& message) {
  const std::string ns(apiserver::MetaString(pod, "namespace"));
  const std::string name = std::string(apiserver::MetaString(pod, "name")) + "." + workload::RandomSuffix(10);
  const std::string now = apiserver::Rfc3339(std::chrono::system_clock::now());
  json::object event{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", json::object{{"name", name}, {"namespace", ns}}},
      {"involvedObject", json::object{{"apiVersion", "v1"},
                                      {"kind", "Pod"},
                                      {"namespace", ns},
                                      {"name", apiserver::MetaString(pod, "name")},
                                      {"uid", apiserver::MetaString(pod, "uid")}}},
      {"reason", reason},
      {"message", message},
      {"type", type},
      {"source", json::object{{"component", "default-scheduler"}}},
      {"reportingComponent", "default-scheduler"},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
  return CreateObject(store, StoreKey(cluster, BuiltInType("", "events"), ns, name), std::move(event));
}

bool Pending(const std::string& value) {
  return value.find("\"nodeName\"") == std::string::npos &&
         value.find("\"deletionTimestamp\"") == std::string::npos;
}

}  // namespace

void Scheduler::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (!ref.group.empty()) return;
  if (ref.resource == "pods" && change.type == Change::Type::kPut && change.value &&
      Pending(*change.value)) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.resource == "nodes" || (ref.resource == "pods" && change.type == Change::Type::kDelete)) {
    keys.push_back(ref.cluster + "/*");  // room may have appeared
  }
}

Status Scheduler::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t a = key.find('/');
  const std::string cluster = key.substr(0, a), rest = key.substr(a + 1);
  if (rest != "*") {
    const size_t b = rest.find('/');
    return SchedulePod(cluster, rest.substr(0, b), rest.substr(b + 1));
  }
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("", "pods"), "", ""));
  auto pods = store_.List(list);
  if (!pods.ok()) return pods.status();
  for (const auto& kv : pods->kvs) {
    if (!Pending(kv.value)) continue;
    auto ref = ParseObjectKey(kv.key);
    if (ref) CARRIER_RETURN_IF_ERROR(SchedulePod(cluster, ref->namespace_, ref->name));
  }
  return {};
}

Status Scheduler::SchedulePod(const std::string& cluster, const std::string& ns,
                              const std::string& name) {
  const auto& pod_type = BuiltInType("", "pods");
  auto got = GetObject(store_, StoreKey(cluster, pod_type, ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& pod_read = **got;
  json::object& pod = *pod_read.object;
  const json::object* spec = ObjectAt(&pod, "spec");
  if (!StringAt(spec, "nodeName").empty() || !apiserver::MetaString(pod, "deletionTimestamp").empty()) {
    return {};
  }
  const std::string scheduler_name = StringAt(spec, "schedulerName");
  if (!scheduler_name.empty() && scheduler_name != "default-scheduler") return {};

  // Nodes, and what is already bound to each.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("", "nodes"), "", ""));
  auto nodes = store_.List(list);
  if (!nodes.ok()) return nodes.status();
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, pod_type, "", ""));
  auto all_pods = store_.List(list);
  if (!all_pods.ok()) return all_pods.status();
  struct Load {
    int64_t pods = 0, cpu = 0, mem = 0;
  };
  std::map<std::string, Load> load;
  for (const auto& kv : all_pods->kvs) {
    if (kv.value.find("\"nodeName\"") == std::string::npos) continue;
    auto other = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!other.ok() || !workload::PodActive(*other)) continue;
    Load& l = load[StringAt(ObjectAt(&*other, "spec"), "nodeName")];
    ++l.pods;
    l.cpu += Requests(*other, "cpu");
    l.mem += Requests(*other, "memory");
  }
  std::string best;
  double best_score = -1e18;
  std::map<std::string, int> reasons;
  for (const auto& kv : nodes->kvs) {
    auto node = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!node.ok()) continue;
    const std::string node_name(apiserver::MetaString(*node, "name"));
    const Load& l = load[node_name];
    Verdict v = Evaluate(pod, *node, l.pods, l.cpu, l.mem);
    if (!v.fits) {
      ++reasons[v.reason];
      continue;
    }
    if (v.score > best_score) {
      best_score = v.score;
      best = node_name;
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
  if (best.empty()) {
    std::string message = "0/" + std::to_string(nodes->kvs.size()) + " nodes are available";
    bool first = true;
    for (const auto& [reason, count] : reasons) {
      message += (first ? ": " : ", ") + std::to_string(count) + " " + reason;
      first = false;
    }
    message += ".";
    // Written once per distinct reason, so a retry storm writes nothing.
    const json::value* cs = status.if_contains("conditions");
    if (cs && json::serialize(*cs).find(message) != std::string::npos) return {};
    conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "False"},
                                      {"reason", "Unschedulable"}, {"message", message},
                                      {"lastTransitionTime", now}});
    status["conditions"] = std::move(conditions);
    CARRIER_RETURN_IF_ERROR(UpdateObject(store_, pod_read));
    return RecordEvent(store_, cluster, pod, "Warning", "FailedScheduling", message);
  }
  pod["spec"].as_object()["nodeName"] = best;
  conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "True"},
                                    {"lastTransitionTime", now}});
  status["conditions"] = std::move(conditions);
  CARRIER_RETURN_IF_ERROR(UpdateObject(store_, pod_read));
  return RecordEvent(store_, cluster, pod, "Normal", "Scheduled",
                     "Successfully assigned " + ns + "/" + name + " to " + best);
}

}  // namespace carrier::controllers
