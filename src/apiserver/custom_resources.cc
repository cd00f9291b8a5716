#include "apiserver/custom_resources.h"

#include <boost/json.hpp>

#include "api/json_path.h"
#include "apiserver/crd_strategy.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

std::string StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool BoolAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

std::vector<std::string> Strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (e.is_string()) out.emplace_back(e.get_string());
  }
  return out;
}

const ResourceType& CrdType() {
  static const ResourceType* type = ResourceCatalog::BuiltIn().Find(
      "apiextensions.k8s.io", "v1", "customresourcedefinitions");
  return *type;
}

// A printer column: the first value its JSONPath finds, typed as the column says.
TableColumn PrinterColumn(const json::object& col) {
  TableColumn c;
  c.name = StringAt(col, "name");
  c.type = StringAt(col, "type");
  c.description = StringAt(col, "description");
  if (auto p = col.if_contains("priority"); p && p->is_int64()) {
    c.priority = static_cast<int>(p->get_int64());
  }
  auto path = api::JsonPath::Parse(StringAt(col, "jsonPath"));
  if (!path.ok()) return c;  // ValidateCrd rejected such a column before it was stored
  const std::string type = c.type;
  c.value_cell = [path = std::move(*path), type](const json::object& obj) -> json::value {
    json::value root(obj);
    auto found = path.Evaluate(root);
    if (found.empty() || found[0]->is_null()) return nullptr;
    const json::value& v = *found[0];
    if (type == "integer" && (v.is_int64() || v.is_uint64())) return v;
    if (type == "number" && v.is_number()) return v;
    if (type == "boolean" && v.is_bool()) return v;
    if (v.is_string()) return v;
    return json::string(json::serialize(v));
  };
  return c;
}

}  // namespace

std::vector<ResourceType> CustomTypesFromCrd(const json::object& crd, const SchemaCompiler& compile) {
  std::vector<ResourceType> types;
  const json::object& spec = crd.at("spec").as_object();
  const json::object& names = spec.at("names").as_object();
  std::string storage_version;
  for (const auto& v : spec.at("versions").as_array()) {
    if (BoolAt(v.as_object(), "storage")) storage_version = StringAt(v.as_object(), "name");
  }
  for (const auto& v : spec.at("versions").as_array()) {
    const json::object& version = v.as_object();
    if (!BoolAt(version, "served")) continue;
    ResourceType t;
    t.group = StringAt(spec, "group");
    t.version = StringAt(version, "name");
    t.resource = StringAt(names, "plural");
    t.singular = StringAt(names, "singular");
    t.kind = StringAt(names, "kind");
    t.namespaced = StringAt(spec, "scope") == "Namespaced";
    t.short_names = Strings(names, "shortNames");
    t.categories = Strings(names, "categories");
    if (auto* sub = version.if_contains("subresources"); sub && sub->is_object()) {
      t.has_status = sub->get_object().contains("status");
      t.has_scale = sub->get_object().contains("scale");
    }
    if (auto* cols = version.if_contains("additionalPrinterColumns");
        cols && cols->is_array() && !cols->get_array().empty()) {
      for (const auto& col : cols->get_array()) {
        if (col.is_object()) t.columns.push_back(PrinterColumn(col.get_object()));
      }
      t.age_column = false;
    }
    auto custom = std::make_shared<CustomVersion>();
    custom->storage_version = storage_version;
    if (auto* schema = version.if_contains("schema"); schema && schema->is_object()) {
      if (auto* openapi = schema->get_object().if_contains("openAPIV3Schema")) {
        custom->schema = compile(*openapi);
      }
    }
    t.custom = std::move(custom);
    types.push_back(std::move(t));
  }
  return types;
}

const ResourceType* CustomTypeSet::Find(std::string_view group, std::string_view version,
                                        std::string_view resource) const {
  for (const auto& t : types) {
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  }
  return nullptr;
}

struct CustomResources::ClusterEntry {
  std::string name;
  std::mutex mu;  // serialises loads of this cluster
  std::shared_ptr<const CustomTypeSet> set;  // guarded by CustomResources::mu_
  bool loaded = false;                       // guarded by mu
  std::atomic<bool> stale{false};            // a CRD changed since the last load
  std::unique_ptr<storage::Watch> watch;     // guarded by mu
};

CustomResources::CustomResources(storage::Store& store) : store_(store) {}

CustomResources::~CustomResources() {
  std::map<std::string, std::shared_ptr<ClusterEntry>, std::less<>> clusters;
  {
    std::lock_guard lock(mu_);
    clusters.swap(clusters_);
  }
  for (auto& [name, entry] : clusters) {
    std::lock_guard lock(entry->mu);
    if (entry->watch) entry->watch->Cancel();
  }
}

std::shared_ptr<CustomResources::ClusterEntry> CustomResources::EntryOf(const std::string& cluster) {
  std::lock_guard lock(mu_);
  auto& entry = clusters_[cluster];
  if (!entry) {
    entry = std::make_shared<ClusterEntry>();
    entry->name = cluster;
    entry->set = std::make_shared<CustomTypeSet>();
  }
  return entry;
}

void CustomResources::Load(ClusterEntry& entry) {
  std::lock_guard load_lock(entry.mu);
  if (entry.loaded && !entry.stale.load()) return;
  entry.stale.store(false);
  storage::ListOptions options;
  options.range = storage::KeyRange::Prefix(CollectionPrefix(entry.name, CrdType(), ""));
  auto listed = store_.List(options);
  if (!listed.ok()) {
    entry.stale.store(true);  // try again on the next request
    return;
  }
  auto set = std::make_shared<CustomTypeSet>();
  for (const auto& kv : listed->kvs) {
    auto crd = DecodeStored(kv.value, kv.mod_revision);
    if (!crd.ok() || !CrdEstablished(*crd)) continue;
    auto types = TypesFromCrd(*crd);
    for (auto& t : types) set->types.push_back(std::move(t));
  }
  {
    std::lock_guard lock(mu_);
    entry.set = std::move(set);
  }
  entry.loaded = true;
  if (!entry.watch) {
    storage::WatchOptions watch;
    watch.range = options.range;
    watch.start_revision = listed->revision + 1;
    ClusterEntry* raw = &entry;
    auto started = store_.StartWatch(watch, [raw](storage::WatchResponse response) {
      // Any change (or the end of the watch) makes the next request reload.
      raw->stale.store(true);
      (void)response;
    });
    if (started.ok()) {
      entry.watch = std::move(*started);
    } else {
      entry.stale.store(true);
    }
  }
}

std::vector<ResourceType> CustomResources::TypesFromCrd(const json::object& crd) {
  return CustomTypesFromCrd(crd, [this](const json::value& schema) {
    std::string key = json::serialize(schema);
    std::lock_guard lock(mu_);
    if (auto it = interned_.find(key); it != interned_.end()) {
      if (auto shared = it->second.lock()) return shared;
    }
    api::FieldErrors ignored;
    auto compiled = api::StructuralSchema::Compile(schema, "openAPIV3Schema", ignored);
    if (compiled) interned_[key] = compiled;
    return compiled;
  });
}

std::shared_ptr<const CustomTypeSet> CustomResources::TypesOf(const std::string& cluster) {
  auto entry = EntryOf(cluster);
  if (!entry->loaded || entry->stale.load()) Load(*entry);
  std::lock_guard lock(mu_);
  return entry->set;
}

const ResourceType* CustomResources::Find(const std::string& cluster, std::string_view group,
                                          std::string_view version, std::string_view resource,
                                          std::shared_ptr<const CustomTypeSet>& holder) {
  holder = TypesOf(cluster);
  if (const ResourceType* t = holder->Find(group, version, resource)) return t;
  // Not known here: the CRD may have been created moments ago through another replica.
  auto got = store_.Get(
      ObjectKey(cluster, CrdType(), "", std::string(resource) + "." + std::string(group)));
  if (!got.ok() || !got->kv) return nullptr;
  Refresh(cluster);
  holder = TypesOf(cluster);
  return holder->Find(group, version, resource);
}

void CustomResources::Refresh(const std::string& cluster) {
  auto entry = EntryOf(cluster);
  entry->stale.store(true);
  Load(*entry);
}

void CustomResources::Forget(const std::string& cluster) {
  std::shared_ptr<ClusterEntry> entry;
  {
    std::lock_guard lock(mu_);
    auto it = clusters_.find(cluster);
    if (it == clusters_.end()) return;
    entry = it->second;
    clusters_.erase(it);
  }
  std::lock_guard lock(entry->mu);
  if (entry->watch) entry->watch->Cancel();
}

}  // namespace carrier::apiserver
