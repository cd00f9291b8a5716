#include "controllers/daemonset_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/controller_revision.h"
#include "controllers/deployment_controller.h"
#include "controllers/event_recorder.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/scheduler_filters.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kKind = "DaemonSet";
constexpr std::string_view kRevisionLabel = "controller-revision-hash";

// The tolerations Kubernetes adds to every daemon pod.
const json::array& AutomaticTolerations() {
  static const json::array tolerations = [] {
    json::array out;
    for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      out.push_back(json::object{{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}});
    }
    for (const char* key : {"node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
                            "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"}) {
      out.push_back(json::object{{"key", key}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
    }
    return out;
  }();
  return tolerations;
}

bool Deleting(const json::object& pod) { return !apiserver::MetaString(pod, "deletionTimestamp").empty(); }

// What node labels and spec say; status changes (heartbeats, conditions) do not move daemons.
std::string SchedulingFacts(const std::string& value) {
  auto v = api::DecodeJson(value);
  if (!v.ok() || !v->is_object()) return "";
  const json::object& node = v->get_object();
  json::object facts;
  if (const json::object* labels = ObjectAt(ObjectAt(&node, "metadata"), "labels")) facts["labels"] = *labels;
  if (const json::object* spec = ObjectAt(&node, "spec")) facts["spec"] = *spec;
  return json::serialize(facts);
}

struct NodePods {
  std::vector<StoredObject*> updated, old;  // active pods, oldest first
};

class Sync {
 public:
  Sync(storage::Store& store, std::string cluster, StoredObject read)
      : store_(store), cluster_(std::move(cluster)), read_(std::move(read)), ds_(*read_.object),
        name_(apiserver::MetaString(ds_, "name")), ns_(apiserver::MetaString(ds_, "namespace")) {}
  Status Run(std::chrono::milliseconds& requeue_after);

 private:
  const json::object* spec() const { return ObjectAt(&ds_, "spec"); }
  Status CreatePod(const std::string& node);
  Status DeletePod(const StoredObject& pod);
  bool Available(const StoredObject* pod, std::chrono::milliseconds& requeue_after) const {
    return pod && workload::PodAvailable(*pod->object, IntAt(spec(), "minReadySeconds", 0), requeue_after);
  }
  Status RollingUpdate(std::chrono::milliseconds& requeue_after);

  storage::Store& store_;
  const std::string cluster_;
  StoredObject read_;
  json::object& ds_;
  const std::string name_, ns_;
  json::object template_spec_;
  std::string hash_;  // of the update revision
  std::vector<StoredObject> pods_;
  std::map<std::string, NodePods> by_node_;  // nodes the set should run on
  std::set<std::string> deleted_;            // pod names deleted in this pass
};

Status Sync::Run(std::chrono::milliseconds& requeue_after) {
  if (spec() == nullptr) return {};
  const json::value tmpl = spec()->contains("template") ? spec()->at("template") : json::value(json::object());
  if (const json::object* s = ObjectAt(tmpl.if_object(), "spec")) template_spec_ = *s;

  auto listed = revisions::List(store_, cluster_, ds_, kKind);
  if (!listed.ok()) return listed.status();
  std::vector<revisions::Revision> revs = std::move(*listed);
  const json::object* status = ObjectAt(&ds_, "status");
  const int64_t collisions = IntAt(status, "collisionCount", 0);
  auto update = revisions::Ensure(store_, cluster_, ds_, kKind, tmpl, collisions, revs);
  if (!update.ok() && update.status().code() == Code::kAlreadyExists) {
    json::object next = status ? *status : json::object();
    next["collisionCount"] = collisions + 1;
    ds_["status"] = std::move(next);
    return UpdateObject(store_, read_);
  }
  if (!update.ok()) return update.status();
  hash_ = update->name.substr(name_.size() + 1);

  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster_, BuiltInType("", "nodes"), "", ""));
  auto nodes = store_.List(list);
  if (!nodes.ok()) return nodes.status();
  auto owned = workload::ListControlled(store_, cluster_, BuiltInType("", "pods"), ds_, kKind);
  if (!owned.ok()) return owned.status();
  pods_ = std::move(*owned);
  std::sort(pods_.begin(), pods_.end(), [](const StoredObject& a, const StoredObject& b) {
    return apiserver::MetaString(*a.object, "creationTimestamp") < apiserver::MetaString(*b.object, "creationTimestamp");
  });
  std::map<std::string, std::vector<StoredObject*>> pods_by_node;
  for (StoredObject& pod : pods_) {
    if (!Deleting(*pod.object)) pods_by_node[daemon::TargetNode(*pod.object)].push_back(&pod);
  }

  // Pods follow the nodes: created where missing, removed where they may not stay.
  int64_t desired = 0, scheduled = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  std::set<std::string> known;
  for (const auto& kv : nodes->kvs) {
    auto node = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!node.ok()) continue;
    const std::string node_name(apiserver::MetaString(*node, "name"));
    known.insert(node_name);
    const daemon::Eligibility e = daemon::OnNode(template_spec_, *node);
    std::vector<StoredObject*>& here = pods_by_node[node_name];
    if (!e.should_run) {
      if (!here.empty()) ++misscheduled;
      if (!e.should_continue) {
        for (StoredObject* pod : here) CARRIER_RETURN_IF_ERROR(DeletePod(*pod));
      }
      continue;
    }
    ++desired;
    NodePods& np = by_node_[node_name];
    for (StoredObject* pod : here) {
      const std::string phase = StringAt(ObjectAt(pod->object, "status"), "phase");
      if (phase == "Failed" || phase == "Succeeded") {  // replaced next pass
        CARRIER_RETURN_IF_ERROR(DeletePod(*pod));
        continue;
      }
      (LabelOf(*pod->object, kRevisionLabel) == hash_ ? np.updated : np.old).push_back(pod);
    }
    // One pod per node: duplicates of a revision go, newest first kept out.
    while (np.updated.size() > 1) {
      CARRIER_RETURN_IF_ERROR(DeletePod(*np.updated.back()));
      np.updated.pop_back();
    }
    while (np.old.size() > 1) {
      CARRIER_RETURN_IF_ERROR(DeletePod(*np.old.back()));
      np.old.pop_back();
    }
    if (np.updated.empty() && np.old.empty()) {
      CARRIER_RETURN_IF_ERROR(CreatePod(node_name));
      continue;
    }
    ++scheduled;
    const StoredObject* shown = np.updated.empty() ? np.old.front() : np.updated.front();
    if (workload::PodReady(*shown->object)) ++ready;
    if (Available(shown, requeue_after)) ++available;
    if (!np.updated.empty()) ++updated;
  }
  for (const auto& [node_name, here] : pods_by_node) {
    if (known.count(node_name)) continue;
    for (StoredObject* pod : here) CARRIER_RETURN_IF_ERROR(DeletePod(*pod));  // its node is gone
  }
  if (StringAt(ObjectAt(spec(), "updateStrategy"), "type") != "OnDelete") {
    CARRIER_RETURN_IF_ERROR(RollingUpdate(requeue_after));
  }

  std::set<std::string> live{update->name};
  for (const StoredObject& pod : pods_) live.insert(name_ + "-" + LabelOf(*pod.object, kRevisionLabel));
  CARRIER_RETURN_IF_ERROR(revisions::Trim(store_, revs, live, IntAt(spec(), "revisionHistoryLimit", 10)));

  json::object next{{"observedGeneration", IntAt(ObjectAt(&ds_, "metadata"), "generation", 1)},
                    {"desiredNumberScheduled", desired},
                    {"currentNumberScheduled", scheduled},
                    {"numberMisscheduled", misscheduled},
                    {"numberReady", ready},
                    {"numberAvailable", available},
                    {"updatedNumberScheduled", updated}};
  if (desired > available) next["numberUnavailable"] = desired - available;
  if (collisions > 0) next["collisionCount"] = collisions;
  if (status && json::value(*status) == json::value(next)) return {};
  ds_["status"] = std::move(next);
  Status st = UpdateObject(store_, read_);
  return st.code() == Code::kConflict ? Status(Code::kConflict, "daemonset changed; retry") : st;
}

// Kubernetes' rolling update: old pods that are not available are replaced at once; with
// maxSurge 0 available old pods are deleted while fewer than maxUnavailable nodes lack an
// available pod; with maxSurge the new pod starts beside the old one, which goes once the new
// one is available.
Status Sync::RollingUpdate(std::chrono::milliseconds& requeue_after) {
  const json::object* rolling = ObjectAt(ObjectAt(spec(), "updateStrategy"), "rollingUpdate");
  const int64_t desired = static_cast<int64_t>(by_node_.size());
  const json::value* surge_value = rolling ? rolling->if_contains("maxSurge") : nullptr;
  const json::value* unavailable_value = rolling ? rolling->if_contains("maxUnavailable") : nullptr;
  const int64_t max_surge = surge_value ? ScaledValue(surge_value, desired, true, 0) : 0;
  int64_t max_unavailable = unavailable_value ? ScaledValue(unavailable_value, desired, true, 0) : 1;
  if (max_surge == 0 && max_unavailable == 0) max_unavailable = 1;

  int64_t unavailable = 0, surging = 0;
  for (auto& [node, np] : by_node_) {
    const StoredObject* newest = np.updated.empty() ? nullptr : np.updated.front();
    const StoredObject* old = np.old.empty() ? nullptr : np.old.front();
    if (!Available(newest, requeue_after) && !Available(old, requeue_after)) ++unavailable;
    if (newest && old) ++surging;
  }
  for (auto& [node, np] : by_node_) {
    if (np.old.empty()) continue;
    StoredObject* old = np.old.front();
    StoredObject* newest = np.updated.empty() ? nullptr : np.updated.front();
    if (newest) {  // a surge pod: the old one goes once it is available
      if (Available(newest, requeue_after)) CARRIER_RETURN_IF_ERROR(DeletePod(*old));
      continue;
    }
    if (!Available(old, requeue_after)) {
      CARRIER_RETURN_IF_ERROR(DeletePod(*old));
    } else if (max_surge > 0) {
      if (surging < max_surge) {
        CARRIER_RETURN_IF_ERROR(CreatePod(node));
        ++surging;
      }
    } else if (unavailable < max_unavailable) {
      CARRIER_RETURN_IF_ERROR(DeletePod(*old));
      ++unavailable;
    }
  }
  return {};
}

Status Sync::CreatePod(const std::string& node) {
  const json::object* tmeta = ObjectAt(ObjectAt(spec(), "template"), "metadata");
  json::object meta = tmeta ? *tmeta : json::object();
  json::object labels;
  if (const json::object* l = ObjectAt(&meta, "labels")) labels = *l;
  labels[kRevisionLabel] = hash_;
  labels["pod-template-generation"] = std::to_string(IntAt(ObjectAt(&ds_, "metadata"), "generation", 1));
  meta["labels"] = std::move(labels);
  const std::string pod_name = name_ + "-" + workload::RandomSuffix(5);
  meta["name"] = pod_name;
  meta["generateName"] = name_ + "-";
  meta["namespace"] = ns_;
  meta["ownerReferences"] = json::array{workload::ControllerRef(ds_, "apps/v1", kKind)};
  json::object pod{{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", std::move(meta)},
                   {"spec", daemon::PodSpecFor(template_spec_, node)},
                   {"status", json::object{{"phase", "Pending"}}}};
  Status st = CreateObject(store_, StoreKey(cluster_, BuiltInType("", "pods"), ns_, pod_name), std::move(pod));
  if (st.code() == Code::kAlreadyExists) return Status(Code::kConflict, "pod name taken; retry");
  CARRIER_RETURN_IF_ERROR(st);
  return RecordEvent(store_, cluster_, ds_, "Normal", "SuccessfulCreate", "Created pod: " + pod_name,
                     EventSource{"daemonset-controller", ""});
}

Status Sync::DeletePod(const StoredObject& pod) {
  const std::string pod_name(apiserver::MetaString(*pod.object, "name"));
  if (!deleted_.insert(pod_name).second) return {};
  CARRIER_RETURN_IF_ERROR(DeleteObject(store_, pod));
  return RecordEvent(store_, cluster_, ds_, "Normal", "SuccessfulDelete", "Deleted pod: " + pod_name,
                     EventSource{"daemonset-controller", ""});
}

}  // namespace

namespace daemon {

json::object PodSpecFor(const json::object& template_spec, const std::string& node_name) {
  json::object spec = template_spec;
  json::array tolerations;
  if (const json::array* t = ArrayAt(&spec, "tolerations")) tolerations = *t;
  for (const auto& automatic : AutomaticTolerations()) {
    const json::object& a = automatic.get_object();
    const bool present = std::any_of(tolerations.begin(), tolerations.end(), [&](const json::value& t) {
      return StringAt(t.if_object(), "key") == StringAt(&a, "key") &&
             StringAt(t.if_object(), "effect") == StringAt(&a, "effect");
    });
    if (!present) tolerations.push_back(a);
  }
  spec["tolerations"] = std::move(tolerations);
  // As Kubernetes since 1.12: the node is named in the required node affinity, replacing the
  // template's terms (already checked by the controller), and the scheduler binds the pod.
  json::value& affinity = spec["affinity"];
  if (!affinity.is_object()) affinity = json::object();
  json::value& node_affinity = affinity.get_object()["nodeAffinity"];
  if (!node_affinity.is_object()) node_affinity = json::object();
  node_affinity.get_object()["requiredDuringSchedulingIgnoredDuringExecution"] = json::object{
      {"nodeSelectorTerms",
       json::array{json::object{
           {"matchFields", json::array{json::object{
                               {"key", "metadata.name"}, {"operator", "In"}, {"values", json::array{node_name}}}}}}}}};
  return spec;
}

Eligibility OnNode(const json::object& template_spec, const json::object& node) {
  Eligibility e;
  if (!scheduling::MatchesNodeSelectorAndAffinity(template_spec, node)) return e;
  const std::string node_name(apiserver::MetaString(node, "name"));
  const json::object spec = PodSpecFor(template_spec, node_name);
  const json::array* tolerations = ArrayAt(&spec, "tolerations");
  bool no_schedule = false, no_execute = false;
  if (const json::array* taints = ArrayAt(ObjectAt(&node, "spec"), "taints")) {
    for (const auto& t : *taints) {
      const json::object* taint = t.if_object();
      if (taint == nullptr || workload::TolerationFor(tolerations, *taint)) continue;
      const std::string effect = StringAt(taint, "effect");
      no_schedule = no_schedule || effect == "NoSchedule";
      no_execute = no_execute || effect == "NoExecute";
    }
  }
  e.should_run = !no_schedule && !no_execute;
  e.should_continue = !no_execute;
  return e;
}

std::string TargetNode(const json::object& pod) {
  const json::object* spec = ObjectAt(&pod, "spec");
  if (std::string node = StringAt(spec, "nodeName"); !node.empty()) return node;
  const json::array* terms =
      ArrayAt(ObjectAt(ObjectAt(ObjectAt(spec, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution"),
              "nodeSelectorTerms");
  if (terms == nullptr) return "";
  for (const auto& term : *terms) {
    const json::array* fields = ArrayAt(term.if_object(), "matchFields");
    if (fields == nullptr) continue;
    for (const auto& f : *fields) {
      const json::array* values = ArrayAt(f.if_object(), "values");
      if (StringAt(f.if_object(), "key") == "metadata.name" && StringAt(f.if_object(), "operator") == "In" && values &&
          values->size() == 1 && values->at(0).is_string()) {
        return std::string(values->at(0).get_string());
      }
    }
  }
  return "";
}

}  // namespace daemon

void DaemonSetController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group == "apps" && ref.resource == "daemonsets" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.group.empty() && ref.resource == "pods") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == kKind) keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
  } else if (ref.group.empty() && ref.resource == "nodes") {
    if (change.type == Change::Type::kPut && change.previous_value && change.value &&
        SchedulingFacts(*change.previous_value) == SchedulingFacts(*change.value)) {
      return;
    }
    keys.push_back(ref.cluster + "/*");
  }
}

Status DaemonSetController::Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) {
  const size_t a = key.find('/');
  const std::string cluster = key.substr(0, a), rest = key.substr(a + 1);
  if (rest != "*") {
    const size_t b = rest.find('/');
    return ReconcileSet(cluster, rest.substr(0, b), rest.substr(b + 1), requeue_after);
  }
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("apps", "daemonsets"), "", ""));
  list.keys_only = true;
  auto sets = store_.List(list);
  if (!sets.ok()) return sets.status();
  for (const auto& kv : sets->kvs) {
    auto ref = ParseObjectKey(kv.key);
    if (ref) CARRIER_RETURN_IF_ERROR(ReconcileSet(cluster, ref->namespace_, ref->name, requeue_after));
  }
  return {};
}

Status DaemonSetController::ReconcileSet(const std::string& cluster, const std::string& ns, const std::string& name,
                                         std::chrono::milliseconds& requeue_after) {
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("apps", "daemonsets"), ns, name));
  if (!got.ok()) return got.status();
  if (!*got || !apiserver::MetaString(*(*got)->object, "deletionTimestamp").empty()) return {};
  Sync sync(store_, cluster, std::move(**got));
  return sync.Run(requeue_after);
}

}  // namespace carrier::controllers
