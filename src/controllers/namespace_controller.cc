#include "controllers/namespace_controller.h"

#include <boost/json.hpp>
#include <map>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

void NamespaceController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group.empty() && ref.resource == "namespaces") {
    keys.push_back(ref.cluster + "/" + ref.name);
  } else if (change.type == Change::Type::kDelete && !ref.namespace_.empty()) {
    // Content going away may let a terminating namespace finish.
    keys.push_back(ref.cluster + "/" + ref.namespace_);
  }
}

Status NamespaceController::Reconcile(const std::string& key,
                                      std::chrono::milliseconds& requeue_after) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), ns = key.substr(slash + 1);
  const auto& ns_type = BuiltInType("", "namespaces");
  auto got = GetObject(store_, StoreKey(cluster, ns_type, "", ns));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& namespace_object = **got;
  json::object& obj = *namespace_object.object;
  if (apiserver::MetaString(obj, "deletionTimestamp").empty()) return {};

  // Everything in the namespace: keys /<cluster>/<group>/<resource>/<ns>/<name>.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix("/" + cluster + "/");
  list.keys_only = true;
  list.limit = 1000;
  std::map<std::string, int> remaining;  // resource → objects still there
  int with_finalizers = 0;
  std::map<std::string, int> finalizers_by_name;
  for (;;) {
    auto page = store_.List(list);
    if (!page.ok()) return page.status();
    for (const auto& kv : page->kvs) {
      auto ref = ParseObjectKey(kv.key);
      if (!ref || ref->namespace_ != ns) continue;
      auto object = GetObject(store_, kv.key);
      if (!object.ok()) return object.status();
      if (!*object) continue;
      const std::string resource = ref->group.empty() ? ref->resource : ref->resource + "." + ref->group;
      json::object& o = *(*object)->object;
      if (HasAnyFinalizer(o)) {
        ++remaining[resource];
        ++with_finalizers;
        for (const auto& f : o.at("metadata").at("finalizers").as_array()) {
          if (f.is_string()) ++finalizers_by_name[std::string(f.get_string())];
        }
        if (apiserver::MetaString(o, "deletionTimestamp").empty()) {
          apiserver::MutableMetadata(o)["deletionTimestamp"] =
              apiserver::Rfc3339(std::chrono::system_clock::now());
          apiserver::MutableMetadata(o)["deletionGracePeriodSeconds"] = 0;
          Status st = UpdateObject(store_, **object);
          if (!st.ok() && st.code() != Code::kConflict) return st;
        }
        continue;
      }
      Status st = DeleteObject(store_, **object);
      if (st.code() == Code::kConflict) {
        ++remaining[resource];  // changed meanwhile: the next pass deletes it
      } else if (!st.ok()) {
        return st;
      }
    }
    if (!page->more || page->kvs.empty()) break;
    list.start_after = page->kvs.back().key;
  }

  if (!remaining.empty()) {
    std::string content = "Some resources are remaining:";
    bool first = true;
    for (const auto& [resource, count] : remaining) {
      content += std::string(first ? " " : ", ") + resource + " has " + std::to_string(count) +
                 " resource instances";
      first = false;
    }
    std::string finalizers = "Some content in the namespace has finalizers remaining:";
    first = true;
    for (const auto& [name, count] : finalizers_by_name) {
      finalizers += std::string(first ? " " : ", ") + name + " in " + std::to_string(count) +
                    " resource instances";
      first = false;
    }
    json::array conditions{
        NewCondition("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
                  "All resources successfully discovered"),
        NewCondition("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
                  "All legacy kube types successfully parsed"),
        NewCondition("NamespaceDeletionContentFailure", "False", "ContentDeleted",
                  "All content successfully deleted, may be waiting on finalization"),
        NewCondition("NamespaceContentRemaining", "True", "SomeResourcesRemain", content),
        with_finalizers > 0
            ? NewCondition("NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", finalizers)
            : NewCondition("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                        "All content-preserving finalizers finished")};
    json::object& status = obj["status"].is_object() ? obj["status"].as_object()
                                                     : (obj["status"] = json::object()).as_object();
    status["phase"] = "Terminating";
    // Rewrite only when the reported content changed (lastTransitionTime aside).
    auto summary = [](const json::value* cs) {
      std::string out;
      if (cs && cs->is_array()) {
        for (const auto& c : cs->get_array()) {
          out += std::string(c.at("type").as_string()) + std::string(c.at("status").as_string()) +
                 std::string(c.at("message").as_string());
        }
      }
      return out;
    };
    json::value next(conditions);
    if (summary(status.if_contains("conditions")) != summary(&next)) {
      status["conditions"] = std::move(conditions);
      Status st = UpdateObject(store_, namespace_object);
      if (!st.ok() && st.code() != Code::kConflict) return st;
    }
    // Deletes of the remaining objects requeue the namespace; look again in any case.
    requeue_after = std::chrono::milliseconds(2000);
    return {};
  }

  // Empty: drop the `kubernetes` finalizer, then the namespace itself.
  json::array kept;
  if (const json::value* spec = obj.if_contains("spec"); spec && spec->is_object()) {
    if (const json::value* f = spec->get_object().if_contains("finalizers"); f && f->is_array()) {
      for (const auto& name : f->get_array()) {
        if (!(name.is_string() && name.get_string() == "kubernetes")) kept.push_back(name);
      }
    }
  }
  if (!kept.empty() || HasAnyFinalizer(obj)) {
    obj["spec"] = json::object{{"finalizers", kept}};
    return UpdateObject(store_, namespace_object);  // others finalize the rest
  }
  return DeleteObject(store_, namespace_object);
}

}  // namespace carrier::controllers
