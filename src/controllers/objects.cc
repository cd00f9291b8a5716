#include "controllers/objects.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"

namespace carrier::controllers {

namespace json = boost::json;

const apiserver::ResourceType& BuiltInType(std::string_view group, std::string_view resource) {
  for (const auto& t : apiserver::ResourceCatalog::BuiltIn().types()) {
    if (t.group == group && t.resource == resource) return t;
  }
  std::abort();  // a programming error: controllers only name types that exist
}

std::string StoreKey(std::string_view cluster, const apiserver::ResourceType& type,
                     std::string_view ns, std::string_view name) {
  return apiserver::ObjectKey(cluster, type, ns, name);
}

Result<std::optional<StoredObject>> GetObject(storage::Store& store, const std::string& key) {
  auto got = store.Get(key);
  if (!got.ok()) return got.status();
  if (!got->kv) return std::optional<StoredObject>();
  auto decoded = apiserver::DecodeStored(got->kv->value, got->kv->mod_revision);
  if (!decoded.ok()) return decoded.status();
  StoredObject out;
  out.key = key;
  out.revision = got->kv->mod_revision;
  out.holder = std::make_shared<json::object>(std::move(*decoded));
  out.object = out.holder.get();
  return std::optional<StoredObject>(std::move(out));
}

Result<std::vector<json::object>> ListObjects(storage::Store& store, const std::string& prefix) {
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(prefix);
  auto listed = store.List(list);
  if (!listed.ok()) return listed.status();
  std::vector<json::object> out;
  for (const auto& kv : listed->kvs) {
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (decoded.ok()) out.push_back(std::move(*decoded));
  }
  return out;
}

Status CreateObject(storage::Store& store, const std::string& key, json::object object) {
  json::object& meta = apiserver::MutableMetadata(object);
  meta["uid"] = apiserver::NewUid();
  meta["creationTimestamp"] = apiserver::Rfc3339(std::chrono::system_clock::now());
  auto created = store.Create(key, json::serialize(object));
  return created.ok() ? Status() : created.status();
}

Status UpdateObject(storage::Store& store, const StoredObject& read) {
  json::object copy = *read.object;
  apiserver::MutableMetadata(copy).erase("resourceVersion");  // never stored
  auto updated = store.Update(read.key, json::serialize(copy), read.revision);
  return updated.ok() ? Status() : updated.status();
}

Status DeleteObject(storage::Store& store, const StoredObject& read) {
  auto deleted = store.Delete(read.key, read.revision);
  if (!deleted.ok() && deleted.status().code() != Code::kNotFound) return deleted.status();
  return {};
}

}  // namespace carrier::controllers
