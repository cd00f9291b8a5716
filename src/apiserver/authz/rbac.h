#pragma once
// RBAC's vocabulary (rbac.authorization.k8s.io/v1) and its pure decisions: what a request
// asks (Attributes), rules, subjects and role references parsed from stored objects, whether
// a rule allows a request, whether a subject names a user, and whether one set of rules
// covers another (escalation prevention). No state, no I/O: the authorizer and the access
// reviews build on these, and the unit tests exercise them directly.

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/request_info.h"
#include "apiserver/user_info.h"

namespace carrier::apiserver::authz {

// What a request asks to do (Kubernetes' authorizer.Attributes).
struct Attributes {
  std::string verb;
  bool resource_request = false;
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string name;
  std::string namespace_;
  std::string path;  // non-resource requests

  static Attributes From(const RequestInfo& info);
  // "pods" or "pods/log".
  std::string ResourceWithSubresource() const;
};

struct PolicyRule {
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
  std::vector<std::string> resource_names;
  std::vector<std::string> non_resource_urls;

  bool operator==(const PolicyRule&) const = default;
};

struct Subject {
  std::string kind;  // User, Group, ServiceAccount
  std::string name;
  std::string namespace_;
};

struct RoleRef {
  std::string kind;  // Role or ClusterRole
  std::string name;
};

// Tolerant readers: fields of the wrong type are treated as absent.
std::vector<PolicyRule> ParseRules(const boost::json::value& rules);
std::vector<Subject> ParseSubjects(const boost::json::value& subjects);
RoleRef ParseRoleRef(const boost::json::value& role_ref);
boost::json::array RulesToJson(const std::vector<PolicyRule>& rules);
boost::json::object RuleToJson(const PolicyRule& rule);

// Whether `rule` allows the request.
bool RuleAllows(const PolicyRule& rule, const Attributes& a);
bool RulesAllow(const std::vector<PolicyRule>& rules, const Attributes& a);

// Whether a binding's subject names the user. `binding_namespace` is the namespace of a
// RoleBinding ("" for a ClusterRoleBinding): a ServiceAccount subject without a namespace
// means that one.
bool SubjectMatches(const Subject& s, const UserInfo& user, std::string_view binding_namespace);

// Whether every permission of `requested` is granted by some rule of `owner` (rules are
// broken down to single verb/group/resource/name or verb/URL permissions first).
bool Covers(const std::vector<PolicyRule>& owner, const PolicyRule& requested);
// The rules of `requested` that `owner` does not cover.
std::vector<PolicyRule> Uncovered(const std::vector<PolicyRule>& owner,
                                  const std::vector<PolicyRule>& requested);

// A user's groups as RBAC sees them: authenticated users are in system:authenticated,
// system:anonymous in system:unauthenticated, whether or not the authenticator said so.
UserInfo WithImplicitGroups(const UserInfo& user);

}  // namespace carrier::apiserver::authz
