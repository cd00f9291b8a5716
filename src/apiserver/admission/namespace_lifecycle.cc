#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

class NamespaceLifecycle : public Plugin {
 public:
  explicit NamespaceLifecycle(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "NamespaceLifecycle"; }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (r.operation == Operation::kDelete && r.Is("", "namespaces") &&
        (r.name == "default" || r.name == "kube-system" || r.name == "kube-public")) {
      return Forbidden(r, "this namespace may not be deleted");
    }
    if (r.operation != Operation::kCreate || !r.type || !r.type->namespaced) return std::nullopt;
    const ResourceType* ns_type = ResourceCatalog::BuiltIn().Find("", "v1", "namespaces");
    auto got = store_.Get(ObjectKey(r.cluster, *ns_type, "", r.namespace_));
    if (!got.ok()) return api::ApiError{got.status(), {}};
    if (!got->kv) return api::NewNotFound("", "namespaces", r.namespace_);
    if (got->kv->value.find("\"deletionTimestamp\"") != std::string::npos) {
      return Forbidden(r, "unable to create new content in namespace " + r.namespace_ +
                              " because it is being terminated");
    }
    return std::nullopt;
  }

 private:
  storage::Store& store_;
};

}  // namespace

std::unique_ptr<Plugin> NewNamespaceLifecycle(storage::Store& store) {
  return std::make_unique<NamespaceLifecycle>(store);
}

}  // namespace carrier::apiserver::admission
