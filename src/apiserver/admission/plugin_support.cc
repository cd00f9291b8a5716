#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

std::optional<json::object> ReadObject(storage::Store& store, const std::string& key) {
  auto got = store.Get(key);
  if (!got.ok() || !got->kv) return std::nullopt;
  auto obj = DecodeStored(got->kv->value, got->kv->mod_revision);
  if (!obj.ok()) return std::nullopt;
  return std::move(*obj);
}

std::vector<json::object> ListObjects(storage::Store& store, const std::string& cluster,
                                      std::string_view group, std::string_view resource,
                                      const std::string& ns) {
  std::vector<json::object> out;
  const ResourceType* type = nullptr;
  for (const auto& t : ResourceCatalog::BuiltIn().types()) {
    if (t.group == group && t.resource == resource) type = &t;
  }
  if (type == nullptr) return out;
  storage::ListOptions options;
  options.range = storage::KeyRange::Prefix(CollectionPrefix(cluster, *type, ns));
  auto listed = store.List(options);
  if (!listed.ok()) return out;
  for (const auto& kv : listed->kvs) {
    auto obj = DecodeStored(kv.value, kv.mod_revision);
    if (obj.ok()) out.push_back(std::move(*obj));
  }
  return out;
}

}  // namespace carrier::apiserver::admission
