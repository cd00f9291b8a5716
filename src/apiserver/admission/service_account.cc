#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

class ServiceAccountPlugin : public Plugin {
 public:
  explicit ServiceAccountPlugin(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "ServiceAccount"; }

  std::optional<api::ApiError> Admit(Request& r) override {
    if (r.operation != Operation::kCreate || !r.Is("", "pods") || !r.subresource.empty() ||
        !r.object) {
      return std::nullopt;
    }
    json::value& spec = (*r.object)["spec"];
    if (!spec.is_object()) spec = json::object();
    json::object& s = spec.get_object();
    std::string account;
    if (auto* v = s.if_contains("serviceAccountName"); v && v->is_string()) {
      account = std::string(v->get_string());
    }
    if (account.empty()) {
      if (auto* v = s.if_contains("serviceAccount"); v && v->is_string()) {
        account = std::string(v->get_string());
      }
    }
    if (account.empty()) account = "default";
    s["serviceAccountName"] = account;
    s["serviceAccount"] = account;
    return std::nullopt;
  }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (r.operation != Operation::kCreate || !r.Is("", "pods") || !r.subresource.empty() ||
        !r.object) {
      return std::nullopt;
    }
    const json::value* spec = r.object->if_contains("spec");
    std::string account = "default";
    if (spec && spec->is_object()) {
      if (auto* v = spec->get_object().if_contains("serviceAccountName"); v && v->is_string()) {
        account = std::string(v->get_string());
      }
    }
    const ResourceType* sa = ResourceCatalog::BuiltIn().Find("", "v1", "serviceaccounts");
    const std::string key = ObjectKey(r.cluster, *sa, r.namespace_, account);
    auto got = store_.Get(key);
    if (!got.ok()) return api::ApiError{got.status(), {}};
    if (got->kv) return std::nullopt;
    if (account == "default") {
      if (r.dry_run) return std::nullopt;
      // No service-account controller yet: the default account appears when first needed.
      json::object obj{{"kind", "ServiceAccount"},
                       {"apiVersion", "v1"},
                       {"metadata", json::object{{"name", "default"},
                                                 {"namespace", r.namespace_},
                                                 {"uid", NewUid()},
                                                 {"creationTimestamp",
                                                  Rfc3339(std::chrono::system_clock::now())}}}};
      auto created = store_.Create(key, json::serialize(obj));
      if (created.ok() || created.status().code() == Code::kAlreadyExists) return std::nullopt;
      return api::ApiError{created.status(), {}};
    }
    return Forbidden(r, "error looking up service account " + r.namespace_ + "/" + account +
                            ": serviceaccount \"" + account + "\" not found");
  }

 private:
  storage::Store& store_;
};

}  // namespace

std::unique_ptr<Plugin> NewServiceAccount(storage::Store& store) {
  return std::make_unique<ServiceAccountPlugin>(store);
}

}  // namespace carrier::apiserver::admission
