#include "controllers/workload.h"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace workload {

std::optional<std::pair<std::string, std::string>> ControllerOf(std::string_view value) {
  if (value.find("\"ownerReferences\"") == std::string_view::npos) return std::nullopt;
  auto v = api::DecodeJson(value);
  if (!v.ok() || !v->is_object()) return std::nullopt;
  const json::value* meta = v->get_object().if_contains("metadata");
  const json::value* refs = meta && meta->is_object() ? meta->get_object().if_contains("ownerReferences")
                                                      : nullptr;
  if (refs == nullptr || !refs->is_array()) return std::nullopt;
  for (const auto& r : refs->get_array()) {
    const json::object* o = r.if_object();
    const json::value* c = o ? o->if_contains("controller") : nullptr;
    if (c && c->is_bool() && c->get_bool()) {
      return std::make_pair(std::string(o->at("kind").as_string()),
                            std::string(o->at("name").as_string()));
    }
  }
  return std::nullopt;
}

const json::object* ControllerRefOf(const json::object& obj) {
  const json::array* refs = ArrayAt(ObjectAt(&obj, "metadata"), "ownerReferences");
  if (refs == nullptr) return nullptr;
  for (const auto& r : *refs) {
    if (BoolAt(r.if_object(), "controller")) return r.if_object();
  }
  return nullptr;
}

bool PodReady(const json::object& pod) {
  return ConditionStatus(pod, "Ready") == "True";
}

bool PodActive(const json::object& pod) {
  if (!apiserver::MetaString(pod, "deletionTimestamp").empty()) return false;
  const std::string phase = StringAt(ObjectAt(&pod, "status"), "phase");
  return phase != "Succeeded" && phase != "Failed";
}

const json::object* TolerationFor(const json::array* tolerations, const json::object& taint) {
  if (tolerations == nullptr) return nullptr;
  for (const auto& t : *tolerations) {
    const json::object* o = t.if_object();
    if (o == nullptr) continue;
    const std::string effect = StringAt(o, "effect");
    if (!effect.empty() && effect != StringAt(&taint, "effect")) continue;
    const std::string key = StringAt(o, "key"), op = StringAt(o, "operator");
    if (key.empty() && op == "Exists") return o;
    if (key != StringAt(&taint, "key")) continue;
    if (op == "Exists" || StringAt(o, "value") == StringAt(&taint, "value")) return o;
  }
  return nullptr;
}

bool PodAvailable(const json::object& pod, int64_t min_ready_seconds, std::chrono::milliseconds& recheck) {
  if (!PodReady(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  if (const json::array* conds = ArrayAt(ObjectAt(&pod, "status"), "conditions")) {
    for (const auto& c : *conds) {
      if (StringAt(c.if_object(), "type") != "Ready") continue;
      auto since = apiserver::authn::ParseRfc3339(StringAt(c.if_object(), "lastTransitionTime"));
      if (!since) return false;
      auto left = *since + std::chrono::seconds(min_ready_seconds) - std::chrono::system_clock::now();
      if (left <= std::chrono::seconds(0)) return true;
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(left) + std::chrono::milliseconds(1);
      if (recheck.count() == 0 || wait < recheck) recheck = wait;
      return false;
    }
  }
  return false;
}

int DeletionRank(const json::object& pod) {
  if (StringAt(ObjectAt(&pod, "spec"), "nodeName").empty()) return 0;
  if (StringAt(ObjectAt(&pod, "status"), "phase") != "Running") return 1;
  return PodReady(pod) ? 3 : 2;
}

json::object ControllerRef(const json::object& owner, std::string_view api_version,
                           std::string_view kind) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"name", apiserver::MetaString(owner, "name")},
          {"uid", apiserver::MetaString(owner, "uid")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

std::string RandomSuffix(size_t n) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    unsigned char b = 0;
    RAND_bytes(&b, 1);
    out += kAlphabet[b % kAlphabet.size()];
  }
  return out;
}

Result<std::vector<StoredObject>> ListControlled(storage::Store& store, const std::string& cluster,
                                                 const apiserver::ResourceType& type, const json::object& owner,
                                                 std::string_view owner_kind) {
  const std::string ns(apiserver::MetaString(owner, "namespace")), name(apiserver::MetaString(owner, "name"));
  const std::string_view uid = apiserver::MetaString(owner, "uid");
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, type, ns, ""));
  auto listed = store.List(list);
  if (!listed.ok()) return listed.status();
  std::vector<StoredObject> out;
  for (const auto& kv : listed->kvs) {
    auto controller = ControllerOf(kv.value);
    if (!controller || controller->first != owner_kind || controller->second != name) continue;
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok()) continue;
    bool same_uid = false;
    if (const json::array* refs = ArrayAt(ObjectAt(&*decoded, "metadata"), "ownerReferences")) {
      for (const auto& r : *refs) same_uid = same_uid || (BoolAt(r.if_object(), "controller") && StringAt(r.if_object(), "uid") == uid);
    }
    if (!same_uid) continue;
    StoredObject o;
    o.key = kv.key;
    o.revision = kv.mod_revision;
    o.holder = std::make_shared<json::object>(std::move(*decoded));
    o.object = o.holder.get();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace workload

}  // namespace carrier::controllers
