#include "controllers/replicaset_controller.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/json_decode.h"
#include "api/label_selector.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

void ReplicaSetController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group == "apps" && ref.resource == "replicasets" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.group.empty() && ref.resource == "pods") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == "ReplicaSet") {
      keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
    }
  }
}

Status ReplicaSetController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a), ns = key.substr(a + 1, b - a - 1),
                    name = key.substr(b + 1);
  const auto& rs_type = BuiltInType("apps", "replicasets");
  const auto& pod_type = BuiltInType("", "pods");
  auto got = GetObject(store_, StoreKey(cluster, rs_type, ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& rs_read = **got;
  json::object& rs = *rs_read.object;
  if (!apiserver::MetaString(rs, "deletionTimestamp").empty()) return {};
  const std::string uid(apiserver::MetaString(rs, "uid"));
  const int64_t desired = IntAt(ObjectAt(&rs, "spec"), "replicas", 1);

  api::LabelSelector selector;
  if (const json::value* spec = rs.if_contains("spec"); spec && spec->is_object()) {
    if (const json::value* sel = spec->get_object().if_contains("selector")) {
      auto parsed = api::LabelSelector::FromJson(*sel);
      if (parsed.ok()) selector = std::move(*parsed);
    }
  }

  // The pods this ReplicaSet controls.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, pod_type, ns, ""));
  auto pods = store_.List(list);
  if (!pods.ok()) return pods.status();
  std::vector<StoredObject> active;
  int64_t labeled = 0, ready = 0;
  for (const auto& kv : pods->kvs) {
    auto owner = workload::ControllerOf(kv.value);
    if (!owner || owner->first != "ReplicaSet" || owner->second != name) continue;
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok()) continue;
    bool owned = false;
    for (const auto& r : decoded->at("metadata").as_object().at("ownerReferences").as_array()) {
      if (r.as_object().contains("uid") && r.as_object().at("uid") == json::value(uid)) owned = true;
    }
    if (!owned || !workload::PodActive(*decoded)) continue;
    StoredObject pod;
    pod.key = kv.key;
    pod.revision = kv.mod_revision;
    pod.holder = std::make_shared<json::object>(std::move(*decoded));
    pod.object = pod.holder.get();
    const json::value* labels = pod.object->at("metadata").as_object().if_contains("labels");
    if (selector.Matches(labels ? *labels : json::value())) ++labeled;
    if (workload::PodReady(*pod.object)) ++ready;
    active.push_back(std::move(pod));
  }

  const int64_t diff = desired - static_cast<int64_t>(active.size());
  if (diff > 0) {
    const json::value* tmpl = rs.at("spec").as_object().if_contains("template");
    for (int64_t i = 0; i < diff; ++i) {
      json::object meta;
      if (tmpl && tmpl->is_object()) {
        if (const json::value* m = tmpl->get_object().if_contains("metadata"); m && m->is_object()) {
          meta = m->get_object();
        }
      }
      const std::string pod_name = name + "-" + workload::RandomSuffix(5);
      meta["name"] = pod_name;
      meta["namespace"] = ns;
      meta["generateName"] = name + "-";
      meta["ownerReferences"] = json::array{workload::ControllerRef(rs, "apps/v1", "ReplicaSet")};
      json::object pod{{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", std::move(meta)},
                       {"spec", tmpl && tmpl->is_object() && tmpl->get_object().contains("spec")
                                    ? tmpl->get_object().at("spec")
                                    : json::value(json::object())},
                       {"status", json::object{{"phase", "Pending"}}}};
      Status st = CreateObject(store_, StoreKey(cluster, pod_type, ns, pod_name), std::move(pod));
      if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
    }
  } else if (diff < 0) {
    std::stable_sort(active.begin(), active.end(), [](const StoredObject& x, const StoredObject& y) {
      return workload::DeletionRank(*x.object) < workload::DeletionRank(*y.object);
    });
    for (int64_t i = 0; i < -diff; ++i) {
      Status st = DeleteObject(store_, active[static_cast<size_t>(i)]);
      if (!st.ok() && st.code() != Code::kConflict) return st;
    }
  }

  // Status (the pods seen now; the creates and deletes above requeue it), written on change.
  json::object status{{"replicas", static_cast<int64_t>(active.size())},
                      {"fullyLabeledReplicas", labeled},
                      {"readyReplicas", ready},
                      {"availableReplicas", ready},
                      {"observedGeneration", rs.at("metadata").as_object().contains("generation")
                                                 ? rs.at("metadata").at("generation")
                                                 : json::value(1)}};
  const json::value* old = rs.if_contains("status");
  if (old && *old == json::value(status)) return {};
  rs["status"] = std::move(status);
  Status st = UpdateObject(store_, rs_read);
  return st.code() == Code::kConflict ? Status() : st;  // a newer version requeues itself
}

}  // namespace carrier::controllers
