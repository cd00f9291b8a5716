#include "controllers/workload.h"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"

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

const json::object* TolerationFor(const json::object& pod, const json::object& taint) {
  const json::array* tolerations = ArrayAt(ObjectAt(&pod, "spec"), "tolerations");
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

}  // namespace workload

}  // namespace carrier::controllers
