#pragma once
// How controllers read and write API objects: straight through the store (the watch cache),
// with the metadata the REST layer would give them (uid, creationTimestamp) and
// compare-and-swap on the revision read, so a controller never overwrites a newer change.

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/resource_catalog.h"
#include "storage/store.h"

namespace carrier::controllers {

struct StoredObject {
  std::string key;
  storage::Revision revision = 0;
  boost::json::object* object = nullptr;  // owned by `holder`
  std::shared_ptr<boost::json::object> holder;
};

// The built-in type `resource` of `group` (must exist).
const apiserver::ResourceType& BuiltInType(std::string_view group, std::string_view resource);

std::string StoreKey(std::string_view cluster, const apiserver::ResourceType& type,
                     std::string_view ns, std::string_view name);

// nullopt when absent.
Result<std::optional<StoredObject>> GetObject(storage::Store& store, const std::string& key);
// Every object under `prefix` (a StoreKey with an empty name), decoded; values that do
// not decode are skipped.
Result<std::vector<boost::json::object>> ListObjects(storage::Store& store, const std::string& prefix);
// Creates `object` (kind/apiVersion/metadata.name[/namespace] set by the caller) with a new uid
// and creationTimestamp. kAlreadyExists when it exists.
Status CreateObject(storage::Store& store, const std::string& key, boost::json::object object);
// Writes `object` over the revision it was read at (kConflict if it moved).
Status UpdateObject(storage::Store& store, const StoredObject& read);
Status DeleteObject(storage::Store& store, const StoredObject& read);

}  // namespace carrier::controllers
