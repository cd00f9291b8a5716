#include "controllers/controller_revision.h"

#include <algorithm>
#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "controllers/deployment_controller.h"
#include "controllers/json_fields.h"
#include "controllers/workload.h"

namespace carrier::controllers::revisions {

namespace json = boost::json;

namespace {
constexpr std::string_view kHashLabel = "controller.kubernetes.io/hash";
}

Result<std::vector<Revision>> List(storage::Store& store, const std::string& cluster, const json::object& owner,
                                   std::string_view owner_kind) {
  auto owned = workload::ListControlled(store, cluster, BuiltInType("apps", "controllerrevisions"), owner, owner_kind);
  if (!owned.ok()) return owned.status();
  std::vector<Revision> out;
  for (StoredObject& o : *owned) {
    if (!apiserver::MetaString(*o.object, "deletionTimestamp").empty()) continue;
    Revision r;
    r.name = std::string(apiserver::MetaString(*o.object, "name"));
    r.number = IntAt(o.object, "revision", 0);
    r.read = std::move(o);
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const Revision& a, const Revision& b) { return a.number < b.number; });
  return out;
}

json::value DataOf(const json::value& pod_template) {
  json::value tmpl = pod_template.is_object() ? pod_template : json::value(json::object());
  tmpl.get_object()["$patch"] = "replace";
  return json::object{{"spec", json::object{{"template", std::move(tmpl)}}}};
}

json::value TemplateOf(const Revision& revision) {
  const json::object* tmpl = ObjectAt(ObjectAt(ObjectAt(revision.read.object, "data"), "spec"), "template");
  json::object out = tmpl ? *tmpl : json::object();
  out.erase("$patch");
  return out;
}

std::string HashOf(const json::value& data, int64_t collision_count) {
  return PodTemplateHash(collision_count == 0 ? data : json::value(json::array{data, collision_count}));
}

Result<Revision> Ensure(storage::Store& store, const std::string& cluster, const json::object& owner,
                        std::string_view owner_kind, const json::value& pod_template, int64_t collision_count,
                        std::vector<Revision>& revisions) {
  const json::value data = DataOf(pod_template);
  const int64_t newest = revisions.empty() ? 0 : revisions.back().number;
  for (Revision& r : revisions) {
    const json::value* have = r.read.object->if_contains("data");
    if (have == nullptr || *have != data) continue;
    if (r.number < newest) {  // rolled back to: it becomes the newest revision
      (*r.read.object)["revision"] = newest + 1;
      CARRIER_RETURN_IF_ERROR(UpdateObject(store, r.read));
      r.number = newest + 1;
      std::stable_sort(revisions.begin(), revisions.end(),
                       [](const Revision& a, const Revision& b) { return a.number < b.number; });
      for (Revision& moved : revisions) {
        if (moved.number == newest + 1) return moved;
      }
    }
    return r;
  }
  const std::string hash = HashOf(data, collision_count);
  const std::string name = std::string(apiserver::MetaString(owner, "name")) + "-" + hash;
  json::object labels;
  if (const json::object* l = ObjectAt(ObjectAt(pod_template.if_object(), "metadata"), "labels")) labels = *l;
  labels[kHashLabel] = hash;
  const std::string ns(apiserver::MetaString(owner, "namespace"));
  json::object revision{{"apiVersion", "apps/v1"},
                        {"kind", "ControllerRevision"},
                        {"metadata", json::object{{"name", name},
                                                  {"namespace", ns},
                                                  {"labels", std::move(labels)},
                                                  {"ownerReferences", json::array{workload::ControllerRef(
                                                                          owner, "apps/v1", owner_kind)}}}},
                        {"data", data},
                        {"revision", newest + 1}};
  const std::string key = StoreKey(cluster, BuiltInType("apps", "controllerrevisions"), ns, name);
  CARRIER_RETURN_IF_ERROR(CreateObject(store, key, std::move(revision)));
  auto created = GetObject(store, key);
  if (!created.ok()) return created.status();
  if (!*created) return Status(Code::kConflict, "controller revision " + name + " vanished; retry");
  Revision r;
  r.read = std::move(**created);
  r.name = name;
  r.number = newest + 1;
  revisions.push_back(r);
  return r;
}

Status Trim(storage::Store& store, const std::vector<Revision>& revisions, const std::set<std::string>& live,
            int64_t limit) {
  std::vector<const Revision*> old;
  for (const Revision& r : revisions) {
    if (!live.count(r.name)) old.push_back(&r);
  }
  for (size_t i = 0; static_cast<int64_t>(old.size() - i) > limit; ++i) {
    CARRIER_RETURN_IF_ERROR(DeleteObject(store, old[i]->read));
  }
  return {};
}

}  // namespace carrier::controllers::revisions
