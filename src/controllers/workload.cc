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

bool PodReady(const json::object& pod) {
  return ConditionStatus(pod, "Ready") == "True";
}

bool PodActive(const json::object& pod) {
  if (!apiserver::MetaString(pod, "deletionTimestamp").empty()) return false;
  const std::string phase = StringAt(ObjectAt(&pod, "status"), "phase");
  return phase != "Succeeded" && phase != "Failed";
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

}  // namespace workload

}  // namespace carrier::controllers
