#include "controllers/deployment_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kRevision = "deployment.kubernetes.io/revision";
constexpr std::string_view kHashLabel = "pod-template-hash";

int64_t RevisionOf(const json::object& rs) {
  std::string r = AnnotationOf(rs, kRevision);
  int64_t n = 0;
  for (char c : r) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

json::object Condition(std::string_view type, std::string_view status, std::string_view reason,
                       std::string message, const json::array* previous) {
  std::string now = apiserver::Rfc3339(std::chrono::system_clock::now());
  std::string transition = now;
  if (previous) {
    for (const auto& c : *previous) {
      const json::object* o = c.if_object();
      if (o && o->contains("type") && o->at("type") == json::value(type) && o->contains("status") &&
          o->at("status") == json::value(status) && o->contains("lastTransitionTime")) {
        transition = std::string(o->at("lastTransitionTime").as_string());
      }
    }
  }
  return {{"type", type},           {"status", status},
          {"reason", reason},       {"message", std::move(message)},
          {"lastUpdateTime", transition}, {"lastTransitionTime", transition}};
}

struct Rs {
  StoredObject read;
  json::object& obj() { return *read.object; }
  int64_t spec_replicas() { return IntAt(ObjectAt(&obj(), "spec"), "replicas", 1); }
  int64_t status(std::string_view f) { return IntAt(ObjectAt(&obj(), "status"), f, 0); }
};

}  // namespace

std::string PodTemplateHash(const json::value& pod_template) {
  const std::string text = json::serialize(pod_template);
  uint32_t h = 2166136261u;
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string digits = std::to_string(h), out;
  for (char d : digits) out += kAlphabet[static_cast<unsigned char>(d) % kAlphabet.size()];
  return out;
}

int64_t ScaledValue(const json::value* v, int64_t total, bool round_up, int64_t fallback_percent) {
  if (v && v->is_int64()) return v->get_int64();
  double percent = static_cast<double>(fallback_percent);
  if (v && v->is_string()) {
    std::string s(v->get_string());
    if (!s.empty() && s.back() == '%') {
      percent = std::atof(s.substr(0, s.size() - 1).c_str());
    } else {
      return std::atoll(s.c_str());
    }
  }
  double scaled = percent * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

void DeploymentController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group != "apps") return;
  if (ref.resource == "deployments" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.resource == "replicasets") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == "Deployment") {
      keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
    }
  }
}

Status DeploymentController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a), ns = key.substr(a + 1, b - a - 1),
                    name = key.substr(b + 1);
  const auto& deploy_type = BuiltInType("apps", "deployments");
  const auto& rs_type = BuiltInType("apps", "replicasets");
  auto got = GetObject(store_, StoreKey(cluster, deploy_type, ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& d_read = **got;
  json::object& d = *d_read.object;
  if (!apiserver::MetaString(d, "deletionTimestamp").empty()) return {};
  const std::string uid(apiserver::MetaString(d, "uid"));
  const json::object* spec = ObjectAt(&d, "spec");
  if (spec == nullptr) return {};
  const int64_t desired = IntAt(spec, "replicas", 1);
  const json::value tmpl = spec->contains("template") ? spec->at("template") : json::value(json::object());
  const std::string hash = PodTemplateHash(tmpl);

  // The ReplicaSets this Deployment controls, oldest revision first.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, rs_type, ns, ""));
  auto listed = store_.List(list);
  if (!listed.ok()) return listed.status();
  std::vector<Rs> all;
  for (const auto& kv : listed->kvs) {
    auto owner = workload::ControllerOf(kv.value);
    if (!owner || owner->first != "Deployment" || owner->second != name) continue;
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok() || !apiserver::MetaString(*decoded, "deletionTimestamp").empty()) continue;
    bool owned = false;
    for (const auto& r : decoded->at("metadata").as_object().at("ownerReferences").as_array()) {
      if (r.as_object().contains("uid") && r.as_object().at("uid") == json::value(uid)) owned = true;
    }
    if (!owned) continue;
    Rs rs;
    rs.read.key = kv.key;
    rs.read.revision = kv.mod_revision;
    rs.read.holder = std::make_shared<json::object>(std::move(*decoded));
    rs.read.object = rs.read.holder.get();
    all.push_back(std::move(rs));
  }
  std::sort(all.begin(), all.end(), [](Rs& x, Rs& y) { return RevisionOf(x.obj()) < RevisionOf(y.obj()); });
  int64_t max_revision = 0;
  Rs* new_rs = nullptr;
  for (auto& rs : all) {
    max_revision = std::max(max_revision, RevisionOf(rs.obj()));
    if (LabelOf(rs.obj(), kHashLabel) == hash) new_rs = &rs;
  }
  std::vector<Rs*> old;
  for (auto& rs : all) {
    if (&rs != new_rs) old.push_back(&rs);
  }
  const bool paused = spec->contains("paused") && spec->at("paused").is_bool() && spec->at("paused").get_bool();
  const json::object* strategy = ObjectAt(spec, "strategy");
  const bool recreate = strategy && strategy->contains("type") && strategy->at("type") == "Recreate";
  const json::object* rolling = strategy ? ObjectAt(strategy, "rollingUpdate") : nullptr;
  const int64_t max_surge = recreate ? 0 : ScaledValue(rolling ? rolling->if_contains("maxSurge") : nullptr, desired, true, 25);
  int64_t max_unavailable = recreate ? desired : ScaledValue(rolling ? rolling->if_contains("maxUnavailable") : nullptr, desired, false, 25);
  if (max_surge == 0 && max_unavailable == 0) max_unavailable = 1;

  int64_t old_pods = 0, old_spec = 0;
  for (Rs* rs : old) {
    old_pods += rs->status("replicas");
    old_spec += rs->spec_replicas();
  }

  if (!paused) {
    // A ReplicaSet for the current template.
    if (new_rs == nullptr) {
      int64_t replicas = desired;
      if (!old.empty() && (old_spec > 0 || old_pods > 0)) {
        replicas = recreate ? 0 : std::min(desired, std::max<int64_t>(0, desired + max_surge - old_spec));
      }
      json::object labels;
      const json::object* tmeta = tmpl.is_object() ? ObjectAt(&tmpl.get_object(), "metadata") : nullptr;
      if (tmeta && ObjectAt(tmeta, "labels")) labels = *ObjectAt(tmeta, "labels");
      labels[kHashLabel] = hash;
      json::value rs_template = tmpl;
      json::value& tm = rs_template.as_object()["metadata"];
      if (!tm.is_object()) tm = json::object();
      tm.get_object()["labels"] = labels;
      json::object selector;
      if (const json::object* sel = ObjectAt(spec, "selector")) selector = *sel;
      json::value& match = selector["matchLabels"];
      if (!match.is_object()) match = json::object();
      match.get_object()[kHashLabel] = hash;
      const std::string rs_name = name + "-" + hash;
      json::object rs{
          {"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", json::object{{"name", rs_name},
                                    {"namespace", ns},
                                    {"labels", labels},
                                    {"annotations", json::object{{kRevision, std::to_string(max_revision + 1)},
                                                                 {"deployment.kubernetes.io/desired-replicas", std::to_string(desired)},
                                                                 {"deployment.kubernetes.io/max-replicas", std::to_string(desired + max_surge)}}},
                                    {"ownerReferences", json::array{workload::ControllerRef(d, "apps/v1", "Deployment")}},
                                    {"generation", 1}}},
          {"spec", json::object{{"replicas", replicas},
                                {"minReadySeconds", IntAt(spec, "minReadySeconds", 0)},
                                {"selector", selector},
                                {"template", rs_template}}}};
      Status st = CreateObject(store_, StoreKey(cluster, rs_type, ns, rs_name), std::move(rs));
      return st.code() == Code::kAlreadyExists ? Status() : st;  // its event requeues us
    }
    // A template rolled back to becomes the newest revision.
    if (RevisionOf(new_rs->obj()) < max_revision) {
      SetAnnotation(new_rs->obj(), kRevision, std::to_string(max_revision + 1));
      return UpdateObject(store_, new_rs->read);
    }
    // Scale.
    auto scale = [&](Rs& rs, int64_t replicas) -> Status {
      if (rs.spec_replicas() == replicas) return {};
      rs.obj()["spec"].as_object()["replicas"] = replicas;
      SetAnnotation(rs.obj(), "deployment.kubernetes.io/desired-replicas", std::to_string(desired));
      return UpdateObject(store_, rs.read);
    };
    if (recreate) {
      if (old_spec > 0) {
        for (Rs* rs : old) CARRIER_RETURN_IF_ERROR(scale(*rs, 0));
        return {};
      }
      if (old_pods == 0) CARRIER_RETURN_IF_ERROR(scale(*new_rs, desired));
    } else if (old.empty() || old_spec == 0) {
      CARRIER_RETURN_IF_ERROR(scale(*new_rs, desired));
    } else {
      const int64_t total = old_spec + new_rs->spec_replicas();
      if (new_rs->spec_replicas() < desired && total < desired + max_surge) {
        CARRIER_RETURN_IF_ERROR(scale(*new_rs, std::min(desired, new_rs->spec_replicas() + desired + max_surge - total)));
      } else if (new_rs->spec_replicas() > desired) {
        CARRIER_RETURN_IF_ERROR(scale(*new_rs, desired));
      }
      const int64_t min_available = desired - max_unavailable;
      const int64_t new_unavailable = new_rs->spec_replicas() - new_rs->status("availableReplicas");
      int64_t can_scale_down = total - min_available - std::max<int64_t>(0, new_unavailable);
      // Old pods that are not available can always go.
      for (Rs* rs : old) {
        int64_t unavailable = rs->spec_replicas() - rs->status("availableReplicas");
        if (unavailable > 0 && rs->spec_replicas() > 0) {
          int64_t cut = std::min(unavailable, rs->spec_replicas());
          CARRIER_RETURN_IF_ERROR(scale(*rs, rs->spec_replicas() - cut));
          can_scale_down -= cut;
        }
      }
      for (Rs* rs : old) {
        if (can_scale_down <= 0) break;
        int64_t cut = std::min(can_scale_down, rs->spec_replicas());
        if (cut > 0) {
          CARRIER_RETURN_IF_ERROR(scale(*rs, rs->spec_replicas() - cut));
          can_scale_down -= cut;
        }
      }
    }
    // Revision history: old, empty ReplicaSets beyond revisionHistoryLimit go, oldest first.
    const int64_t limit = IntAt(spec, "revisionHistoryLimit", 10);
    std::vector<Rs*> empty_old;
    for (Rs* rs : old) {
      if (rs->spec_replicas() == 0 && rs->status("replicas") == 0) empty_old.push_back(rs);
    }
    for (size_t i = 0; static_cast<int64_t>(empty_old.size() - i) > limit; ++i) {
      CARRIER_RETURN_IF_ERROR(DeleteObject(store_, empty_old[i]->read));
    }
  }

  // Status.
  int64_t replicas = 0, ready = 0, available = 0, spec_total = 0;
  for (auto& rs : all) {
    replicas += rs.status("replicas");
    ready += rs.status("readyReplicas");
    available += rs.status("availableReplicas");
    spec_total += rs.spec_replicas();
  }
  const int64_t updated = new_rs ? new_rs->status("replicas") : 0;
  const json::object* old_status = ObjectAt(&d, "status");
  const json::array* old_conditions = nullptr;
  if (old_status && old_status->contains("conditions") && old_status->at("conditions").is_array()) {
    old_conditions = &old_status->at("conditions").as_array();
  }
  const std::string rs_name = new_rs ? std::string(apiserver::MetaString(new_rs->obj(), "name")) : "";
  const bool complete = updated == desired && replicas == desired && available == desired &&
                        (new_rs == nullptr || new_rs->status("availableReplicas") == desired);
  json::array conditions{
      available >= desired - max_unavailable
          ? Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", old_conditions)
          : Condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", old_conditions),
      paused ? Condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", old_conditions)
      : complete ? Condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"" + rs_name + "\" has successfully progressed.", old_conditions)
                 : Condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + rs_name + "\" is progressing.", old_conditions)};
  json::object status{{"observedGeneration", IntAt(ObjectAt(&d, "metadata"), "generation", 1)},
                      {"replicas", replicas},
                      {"updatedReplicas", updated},
                      {"readyReplicas", ready},
                      {"availableReplicas", available},
                      {"unavailableReplicas", std::max<int64_t>(0, spec_total - available)},
                      {"conditions", std::move(conditions)}};
  bool changed = !old_status || json::value(*old_status) != json::value(status);
  if (new_rs && AnnotationOf(d, kRevision) != AnnotationOf(new_rs->obj(), kRevision)) {
    SetAnnotation(d, kRevision, AnnotationOf(new_rs->obj(), kRevision));
    changed = true;
  }
  if (!changed) return {};
  d["status"] = std::move(status);
  Status st = UpdateObject(store_, d_read);
  return st.code() == Code::kConflict ? Status(Code::kConflict, "deployment changed; retry") : st;
}

}  // namespace carrier::controllers
