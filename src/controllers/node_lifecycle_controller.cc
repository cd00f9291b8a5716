#include "controllers/node_lifecycle_controller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

constexpr std::string_view kUnreachable = "node.kubernetes.io/unreachable";
constexpr std::string_view kNotReady = "node.kubernetes.io/not-ready";
constexpr std::string_view kUnschedulable = "node.kubernetes.io/unschedulable";
constexpr std::string_view kLeaseNamespace = "kube-node-lease";

// The conditions the controller owns once the kubelet is silent (NetworkUnavailable is not
// the kubelet's to report, so it is left alone, as Kubernetes does).
constexpr std::string_view kKubeletConditions[] = {"Ready", "MemoryPressure", "DiskPressure",
                                                   "PIDPressure"};

json::object& ObjectField(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

// The latest sign of life: the lease's renewTime or the Ready condition's heartbeat.
std::optional<Clock::time_point> LastHeartbeat(const json::object& node, const json::object* lease) {
  std::optional<Clock::time_point> last = TimeAt(ObjectAt(lease, "spec"), "renewTime");
  if (const json::array* conds = ArrayAt(ObjectAt(&node, "status"), "conditions")) {
    for (const auto& c : *conds) {
      if (StringAt(c.if_object(), "type") != "Ready") continue;
      auto beat = TimeAt(c.if_object(), "lastHeartbeatTime");
      if (beat && (!last || *beat > *last)) last = beat;
    }
  }
  return last;
}

// Sets the kubelet's conditions to Unknown; true when something changed.
bool MarkUnknown(json::object& node, const std::string& now) {
  json::value& conds = ObjectField(node, "status")["conditions"];
  if (!conds.is_array()) conds = json::array();
  bool changed = false, has_ready = false;
  for (auto& c : conds.get_array()) {
    json::object* o = c.if_object();
    const std::string type = StringAt(o, "type");
    if (std::find(std::begin(kKubeletConditions), std::end(kKubeletConditions), type) ==
        std::end(kKubeletConditions)) {
      continue;
    }
    has_ready |= type == "Ready";
    if (StringAt(o, "status") == "Unknown") continue;
    (*o)["status"] = "Unknown";
    (*o)["reason"] = "NodeStatusUnknown";
    (*o)["message"] = "Kubelet stopped posting node status.";
    (*o)["lastTransitionTime"] = now;
    changed = true;
  }
  if (!has_ready) {
    conds.get_array().push_back(json::object{
        {"type", "Ready"},
        {"status", "Unknown"},
        {"reason", "NodeStatusNeverUpdated"},
        {"message", "Kubelet never posted node status."},
        {"lastHeartbeatTime", apiserver::MetaString(node, "creationTimestamp")},
        {"lastTransitionTime", now}});
    changed = true;
  }
  return changed;
}

// Makes the controller's taints match the Ready condition and spec.unschedulable, keeping
// every other taint (and the timeAdded of those that stay); true when something changed.
bool SetTaints(json::object& node, const std::string& now) {
  std::vector<std::pair<std::string_view, std::string_view>> wanted;  // key, effect
  const std::optional<std::string> ready = ConditionStatus(node, "Ready");
  if (ready == "Unknown" || ready == "False") {
    const std::string_view key = ready == "Unknown" ? kUnreachable : kNotReady;
    wanted = {{key, "NoSchedule"}, {key, "NoExecute"}};
  }
  json::object& spec = ObjectField(node, "spec");
  if (BoolAt(&spec, "unschedulable")) wanted.emplace_back(kUnschedulable, "NoSchedule");

  json::array taints;
  const json::array* old = ArrayAt(&spec, "taints");
  if (old != nullptr) {
    for (const auto& t : *old) {
      const std::string key = StringAt(t.if_object(), "key");
      if (key != kUnreachable && key != kNotReady && key != kUnschedulable) {
        taints.push_back(t);
        continue;
      }
      const std::string effect = StringAt(t.if_object(), "effect");
      auto it = std::find(wanted.begin(), wanted.end(), std::make_pair(std::string_view(key),
                                                                       std::string_view(effect)));
      if (it == wanted.end()) continue;  // no longer true (or a duplicate)
      taints.push_back(t);
      wanted.erase(it);
    }
  }
  for (const auto& [key, effect] : wanted) {
    json::object taint{{"key", key}, {"effect", effect}};
    if (effect == "NoExecute") taint["timeAdded"] = now;  // only NoExecute taints carry it
    taints.push_back(std::move(taint));
  }
  if (old != nullptr ? *old == taints : taints.empty()) return false;
  if (taints.empty()) {
    spec.erase("taints");
  } else {
    spec["taints"] = std::move(taints);
  }
  return true;
}

// Lowers `next` (0: not set) to the time until `when`, if that is still ahead.
void LookAgainAt(Clock::time_point when, Clock::time_point now, std::chrono::milliseconds& next) {
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(when - now);
  if (wait.count() > 0 && (next.count() == 0 || wait < next)) next = wait;
}

}  // namespace

void NodeLifecycleController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (change.type != Change::Type::kPut || change.value == nullptr) return;
  if (ref.group == "coordination.k8s.io") {
    // A new lease (re)starts the node's clock; renewals are read when the node is looked at.
    if (ref.resource == "leases" && ref.namespace_ == kLeaseNamespace &&
        change.previous_value == nullptr) {
      keys.push_back(ref.cluster + "/" + ref.name);
    }
    return;
  }
  if (!ref.group.empty()) return;
  if (ref.resource == "nodes") {
    keys.push_back(ref.cluster + "/" + ref.name);
  } else if (ref.resource == "pods") {
    // Only a pod that has just been bound (or is offered at a resync) may start an eviction
    // clock on a tainted node; status updates of bound pods are not parsed.
    const std::string* previous = change.previous_value;
    if (change.value->find("\"nodeName\"") == std::string::npos ||
        (previous != nullptr && previous->find("\"nodeName\"") != std::string::npos)) {
      return;
    }
    auto pod = api::DecodeJson(*change.value);
    if (!pod.ok() || !pod->is_object()) return;
    const std::string node = StringAt(ObjectAt(&pod->get_object(), "spec"), "nodeName");
    if (!node.empty()) keys.push_back(ref.cluster + "/" + node);
  }
}

Status NodeLifecycleController::Reconcile(const std::string& key,
                                          std::chrono::milliseconds& requeue_after) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), name = key.substr(slash + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("", "nodes"), "", name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& read = **got;
  json::object& node = *read.object;
  auto lease = GetObject(store_, StoreKey(cluster, BuiltInType("coordination.k8s.io", "leases"),
                                          kLeaseNamespace, name));
  if (!lease.ok()) return lease.status();

  const Clock::time_point now = Clock::now();
  const std::string now_text = apiserver::Rfc3339(now);
  std::chrono::milliseconds next{0};  // when to look again; 0: only on a change

  // A node that never showed a sign of life is given the grace period from its creation.
  std::optional<Clock::time_point> last = LastHeartbeat(node, *lease ? (*lease)->object : nullptr);
  if (!last) last = TimeAt(ObjectAt(&node, "metadata"), "creationTimestamp");
  const Clock::time_point expires = last.value_or(now) + grace_period_;
  bool changed = false;
  if (expires <= now) {
    changed = MarkUnknown(node, now_text);
    if (changed) spdlog::info("node-lifecycle: {}: node {} stopped posting status", cluster, name);
  } else {
    LookAgainAt(expires, now, next);
  }
  changed |= SetTaints(node, now_text);
  if (changed) {
    Status st = UpdateObject(store_, read);
    if (st.code() == Code::kConflict) return {};  // the newer version queues the node again
    CARRIER_RETURN_IF_ERROR(st);
  }
  CARRIER_RETURN_IF_ERROR(EvictPods(cluster, node, next));
  requeue_after = next;
  return {};
}

Status NodeLifecycleController::EvictPods(const std::string& cluster, const json::object& node,
                                          std::chrono::milliseconds& next) {
  std::vector<const json::object*> no_execute;
  if (const json::array* taints = ArrayAt(ObjectAt(&node, "spec"), "taints")) {
    for (const auto& t : *taints) {
      if (StringAt(t.if_object(), "effect") == "NoExecute") no_execute.push_back(t.if_object());
    }
  }
  if (no_execute.empty()) return {};

  const std::string name(apiserver::MetaString(node, "name"));
  const Clock::time_point now = Clock::now();
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("", "pods"), "", ""));
  auto pods = store_.List(list);
  if (!pods.ok()) return pods.status();
  const std::string bound = "\"nodeName\":\"" + name + "\"";  // stored JSON is compact
  for (const auto& kv : pods->kvs) {
    if (kv.value.find(bound) == std::string::npos) continue;
    auto pod = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!pod.ok() || StringAt(ObjectAt(&*pod, "spec"), "nodeName") != name ||
        !apiserver::MetaString(*pod, "deletionTimestamp").empty()) {
      continue;
    }
    // The earliest time a taint's toleration runs out; nullopt: tolerated for ever.
    bool untolerated = false;
    std::optional<Clock::time_point> due;
    for (const json::object* taint : no_execute) {
      const json::object* toleration = workload::TolerationFor(ArrayAt(ObjectAt(&*pod, "spec"), "tolerations"), *taint);
      if (toleration == nullptr) {
        untolerated = true;
        break;
      }
      if (!toleration->contains("tolerationSeconds")) continue;
      const int64_t seconds = std::max<int64_t>(0, IntAt(toleration, "tolerationSeconds", 0));
      const Clock::time_point until =
          TimeAt(taint, "timeAdded").value_or(now) + std::chrono::seconds(seconds);
      if (!due || until < *due) due = until;
    }
    if (untolerated || (due && *due <= now)) {
      StoredObject victim;
      victim.key = kv.key;
      victim.revision = kv.mod_revision;
      CARRIER_RETURN_IF_ERROR(DeleteObject(store_, victim));
      spdlog::info("node-lifecycle: {}: evicted pod {}/{} from node {} (NoExecute taint)", cluster,
                   apiserver::MetaString(*pod, "namespace"), apiserver::MetaString(*pod, "name"),
                   name);
    } else if (due) {
      LookAgainAt(*due, now, next);
    }
  }
  return {};
}

}  // namespace carrier::controllers
