#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/authz/rbac_authorizer.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

std::string Quoted(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + ("\"" + v[i] + "\"");
  return s + "]";
}

// A rule as Kubernetes prints it in escalation errors.
std::string RuleText(const authz::PolicyRule& r) {
  std::string s = "{";
  auto add = [&](const char* name, const std::vector<std::string>& v) {
    if (v.empty()) return;
    if (s.size() > 1) s += ", ";
    s += std::string(name) + ":" + Quoted(v);
  };
  add("APIGroups", r.api_groups);
  add("Resources", r.resources);
  add("ResourceNames", r.resource_names);
  add("NonResourceURLs", r.non_resource_urls);
  add("Verbs", r.verbs);
  return s + "}";
}

class RbacEscalation : public Plugin {
 public:
  explicit RbacEscalation(authz::Authorizer& a) : authz_(a) {}
  std::string_view name() const override { return "RBACEscalation"; }
  bool can_be_disabled() const override { return false; }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (!r.type || r.type->group != "rbac.authorization.k8s.io" || !r.object || !r.user ||
        !r.subresource.empty()) {
      return std::nullopt;
    }
    if (r.user->InGroup("system:masters")) return std::nullopt;
    const std::string& res = r.type->resource;
    if (res == "roles" || res == "clusterroles") return CheckRole(r);
    if (res == "rolebindings" || res == "clusterrolebindings") return CheckBinding(r);
    return std::nullopt;
  }

 private:
  bool Can(const Request& r, const std::string& verb, const std::string& resource,
           const std::string& name) {
    authz::Attributes a;
    a.verb = verb;
    a.resource_request = true;
    a.group = "rbac.authorization.k8s.io";
    a.resource = resource;
    a.name = name;
    a.namespace_ = r.namespace_;
    return authz_.Authorize(r.cluster, *r.user, a).allowed;
  }

  api::ApiError NotHeld(const Request& r, const std::vector<authz::PolicyRule>& missing) {
    std::string groups;
    for (const auto& g : authz::WithImplicitGroups(*r.user).groups) {
      groups += (groups.empty() ? "" : " ") + ("\"" + g + "\"");
    }
    std::string text = "user \"" + r.user->name + "\" (groups=[" + groups +
                       "]) is attempting to grant RBAC permissions not currently held:";
    for (const auto& m : missing) text += "\n" + RuleText(m);
    return Forbidden(r, text);
  }

  std::optional<api::ApiError> CheckRole(const Request& r) {
    if (Can(r, "escalate", r.type->resource, r.name)) return std::nullopt;
    if (auto* agg = r.object->if_contains("aggregationRule"); agg && agg->is_object()) {
      auto* sels = agg->get_object().if_contains("clusterRoleSelectors");
      if (sels && sels->is_array() && !sels->get_array().empty()) {
        return Forbidden(r, "must have cluster-admin privileges to use the aggregationRule");
      }
    }
    const json::value* rules = r.object->if_contains("rules");
    auto requested = authz::ParseRules(rules ? *rules : json::value());
    auto owned = authz_.RulesFor(r.cluster, *r.user, r.namespace_);
    auto missing = authz::Uncovered(owned, requested);
    if (missing.empty()) return std::nullopt;
    return NotHeld(r, missing);
  }

  std::optional<api::ApiError> CheckBinding(const Request& r) {
    const json::value* ref_json = r.object->if_contains("roleRef");
    authz::RoleRef ref = authz::ParseRoleRef(ref_json ? *ref_json : json::value());
    if (r.old_object) {
      const json::value* old_ref = r.old_object->if_contains("roleRef");
      if (old_ref && ref_json && *old_ref != *ref_json) {
        api::FieldErrors errors;
        errors.push_back(
            api::InvalidValue("roleRef", json::serialize(*ref_json), "cannot change roleRef"));
        return api::NewInvalid(r.type->group, r.type->kind, r.name, std::move(errors));
      }
    }
    const std::string role_resource = ref.kind == "Role" ? "roles" : "clusterroles";
    if (Can(r, "bind", role_resource, ref.name)) return std::nullopt;
    auto rules = authz_.RoleRules(r.cluster, ref, r.namespace_);
    if (!rules) {
      return api::NewNotFound("rbac.authorization.k8s.io", role_resource, ref.name);
    }
    auto owned = authz_.RulesFor(r.cluster, *r.user, r.namespace_);
    auto missing = authz::Uncovered(owned, *rules);
    if (missing.empty()) return std::nullopt;
    return NotHeld(r, missing);
  }

  authz::Authorizer& authz_;
};

}  // namespace

std::unique_ptr<Plugin> NewRbacEscalation(authz::Authorizer& authorizer) {
  return std::make_unique<RbacEscalation>(authorizer);
}

}  // namespace carrier::apiserver::admission
