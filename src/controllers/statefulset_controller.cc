#include "controllers/statefulset_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "apiserver/object_meta.h"
#include "controllers/controller_revision.h"
#include "controllers/deployment_controller.h"
#include "controllers/event_recorder.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kRevisionLabel = "controller-revision-hash";
constexpr std::string_view kKind = "StatefulSet";

bool Healthy(const json::object& pod) {
  return apiserver::MetaString(pod, "deletionTimestamp").empty() &&
         StringAt(ObjectAt(&pod, "status"), "phase") == "Running" && workload::PodReady(pod);
}

bool Deleting(const json::object& pod) { return !apiserver::MetaString(pod, "deletionTimestamp").empty(); }

bool Finished(const json::object& pod) {
  const std::string phase = StringAt(ObjectAt(&pod, "status"), "phase");
  return phase == "Failed" || phase == "Succeeded";
}

// One reconcile of one StatefulSet.
class Sync {
 public:
  Sync(storage::Store& store, std::string cluster, StoredObject set_read)
      : store_(store), cluster_(std::move(cluster)), read_(std::move(set_read)), set_(*read_.object),
        name_(apiserver::MetaString(set_, "name")), ns_(apiserver::MetaString(set_, "namespace")) {}

  Status Run(std::chrono::milliseconds& requeue_after);

 private:
  const json::object* spec() const { return ObjectAt(&set_, "spec"); }
  std::string ClaimName(const json::object& claim_template, int64_t ordinal) const {
    return std::string(apiserver::MetaString(claim_template, "name")) + "-" + name_ + "-" + std::to_string(ordinal);
  }
  Status Replicas();      // creates and removes pods; sets done_ when nothing waits
  Status RollingUpdate();
  Status CreatePod(int64_t ordinal);
  Status EnsureClaims(int64_t ordinal);
  Status DeletePod(const StoredObject& pod);
  Status WriteStatus(std::chrono::milliseconds& requeue_after);
  std::string RevisionOf(const json::object& pod) const { return LabelOf(pod, kRevisionLabel); }

  storage::Store& store_;
  const std::string cluster_;
  StoredObject read_;
  json::object& set_;
  const std::string name_, ns_;
  int64_t replicas_ = 1;
  bool ordered_ = true;
  std::vector<revisions::Revision> revisions_;
  std::string current_, update_;  // revision names
  std::map<int64_t, StoredObject> pods_;  // by ordinal
  bool done_ = false;  // Replicas() had nothing to wait for
};

Status Sync::Run(std::chrono::milliseconds& requeue_after) {
  if (spec() == nullptr) return {};
  replicas_ = IntAt(spec(), "replicas", 1);
  ordered_ = StringAt(spec(), "podManagementPolicy") != "Parallel";

  auto listed = revisions::List(store_, cluster_, set_, kKind);
  if (!listed.ok()) return listed.status();
  revisions_ = std::move(*listed);
  const json::object* status = ObjectAt(&set_, "status");
  const int64_t collisions = IntAt(status, "collisionCount", 0);
  const json::value tmpl = spec()->contains("template") ? spec()->at("template") : json::value(json::object());
  auto update = revisions::Ensure(store_, cluster_, set_, kKind, tmpl, collisions, revisions_);
  if (!update.ok() && update.status().code() == Code::kAlreadyExists) {
    json::object next = status ? *status : json::object();
    next["collisionCount"] = collisions + 1;
    set_["status"] = std::move(next);
    return UpdateObject(store_, read_);  // its event retries with the new count
  }
  if (!update.ok()) return update.status();
  update_ = update->name;
  current_ = update_;
  for (const auto& r : revisions_) {
    if (r.name == StringAt(status, "currentRevision")) current_ = r.name;
  }

  auto owned = workload::ListControlled(store_, cluster_, BuiltInType("", "pods"), set_, kKind);
  if (!owned.ok()) return owned.status();
  for (StoredObject& pod : *owned) {
    const int64_t ordinal = StatefulPodOrdinal(name_, apiserver::MetaString(*pod.object, "name"));
    if (ordinal >= 0) pods_[ordinal] = std::move(pod);
  }

  CARRIER_RETURN_IF_ERROR(Replicas());
  if (done_ && StringAt(ObjectAt(spec(), "updateStrategy"), "type") != "OnDelete") {
    CARRIER_RETURN_IF_ERROR(RollingUpdate());
  }
  std::set<std::string> live{current_, update_};
  for (const auto& [ordinal, pod] : pods_) live.insert(RevisionOf(*pod.object));
  CARRIER_RETURN_IF_ERROR(revisions::Trim(store_, revisions_, live, IntAt(spec(), "revisionHistoryLimit", 10)));
  return WriteStatus(requeue_after);
}

// Kubernetes' ordering: with OrderedReady every step waits for the pods before it to be
// Running and Ready and nothing else happens in the same pass; Parallel does it all.
Status Sync::Replicas() {
  for (int64_t ordinal = 0; ordinal < replicas_; ++ordinal) {
    auto it = pods_.find(ordinal);
    if (it == pods_.end()) {
      CARRIER_RETURN_IF_ERROR(CreatePod(ordinal));
      if (ordered_) return {};
      continue;
    }
    const json::object& pod = *it->second.object;
    if (Finished(pod) && !Deleting(pod)) {  // replaced by a new pod of the same name
      CARRIER_RETURN_IF_ERROR(DeletePod(it->second));
      if (ordered_) return {};
      continue;
    }
    if (ordered_ && !Healthy(pod)) return {};
  }
  // Condemned pods (ordinals beyond replicas), highest first.
  for (auto it = pods_.rbegin(); it != pods_.rend() && it->first >= replicas_; ++it) {
    if (Deleting(*it->second.object)) {
      if (ordered_) return {};
      continue;
    }
    if (ordered_) {
      for (const auto& [ordinal, pod] : pods_) {
        if (ordinal < it->first && !Healthy(*pod.object)) return {};
      }
    }
    CARRIER_RETURN_IF_ERROR(DeletePod(it->second));
    if (ordered_) return {};
  }
  done_ = true;
  return {};
}

// From the highest ordinal down to the partition: a pod of another revision is deleted (and
// recreated from the update revision next pass) while fewer than maxUnavailable are
// unavailable.
Status Sync::RollingUpdate() {
  const json::object* rolling = ObjectAt(ObjectAt(spec(), "updateStrategy"), "rollingUpdate");
  const int64_t partition = IntAt(rolling, "partition", 0);
  const json::value* max_value = rolling ? rolling->if_contains("maxUnavailable") : nullptr;
  const int64_t max_unavailable =
      std::max<int64_t>(1, max_value ? ScaledValue(max_value, replicas_, true, 0) : 1);
  int64_t unavailable = 0;
  for (int64_t ordinal = 0; ordinal < replicas_; ++ordinal) {
    auto it = pods_.find(ordinal);
    if (it == pods_.end() || !Healthy(*it->second.object)) ++unavailable;
  }
  for (int64_t ordinal = replicas_ - 1; ordinal >= partition && unavailable < max_unavailable; --ordinal) {
    auto it = pods_.find(ordinal);
    if (it == pods_.end() || Deleting(*it->second.object) || RevisionOf(*it->second.object) == update_) continue;
    CARRIER_RETURN_IF_ERROR(DeletePod(it->second));
    ++unavailable;
  }
  return {};
}

Status Sync::EnsureClaims(int64_t ordinal) {
  const json::array* claims = ArrayAt(spec(), "volumeClaimTemplates");
  if (claims == nullptr) return {};
  const auto& pvc_type = BuiltInType("", "persistentvolumeclaims");
  for (const auto& c : *claims) {
    const json::object* claim = c.if_object();
    if (claim == nullptr) continue;
    const std::string claim_name = ClaimName(*claim, ordinal);
    const std::string key = StoreKey(cluster_, pvc_type, ns_, claim_name);
    auto existing = GetObject(store_, key);
    if (!existing.ok()) return existing.status();
    if (*existing) continue;
    json::object meta;
    if (const json::object* m = ObjectAt(claim, "metadata")) meta = *m;
    json::object labels;
    if (const json::object* l = ObjectAt(&meta, "labels")) labels = *l;
    // As Kubernetes: the claim also carries the set's selector labels.
    if (const json::object* match = ObjectAt(ObjectAt(spec(), "selector"), "matchLabels")) {
      for (const auto& kv : *match) labels[kv.key()] = kv.value();
    }
    meta["labels"] = std::move(labels);
    meta["name"] = claim_name;
    meta["namespace"] = ns_;
    json::object pvc{{"apiVersion", "v1"},
                     {"kind", "PersistentVolumeClaim"},
                     {"metadata", std::move(meta)},
                     {"spec", claim->contains("spec") ? claim->at("spec") : json::value(json::object())},
                     {"status", json::object{{"phase", "Pending"}}}};
    Status st = CreateObject(store_, key, std::move(pvc));
    if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
    const std::string pod_name = name_ + "-" + std::to_string(ordinal);
    CARRIER_RETURN_IF_ERROR(RecordEvent(
        store_, cluster_, set_, "Normal", "SuccessfulCreate",
        "create Claim " + claim_name + " Pod " + pod_name + " in StatefulSet " + name_ + " success",
        EventSource{"statefulset-controller", ""}));
  }
  return {};
}

Status Sync::CreatePod(int64_t ordinal) {
  CARRIER_RETURN_IF_ERROR(EnsureClaims(ordinal));
  // Below the partition of a rolling update pods stay at the current revision.
  const json::object* strategy = ObjectAt(spec(), "updateStrategy");
  const bool rolling = StringAt(strategy, "type") != "OnDelete";
  const std::string& revision =
      rolling && ordinal < IntAt(ObjectAt(strategy, "rollingUpdate"), "partition", 0) ? current_ : update_;
  json::value tmpl(json::object{});
  for (const auto& r : revisions_) {
    if (r.name == revision) tmpl = revisions::TemplateOf(r);
  }
  const std::string pod_name = name_ + "-" + std::to_string(ordinal);
  json::object meta;
  if (const json::object* m = ObjectAt(tmpl.if_object(), "metadata")) meta = *m;
  json::object labels;
  if (const json::object* l = ObjectAt(&meta, "labels")) labels = *l;
  labels[kRevisionLabel] = revision;
  labels["statefulset.kubernetes.io/pod-name"] = pod_name;
  labels["apps.kubernetes.io/pod-index"] = std::to_string(ordinal);
  meta["labels"] = std::move(labels);
  meta["name"] = pod_name;
  meta["namespace"] = ns_;
  meta["ownerReferences"] = json::array{workload::ControllerRef(set_, "apps/v1", kKind)};
  json::object pod_spec;
  if (const json::object* s = ObjectAt(tmpl.if_object(), "spec")) pod_spec = *s;
  pod_spec["hostname"] = pod_name;
  if (const std::string service = StringAt(spec(), "serviceName"); !service.empty()) pod_spec["subdomain"] = service;
  if (const json::array* claims = ArrayAt(spec(), "volumeClaimTemplates")) {
    json::array volumes;
    if (const json::array* v = ArrayAt(&pod_spec, "volumes")) volumes = *v;
    for (const auto& c : *claims) {
      const json::object* claim = c.if_object();
      if (claim == nullptr) continue;
      const std::string volume(apiserver::MetaString(*claim, "name"));
      volumes.erase(std::remove_if(volumes.begin(), volumes.end(),
                                   [&](const json::value& v) { return StringAt(v.if_object(), "name") == volume; }),
                    volumes.end());
      volumes.push_back(json::object{{"name", volume},
                                     {"persistentVolumeClaim", json::object{{"claimName", ClaimName(*claim, ordinal)}}}});
    }
    pod_spec["volumes"] = std::move(volumes);
  }
  json::object pod{{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", std::move(meta)},
                   {"spec", std::move(pod_spec)},
                   {"status", json::object{{"phase", "Pending"}}}};
  Status st = CreateObject(store_, StoreKey(cluster_, BuiltInType("", "pods"), ns_, pod_name), std::move(pod));
  if (st.code() == Code::kAlreadyExists) return {};  // not ours (yet): its event requeues us
  CARRIER_RETURN_IF_ERROR(st);
  return RecordEvent(store_, cluster_, set_, "Normal", "SuccessfulCreate",
                     "create Pod " + pod_name + " in StatefulSet " + name_ + " successful",
                     EventSource{"statefulset-controller", ""});
}

Status Sync::DeletePod(const StoredObject& pod) {
  CARRIER_RETURN_IF_ERROR(DeleteObject(store_, pod));
  const std::string pod_name(apiserver::MetaString(*pod.object, "name"));
  return RecordEvent(store_, cluster_, set_, "Normal", "SuccessfulDelete",
                     "delete Pod " + pod_name + " in StatefulSet " + name_ + " successful",
                     EventSource{"statefulset-controller", ""});
}

// Status of the pods listed at the start of the pass (the creates and deletes above requeue
// the set through their own events).
Status Sync::WriteStatus(std::chrono::milliseconds& requeue_after) {
  const int64_t min_ready = IntAt(spec(), "minReadySeconds", 0);
  int64_t count = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const auto& [ordinal, stored] : pods_) {
    const json::object& pod = *stored.object;
    if (Deleting(pod)) continue;
    ++count;
    if (Healthy(pod)) ++ready;
    if (Healthy(pod) && workload::PodAvailable(pod, min_ready, requeue_after)) ++available;
    if (RevisionOf(pod) == current_) ++current;
    if (RevisionOf(pod) == update_) ++updated;
  }
  std::string current_revision = current_;
  // A finished rolling update makes the update revision current.
  if (StringAt(ObjectAt(spec(), "updateStrategy"), "type") != "OnDelete" && updated == count && ready == count &&
      count == replicas_) {
    current_revision = update_;
    current = updated;
  }
  const json::object* old = ObjectAt(&set_, "status");
  json::object status{{"observedGeneration", IntAt(ObjectAt(&set_, "metadata"), "generation", 1)},
                      {"replicas", count},
                      {"readyReplicas", ready},
                      {"currentReplicas", current},
                      {"updatedReplicas", updated},
                      {"availableReplicas", available},
                      {"currentRevision", current_revision},
                      {"updateRevision", update_},
                      {"collisionCount", IntAt(old, "collisionCount", 0)}};
  if (old && json::value(*old) == json::value(status)) return {};
  set_["status"] = std::move(status);
  Status st = UpdateObject(store_, read_);
  return st.code() == Code::kConflict ? Status(Code::kConflict, "statefulset changed; retry") : st;
}

}  // namespace

int64_t StatefulPodOrdinal(std::string_view set_name, std::string_view pod_name) {
  if (pod_name.size() <= set_name.size() + 1 || pod_name.substr(0, set_name.size()) != set_name ||
      pod_name[set_name.size()] != '-') {
    return -1;
  }
  std::string_view digits = pod_name.substr(set_name.size() + 1);
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return -1;
  int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

void StatefulSetController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group == "apps" && ref.resource == "statefulsets" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.group.empty() && ref.resource == "pods") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == kKind) keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
  }
}

Status StatefulSetController::Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a), ns = key.substr(a + 1, b - a - 1), name = key.substr(b + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("apps", "statefulsets"), ns, name));
  if (!got.ok()) return got.status();
  if (!*got || !apiserver::MetaString(*(*got)->object, "deletionTimestamp").empty()) return {};
  Sync sync(store_, cluster, std::move(**got));
  return sync.Run(requeue_after);
}

}  // namespace carrier::controllers
