#pragma once
// The authorizer of every logical cluster: system:masters is a superuser, then the node
// authorizer (node_authorizer.h) for kubelet identities, then RBAC over the cluster's
// Roles, ClusterRoles (aggregated), RoleBindings and ClusterRoleBindings.
//
// Per-cluster state is built lazily, the first time a request of that cluster is
// authorized, from the watch cache; it is invalidated by watches on the four RBAC
// collections and by Invalidate() (called before an RBAC write through this process) and
// rebuilt on the next request. An idle cluster that was never asked costs nothing.
//
// The bootstrap policy (bootstrap_policy.h) is materialised as ordinary objects in a
// cluster at its first evaluation (so it is listed, described and editable there), once:
// a marker key /<cluster>/_carrier/bootstrap/rbac records the policy version, so a
// deleted bootstrap role stays deleted until the policy version changes. Compiled rule sets
// are interned by content: every cluster whose `view` is unchanged shares one compiled copy.
//
// Aggregated ClusterRoles (aggregationRule) evaluate to the union of the rules of the
// ClusterRoles their selectors match; when that differs from the stored rules the stored
// object is updated (compare-and-swap), so `kubectl get clusterrole view -o yaml` shows them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/status_json.h"
#include "apiserver/authz/rbac.h"
#include "storage/store.h"

namespace carrier::apiserver::authz {

struct Decision {
  bool allowed = false;
  std::string reason;  // why, when RBAC or the node authorizer can say
};

class Authorizer {
 public:
  explicit Authorizer(storage::Store& store);
  ~Authorizer();

  Decision Authorize(const std::string& cluster, const UserInfo& user, const Attributes& a);

  // Every rule that applies to the user in `ns` (cluster-wide rules included), for
  // SelfSubjectRulesReview and escalation checks.
  std::vector<PolicyRule> RulesFor(const std::string& cluster, const UserInfo& user,
                                   const std::string& ns);
  // The effective rules of a role reference (a Role in `ns` or a ClusterRole); nullopt when
  // the role does not exist.
  std::optional<std::vector<PolicyRule>> RoleRules(const std::string& cluster, const RoleRef& ref,
                                                   const std::string& ns);

  // Impersonation, for the authentication layer: may `user` impersonate `target`?
  //   kind "users", "groups", "serviceaccounts" (ns = the account's namespace), "uids",
  //   or "userextras/<key>" with name the value.
  // kForbidden with Kubernetes' message when not.
  Status AuthorizeImpersonation(const std::string& cluster, const UserInfo& user,
                                const std::string& kind, const std::string& name,
                                const std::string& ns = "");

  // The cluster's RBAC objects are about to change through this process.
  void Invalidate(const std::string& cluster);
  // The cluster was deleted.
  void Forget(const std::string& cluster);

  // How many distinct compiled rule sets are alive (clusters with the same roles share them).
  size_t CompiledRuleSets() const;

  struct Policy;
  struct Entry;

 private:
  std::shared_ptr<const Policy> PolicyOf(const std::string& cluster);
  std::shared_ptr<Entry> EntryOf(const std::string& cluster);
  void Load(const std::string& cluster, Entry& entry);
  Status Materialise(const std::string& cluster);
  std::shared_ptr<const std::vector<PolicyRule>> Intern(std::vector<PolicyRule> rules);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Attributes of an impersonation check (see AuthorizeImpersonation).
Attributes ImpersonationAttributes(const std::string& kind, const std::string& name,
                                   const std::string& ns);

// Kubernetes' 403 for a denied request:
//   pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the
//   namespace "default"
//   forbidden: User "alice" cannot get path "/foo"
api::ApiError ForbiddenError(const UserInfo& user, const Attributes& a,
                             const std::string& reason = "");

}  // namespace carrier::apiserver::authz
