#include "controllers/garbage_collector.h"

#include <boost/json.hpp>
#include <functional>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kOrphan = "orphan";
constexpr std::string_view kForeground = "foregroundDeletion";

std::string Meta(const json::object& o, std::string_view field) {
  return std::string(apiserver::MetaString(o, field));
}

const json::array* OwnerRefs(const json::object& o) {
  const json::value* meta = o.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return nullptr;
  const json::value* refs = meta->get_object().if_contains("ownerReferences");
  return refs && refs->is_array() ? &refs->get_array() : nullptr;
}

bool ReferencesUid(const json::object& o, std::string_view uid) {
  const json::array* refs = OwnerRefs(o);
  if (refs == nullptr) return false;
  for (const auto& r : *refs) {
    const json::object* ro = r.if_object();
    const json::value* u = ro ? ro->if_contains("uid") : nullptr;
    if (u && u->is_string() && u->get_string() == uid) return true;
  }
  return false;
}

// Every object of the cluster that may depend on an owner in `ns` ("" for a cluster-scoped
// owner, whose dependents may be anywhere): visits (key, revision, object).
Status ForEachCandidate(storage::Store& store, const std::string& cluster, const std::string& ns,
                        const std::function<Status(StoredObject&)>& visit) {
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix("/" + cluster + "/");
  list.limit = 500;
  for (;;) {
    auto page = store.List(list);
    if (!page.ok()) return page.status();
    for (const auto& kv : page->kvs) {
      auto ref = ParseObjectKey(kv.key);
      if (!ref || (!ns.empty() && ref->namespace_ != ns)) continue;
      auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
      if (!decoded.ok()) continue;
      StoredObject obj;
      obj.key = kv.key;
      obj.revision = kv.mod_revision;
      obj.holder = std::make_shared<json::object>(std::move(*decoded));
      obj.object = obj.holder.get();
      CARRIER_RETURN_IF_ERROR(visit(obj));
    }
    if (!page->more || page->kvs.empty()) return {};
    list.start_after = page->kvs.back().key;
    list.revision = page->revision;
  }
}

// Whether an owner reference (from a dependent in `ns`) names an object that still exists
// with that uid. Unknown kinds count as existing: never collect on a guess.
bool OwnerExists(storage::Store& store, const std::string& cluster, const std::string& ns,
                 const json::object& ref) {
  auto str = [&](std::string_view k) {
    const json::value* v = ref.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  const std::string api_version = str("apiVersion"), kind = str("kind"), name = str("name");
  const std::string group = api_version.find('/') == std::string::npos
                                ? ""
                                : api_version.substr(0, api_version.find('/'));
  for (const auto& t : apiserver::ResourceCatalog::BuiltIn().types()) {
    if (t.group != group || t.kind != kind) continue;
    auto got = GetObject(store, StoreKey(cluster, t, t.namespaced ? ns : "", name));
    if (!got.ok()) return true;
    return *got && Meta(*(*got)->object, "uid") == str("uid");
  }
  return true;
}

}  // namespace

void GarbageCollector::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (change.type == Change::Type::kDelete) {
    if (change.previous_value == nullptr) return;
    auto prev = api::DecodeJson(*change.previous_value);
    if (!prev.ok() || !prev->is_object()) return;
    const std::string uid = Meta(prev->get_object(), "uid");
    if (!uid.empty()) keys.push_back("gone/" + ref.cluster + "/" + ref.namespace_ + "/" + uid);
    return;
  }
  // Only objects being deleted with a propagation finalizer need the collector.
  if (change.value == nullptr) return;
  if (change.value->find("\"deletionTimestamp\"") == std::string::npos) return;
  if (change.value->find("\"orphan\"") == std::string::npos &&
      change.value->find("\"foregroundDeletion\"") == std::string::npos) {
    return;
  }
  std::string key = "/" + ref.cluster + "/" + (ref.group.empty() ? "core" : ref.group) + "/" +
                    ref.resource + "/" + (ref.namespace_.empty() ? "" : ref.namespace_ + "/") +
                    ref.name;
  keys.push_back("final/" + key);
}

Status GarbageCollector::Reconcile(const std::string& key,
                                   std::chrono::milliseconds& requeue_after) {
  if (key.rfind("final/", 0) == 0) return Finalize(key.substr(6), requeue_after);
  // gone/<cluster>/<ns>/<uid>
  const std::string rest = key.substr(5);
  const size_t a = rest.find('/'), b = rest.find('/', a + 1);
  return CollectDependentsOf(rest.substr(0, a), rest.substr(a + 1, b - a - 1), rest.substr(b + 1));
}

Status GarbageCollector::CollectDependentsOf(const std::string& cluster, const std::string& ns,
                                             const std::string& uid) {
  return ForEachCandidate(store_, cluster, ns, [&](StoredObject& dep) -> Status {
    json::object& o = *dep.object;
    if (!ReferencesUid(o, uid)) return {};
    auto dep_ref = ParseObjectKey(dep.key);
    json::array alive;
    for (const auto& r : *OwnerRefs(o)) {
      const json::object* ro = r.if_object();
      if (ro == nullptr) continue;
      const json::value* u = ro->if_contains("uid");
      if (u && u->is_string() && u->get_string() == uid) continue;
      if (OwnerExists(store_, cluster, dep_ref->namespace_, *ro)) alive.push_back(r);
    }
    if (!alive.empty()) {
      // Other owners remain: only the reference to the deleted one goes.
      apiserver::MutableMetadata(o)["ownerReferences"] = std::move(alive);
      Status st = UpdateObject(store_, dep);
      return st.code() == Code::kConflict ? Status(Code::kConflict, "dependent changed") : st;
    }
    const json::value* meta = o.if_contains("metadata");
    const json::value* f = meta->get_object().if_contains("finalizers");
    if (f && f->is_array() && !f->get_array().empty()) {
      if (!Meta(o, "deletionTimestamp").empty()) return {};
      apiserver::MutableMetadata(o)["deletionTimestamp"] =
          apiserver::Rfc3339(std::chrono::system_clock::now());
      apiserver::MutableMetadata(o)["deletionGracePeriodSeconds"] = 0;
      return UpdateObject(store_, dep);
    }
    return DeleteObject(store_, dep);
  });
}

Status GarbageCollector::Finalize(const std::string& store_key,
                                  std::chrono::milliseconds& requeue_after) {
  auto got = GetObject(store_, store_key);
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& owner = **got;
  json::object& o = *owner.object;
  if (Meta(o, "deletionTimestamp").empty()) return {};
  auto ref = ParseObjectKey(store_key);
  const std::string uid = Meta(o, "uid");

  if (HasFinalizer(o, kOrphan)) {
    CARRIER_RETURN_IF_ERROR(ForEachCandidate(store_, ref->cluster, ref->namespace_,
                                             [&](StoredObject& dep) -> Status {
      if (!ReferencesUid(*dep.object, uid)) return {};
      json::array kept;
      for (const auto& r : *OwnerRefs(*dep.object)) {
        const json::object* ro = r.if_object();
        const json::value* u = ro ? ro->if_contains("uid") : nullptr;
        if (!(u && u->is_string() && u->get_string() == uid)) kept.push_back(r);
      }
      if (kept.empty()) {
        apiserver::MutableMetadata(*dep.object).erase("ownerReferences");
      } else {
        apiserver::MutableMetadata(*dep.object)["ownerReferences"] = std::move(kept);
      }
      return UpdateObject(store_, dep);
    }));
    RemoveFinalizer(o, kOrphan);
  } else if (HasFinalizer(o, kForeground)) {
    bool blocked = false;
    CARRIER_RETURN_IF_ERROR(ForEachCandidate(store_, ref->cluster, ref->namespace_,
                                             [&](StoredObject& dep) -> Status {
      json::object& d = *dep.object;
      if (!ReferencesUid(d, uid)) return {};
      for (const auto& r : *OwnerRefs(d)) {
        const json::object* ro = r.if_object();
        const json::value* u = ro ? ro->if_contains("uid") : nullptr;
        const json::value* block = ro ? ro->if_contains("blockOwnerDeletion") : nullptr;
        if (u && u->is_string() && u->get_string() == uid && block && block->is_bool() &&
            block->get_bool()) {
          blocked = true;
        }
      }
      if (!Meta(d, "deletionTimestamp").empty()) return {};
      const json::value* f = d.at("metadata").as_object().if_contains("finalizers");
      if (f && f->is_array() && !f->get_array().empty()) {
        apiserver::MutableMetadata(d)["deletionTimestamp"] =
            apiserver::Rfc3339(std::chrono::system_clock::now());
        apiserver::MutableMetadata(d)["deletionGracePeriodSeconds"] = 0;
        return UpdateObject(store_, dep);
      }
      return DeleteObject(store_, dep);
    }));
    if (blocked) {
      requeue_after = std::chrono::milliseconds(1000);  // blocking dependents still finalizing
      return {};
    }
    RemoveFinalizer(o, kForeground);
  } else {
    return {};
  }
  // With its last finalizer gone the object itself goes, as the REST layer would do.
  const json::value* meta = o.if_contains("metadata");
  const json::value* f = meta && meta->is_object() ? meta->get_object().if_contains("finalizers")
                                                   : nullptr;
  if (f == nullptr || !f->is_array() || f->get_array().empty()) return DeleteObject(store_, owner);
  return UpdateObject(store_, owner);
}

}  // namespace carrier::controllers
