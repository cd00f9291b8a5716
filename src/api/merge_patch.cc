#include "api/merge_patch.h"

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

void ApplyMergePatch(json::value& target, const json::value& patch) {
  const json::object* p = patch.if_object();
  if (p == nullptr) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object(target.storage());
  json::object& t = target.get_object();
  for (const auto& [key, value] : *p) {
    if (value.is_null()) {
      t.stable_erase(key);
      continue;
    }
    auto it = t.find(key);
    if (it == t.end()) it = t.emplace(key, nullptr).first;
    ApplyMergePatch(it->value(), value);
  }
}

}  // namespace carrier::api
