#include "apiserver/authz/rbac.h"

#include <algorithm>
#include <boost/json.hpp>

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

std::vector<std::string> Strings(const json::object& obj, std::string_view field) {
  std::vector<std::string> out;
  const json::value* v = obj.if_contains(field);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::string String(const json::object& obj, std::string_view field) {
  const json::value* v = obj.if_contains(field);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool Has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool HasOrStar(const std::vector<std::string>& list, std::string_view value) {
  return Has(list, "*") || Has(list, value);
}

// Resource matching: "*", the exact resource, "pods/*" (any subresource of pods) and
// "*/scale" (that subresource of any resource).
bool ResourceMatches(const std::vector<std::string>& resources, std::string_view resource,
                     std::string_view subresource) {
  std::string combined(resource);
  if (!subresource.empty()) combined += "/" + std::string(subresource);
  for (const auto& r : resources) {
    if (r == "*" || r == combined) return true;
    if (subresource.empty()) continue;
    if (r == std::string(resource) + "/*") return true;
    if (r == "*/" + std::string(subresource)) return true;
  }
  return false;
}

bool UrlMatches(const std::vector<std::string>& urls, std::string_view path) {
  for (const auto& u : urls) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*' &&
        path.substr(0, u.size() - 1) == std::string_view(u).substr(0, u.size() - 1)) {
      return true;
    }
  }
  return false;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

Attributes Attributes::From(const RequestInfo& info) {
  Attributes a;
  a.verb = info.verb;
  a.resource_request = info.is_resource;
  a.group = info.group;
  a.version = info.version;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.name = info.name;
  a.namespace_ = info.namespace_;
  a.path = info.path;
  return a;
}

std::string Attributes::ResourceWithSubresource() const {
  return subresource.empty() ? resource : resource + "/" + subresource;
}

std::vector<PolicyRule> ParseRules(const json::value& rules) {
  std::vector<PolicyRule> out;
  if (!rules.is_array()) return out;
  for (const auto& r : rules.get_array()) {
    if (!r.is_object()) continue;
    const json::object& o = r.get_object();
    out.push_back({Strings(o, "verbs"), Strings(o, "apiGroups"), Strings(o, "resources"),
                   Strings(o, "resourceNames"), Strings(o, "nonResourceURLs")});
  }
  return out;
}

std::vector<Subject> ParseSubjects(const json::value& subjects) {
  std::vector<Subject> out;
  if (!subjects.is_array()) return out;
  for (const auto& s : subjects.get_array()) {
    if (!s.is_object()) continue;
    const json::object& o = s.get_object();
    out.push_back({String(o, "kind"), String(o, "name"), String(o, "namespace")});
  }
  return out;
}

RoleRef ParseRoleRef(const json::value& role_ref) {
  if (!role_ref.is_object()) return {};
  return {String(role_ref.get_object(), "kind"), String(role_ref.get_object(), "name")};
}

json::object RuleToJson(const PolicyRule& r) {
  json::object o;
  o["verbs"] = ToArray(r.verbs);
  if (!r.api_groups.empty()) o["apiGroups"] = ToArray(r.api_groups);
  if (!r.resources.empty()) o["resources"] = ToArray(r.resources);
  if (!r.resource_names.empty()) o["resourceNames"] = ToArray(r.resource_names);
  if (!r.non_resource_urls.empty()) o["nonResourceURLs"] = ToArray(r.non_resource_urls);
  return o;
}

json::array RulesToJson(const std::vector<PolicyRule>& rules) {
  json::array a;
  for (const auto& r : rules) a.emplace_back(RuleToJson(r));
  return a;
}

bool RuleAllows(const PolicyRule& rule, const Attributes& a) {
  if (!HasOrStar(rule.verbs, a.verb)) return false;
  if (!a.resource_request) return UrlMatches(rule.non_resource_urls, a.path);
  if (!HasOrStar(rule.api_groups, a.group)) return false;
  if (!ResourceMatches(rule.resources, a.resource, a.subresource)) return false;
  return rule.resource_names.empty() || Has(rule.resource_names, a.name);
}

bool RulesAllow(const std::vector<PolicyRule>& rules, const Attributes& a) {
  return std::any_of(rules.begin(), rules.end(),
                     [&](const PolicyRule& r) { return RuleAllows(r, a); });
}

bool SubjectMatches(const Subject& s, const UserInfo& user, std::string_view binding_namespace) {
  if (s.kind == "User") return s.name == user.name;
  if (s.kind == "Group") return user.InGroup(s.name);
  if (s.kind == "ServiceAccount") {
    std::string_view ns = s.namespace_.empty() ? binding_namespace : s.namespace_;
    if (ns.empty()) return false;
    return user.name == "system:serviceaccount:" + std::string(ns) + ":" + s.name;
  }
  return false;
}

namespace {

// One permission of a rule against the owner's rules.
bool OwnerAllowsResource(const std::vector<PolicyRule>& owner, const std::string& verb,
                         const std::string& group, const std::string& resource,
                         const std::string& name) {
  for (const auto& o : owner) {
    if (!HasOrStar(o.verbs, verb) || !HasOrStar(o.api_groups, group)) continue;
    bool resource_ok = false;
    for (const auto& r : o.resources) {
      if (r == "*" || r == resource) resource_ok = true;
      auto slash = resource.find('/');
      if (slash != std::string::npos) {
        if (r == resource.substr(0, slash) + "/*" || r == "*" + resource.substr(slash)) {
          resource_ok = true;
        }
      }
    }
    if (!resource_ok) continue;
    if (o.resource_names.empty() || (!name.empty() && Has(o.resource_names, name))) return true;
  }
  return false;
}

bool OwnerAllowsUrl(const std::vector<PolicyRule>& owner, const std::string& verb,
                    const std::string& url) {
  for (const auto& o : owner) {
    if (!HasOrStar(o.verbs, verb)) continue;
    for (const auto& u : o.non_resource_urls) {
      if (u == "*" || u == url) return true;
      if (!u.empty() && u.back() == '*' && url.size() >= u.size() - 1 &&
          url.compare(0, u.size() - 1, u, 0, u.size() - 1) == 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool Covers(const std::vector<PolicyRule>& owner, const PolicyRule& requested) {
  for (const auto& verb : requested.verbs) {
    for (const auto& url : requested.non_resource_urls) {
      if (!OwnerAllowsUrl(owner, verb, url)) return false;
    }
    for (const auto& group : requested.api_groups) {
      for (const auto& resource : requested.resources) {
        if (requested.resource_names.empty()) {
          if (!OwnerAllowsResource(owner, verb, group, resource, "")) return false;
        }
        for (const auto& name : requested.resource_names) {
          if (!OwnerAllowsResource(owner, verb, group, resource, name)) return false;
        }
      }
    }
  }
  return true;
}

std::vector<PolicyRule> Uncovered(const std::vector<PolicyRule>& owner,
                                  const std::vector<PolicyRule>& requested) {
  std::vector<PolicyRule> out;
  for (const auto& r : requested) {
    if (!Covers(owner, r)) out.push_back(r);
  }
  return out;
}

UserInfo WithImplicitGroups(const UserInfo& user) {
  UserInfo u = user;
  if (u.name == "system:anonymous" || u.name.empty()) {
    if (!u.InGroup("system:unauthenticated")) u.groups.push_back("system:unauthenticated");
  } else if (!u.InGroup("system:authenticated")) {
    u.groups.push_back("system:authenticated");
  }
  return u;
}

}  // namespace carrier::apiserver::authz
