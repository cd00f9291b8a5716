// RBAC: rule matching, subjects, coverage (escalation), Kubernetes' Forbidden messages, the
// authorizer over a store (bootstrap policy, bindings, aggregation, watches), the node
// authorizer and impersonation checks.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "apiserver/authz/access_review.h"
#include "apiserver/authz/bootstrap_policy.h"
#include "apiserver/authz/node_authorizer.h"
#include "apiserver/authz/rbac.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "policy_test_support.h"

namespace carrier::apiserver::authz {
namespace {

namespace json = boost::json;
using testing::PolicyStore;
using testing::WaitFor;

Attributes Res(std::string verb, std::string group, std::string resource, std::string ns = "",
               std::string name = "", std::string sub = "") {
  Attributes a;
  a.verb = std::move(verb);
  a.resource_request = true;
  a.group = std::move(group);
  a.resource = std::move(resource);
  a.namespace_ = std::move(ns);
  a.name = std::move(name);
  a.subresource = std::move(sub);
  return a;
}

Attributes Url(std::string verb, std::string path) {
  Attributes a;
  a.verb = std::move(verb);
  a.path = std::move(path);
  return a;
}

UserInfo User(std::string name, std::vector<std::string> groups = {}) {
  return UserInfo{std::move(name), "", std::move(groups), {}};
}

TEST(RuleMatching, VerbsGroupsResourcesAndNames) {
  PolicyRule r{{"get", "list"}, {""}, {"pods"}, {}, {}};
  EXPECT_TRUE(RuleAllows(r, Res("get", "", "pods", "default")));
  EXPECT_FALSE(RuleAllows(r, Res("create", "", "pods", "default")));
  EXPECT_FALSE(RuleAllows(r, Res("get", "apps", "pods")));
  EXPECT_FALSE(RuleAllows(r, Res("get", "", "pods", "default", "x", "log")));
  PolicyRule named{{"get"}, {""}, {"configmaps"}, {"a"}, {}};
  EXPECT_TRUE(RuleAllows(named, Res("get", "", "configmaps", "ns", "a")));
  EXPECT_FALSE(RuleAllows(named, Res("get", "", "configmaps", "ns", "b")));
  EXPECT_FALSE(RuleAllows(named, Res("get", "", "configmaps", "ns")));
}

TEST(RuleMatching, Wildcards) {
  PolicyRule all{{"*"}, {"*"}, {"*"}, {}, {}};
  EXPECT_TRUE(RuleAllows(all, Res("delete", "apps", "deployments", "x", "y", "scale")));
  PolicyRule sub{{"get"}, {""}, {"pods/*"}, {}, {}};
  EXPECT_TRUE(RuleAllows(sub, Res("get", "", "pods", "n", "p", "log")));
  EXPECT_FALSE(RuleAllows(sub, Res("get", "", "pods", "n", "p")));
  PolicyRule any_status{{"update"}, {"*"}, {"*/status"}, {}, {}};
  EXPECT_TRUE(RuleAllows(any_status, Res("update", "apps", "deployments", "n", "d", "status")));
  EXPECT_FALSE(RuleAllows(any_status, Res("update", "apps", "deployments", "n", "d", "scale")));
  PolicyRule exact_sub{{"get"}, {""}, {"pods/log"}, {}, {}};
  EXPECT_TRUE(RuleAllows(exact_sub, Res("get", "", "pods", "n", "p", "log")));
}

TEST(RuleMatching, NonResourceUrls) {
  PolicyRule r{{"get"}, {}, {}, {}, {"/healthz", "/apis/*"}};
  EXPECT_TRUE(RuleAllows(r, Url("get", "/healthz")));
  EXPECT_TRUE(RuleAllows(r, Url("get", "/apis/apps/v1")));
  EXPECT_FALSE(RuleAllows(r, Url("get", "/healthz/etcd")));
  EXPECT_FALSE(RuleAllows(r, Url("post", "/healthz")));
  EXPECT_FALSE(RuleAllows(r, Res("get", "", "pods")));  // URLs never grant resources
}

TEST(Subjects, UsersGroupsAndServiceAccounts) {
  UserInfo sa = User("system:serviceaccount:team:builder", {"system:serviceaccounts"});
  EXPECT_TRUE(SubjectMatches({"ServiceAccount", "builder", ""}, sa, "team"));
  EXPECT_FALSE(SubjectMatches({"ServiceAccount", "builder", ""}, sa, "other"));
  EXPECT_FALSE(SubjectMatches({"ServiceAccount", "builder", ""}, sa, ""));
  EXPECT_TRUE(SubjectMatches({"ServiceAccount", "builder", "team"}, sa, ""));
  EXPECT_TRUE(SubjectMatches({"Group", "system:serviceaccounts", ""}, sa, ""));
  EXPECT_FALSE(SubjectMatches({"User", "builder", ""}, sa, ""));
  EXPECT_TRUE(WithImplicitGroups(User("alice")).InGroup("system:authenticated"));
  EXPECT_TRUE(WithImplicitGroups(User("system:anonymous")).InGroup("system:unauthenticated"));
}

TEST(Escalation, CoverageIsPerPermission) {
  std::vector<PolicyRule> owner{{{"get", "list"}, {""}, {"pods"}, {}, {}},
                                {{"get"}, {""}, {"configmaps"}, {"settings"}, {}},
                                {{"get"}, {}, {}, {}, {"/metrics/*"}}};
  EXPECT_TRUE(Covers(owner, {{"get"}, {""}, {"pods"}, {}, {}}));
  EXPECT_FALSE(Covers(owner, {{"get", "create"}, {""}, {"pods"}, {}, {}}));
  EXPECT_TRUE(Covers(owner, {{"get"}, {""}, {"configmaps"}, {"settings"}, {}}));
  EXPECT_FALSE(Covers(owner, {{"get"}, {""}, {"configmaps"}, {}, {}}));  // all names
  EXPECT_TRUE(Covers(owner, {{"get"}, {}, {}, {}, {"/metrics/cpu"}}));
  EXPECT_FALSE(Covers(owner, {{"get"}, {}, {}, {}, {"/debug"}}));
  EXPECT_TRUE(
      Covers({{{"*"}, {"*"}, {"*"}, {}, {}}}, {{"delete"}, {"apps"}, {"deployments"}, {}, {}}));
  auto missing =
      Uncovered(owner, {{{"get"}, {""}, {"pods"}, {}, {}}, {{"delete"}, {""}, {"pods"}, {}, {}}});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].verbs, std::vector<std::string>{"delete"});
}

TEST(Forbidden, KubernetesMessages) {
  EXPECT_EQ(ForbiddenError(User("alice"), Res("create", "", "pods", "default")).status.message(),
            "pods is forbidden: User \"alice\" cannot create resource \"pods\" in API group \"\" "
            "in the namespace \"default\"");
  EXPECT_EQ(ForbiddenError(User("alice"), Res("get", "apps", "deployments", "", "web", "scale"))
                .status.message(),
            "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource "
            "\"deployments/scale\" in API group \"apps\" at the cluster scope");
  EXPECT_EQ(ForbiddenError(User("bob"), Url("get", "/metrics")).status.message(),
            "forbidden: User \"bob\" cannot get path \"/metrics\"");
  auto e = ForbiddenError(User("alice"), Res("list", "", "secrets", "kube-system"));
  EXPECT_EQ(e.status.code(), Code::kForbidden);
  EXPECT_EQ(e.details.kind, "secrets");
}

class AuthorizerTest : public ::testing::Test {
 protected:
  PolicyStore db;
  Authorizer authz{db.store()};
};

TEST_F(AuthorizerTest, BootstrapPolicyIsMaterialisedOnFirstUse) {
  EXPECT_FALSE(db.Get("c1", "rbac.authorization.k8s.io", "clusterroles", "", "view"));
  EXPECT_TRUE(
      authz.Authorize("c1", User("system:admin", {"system:masters"}), Res("list", "", "pods"))
          .allowed);
  for (const auto& object : BootstrapPolicy()) {
    EXPECT_TRUE(db.Get("c1", "rbac.authorization.k8s.io", object.resource, "", object.name))
        << object.name;
  }
  // Aggregated roles carry the union of their parts in the stored object too.
  auto view = db.Get("c1", "rbac.authorization.k8s.io", "clusterroles", "", "view");
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->at("rules").as_array().empty());
  // Another cluster is untouched until it is used.
  EXPECT_FALSE(db.Get("c2", "rbac.authorization.k8s.io", "clusterroles", "", "view"));
}

TEST_F(AuthorizerTest, ClustersShareCompiledBootstrapRules) {
  authz.Authorize("c1", User("alice"), Url("get", "/api"));
  const size_t one = authz.CompiledRuleSets();
  EXPECT_GT(one, 10u);
  for (int i = 2; i <= 20; ++i) {
    authz.Authorize("c" + std::to_string(i), User("alice"), Url("get", "/api"));
  }
  EXPECT_EQ(authz.CompiledRuleSets(), one);  // twenty clusters, one compiled copy
  // A cluster that edits a role gets its own copy of that role only.
  db.Put("c7", "rbac.authorization.k8s.io", "clusterroles",
         R"({"metadata":{"name":"system:discovery"},
             "rules":[{"nonResourceURLs":["/api"],"verbs":["get"]}]})");
  authz.Invalidate("c7");
  authz.Authorize("c7", User("alice"), Url("get", "/api"));
  EXPECT_EQ(authz.CompiledRuleSets(), one + 1);
}

TEST_F(AuthorizerTest, DefaultBindings) {
  EXPECT_TRUE(authz.Authorize("c1", User("alice"), Url("get", "/apis")).allowed);
  EXPECT_TRUE(authz.Authorize("c1", User("alice"), Url("get", "/version")).allowed);
  EXPECT_TRUE(authz.Authorize("c1", User("system:anonymous"), Url("get", "/healthz")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("system:anonymous"), Url("get", "/apis")).allowed);
  EXPECT_TRUE(authz
                  .Authorize("c1", User("alice"),
                             Res("create", "authorization.k8s.io", "selfsubjectaccessreviews"))
                  .allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Res("list", "", "pods", "default")).allowed);
  EXPECT_TRUE(
      authz.Authorize("c1", User("x", {"system:masters"}), Url("post", "/anything")).allowed);
}

TEST_F(AuthorizerTest, RoleBindingOfViewInOneNamespace) {
  db.Put("c1", "rbac.authorization.k8s.io", "rolebindings",
         R"({"metadata":{"name":"alice-view","namespace":"team"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]})");
  authz.Invalidate("c1");
  EXPECT_TRUE(authz.Authorize("c1", User("alice"), Res("list", "", "pods", "team")).allowed);
  EXPECT_TRUE(
      authz.Authorize("c1", User("alice"), Res("get", "apps", "deployments", "team", "w")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Res("create", "", "pods", "team")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Res("get", "", "secrets", "team")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Res("list", "", "pods", "other")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Res("list", "", "pods")).allowed);
  // A cluster is its own world.
  EXPECT_FALSE(authz.Authorize("c2", User("alice"), Res("list", "", "pods", "team")).allowed);
}

TEST_F(AuthorizerTest, RolesAndWatchInvalidation) {
  ASSERT_FALSE(authz.Authorize("c1", User("bob"), Res("get", "", "configmaps", "ns", "a")).allowed);
  // Written behind the authorizer's back: the watch makes the next evaluation see it.
  db.Put("c1", "rbac.authorization.k8s.io", "roles",
         R"({"metadata":{"name":"cm-a","namespace":"ns"},
             "rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"],"verbs":["get"]}]})");
  db.Put("c1", "rbac.authorization.k8s.io", "rolebindings",
         R"({"metadata":{"name":"bob","namespace":"ns"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-a"},
             "subjects":[{"kind":"User","name":"bob"}]})");
  EXPECT_TRUE(WaitFor([&] {
    return authz.Authorize("c1", User("bob"), Res("get", "", "configmaps", "ns", "a")).allowed;
  }));
  EXPECT_FALSE(authz.Authorize("c1", User("bob"), Res("get", "", "configmaps", "ns", "b")).allowed);
}

TEST_F(AuthorizerTest, AggregationFollowsLabelledRoles) {
  db.Put("c1", "rbac.authorization.k8s.io", "clusterrolebindings",
         R"({"metadata":{"name":"carol-view"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"User","name":"carol"}]})");
  authz.Invalidate("c1");
  auto widgets = Res("list", "example.com", "widgets", "ns");
  EXPECT_FALSE(authz.Authorize("c1", User("carol"), widgets).allowed);
  db.Put("c1", "rbac.authorization.k8s.io", "clusterroles",
         R"({"metadata":{"name":"widget-viewer",
             "labels":{"rbac.authorization.k8s.io/aggregate-to-view":"true"}},
             "rules":[{"apiGroups":["example.com"],"resources":["widgets"],"verbs":["list"]}]})");
  authz.Invalidate("c1");
  EXPECT_TRUE(authz.Authorize("c1", User("carol"), widgets).allowed);
  // view aggregates into edit, edit into admin.
  auto admin = authz.RoleRules("c1", {"ClusterRole", "admin"}, "");
  ASSERT_TRUE(admin);
  EXPECT_TRUE(RulesAllow(*admin, widgets));
  auto stored = db.Get("c1", "rbac.authorization.k8s.io", "clusterroles", "", "view");
  ASSERT_TRUE(stored);
  EXPECT_NE(json::serialize(stored->at("rules")).find("widgets"), std::string::npos);
}

TEST_F(AuthorizerTest, DeletedBootstrapRoleStaysDeleted) {
  authz.Authorize("c1", User("alice"), Url("get", "/api"));
  auto key = ObjectKey("c1", PolicyStore::Type("rbac.authorization.k8s.io", "clusterroles"), "",
                       "system:discovery");
  ASSERT_TRUE(db.store().Delete(key).ok());
  authz.Invalidate("c1");
  EXPECT_FALSE(authz.Authorize("c1", User("alice"), Url("get", "/api")).allowed);
  EXPECT_FALSE(db.Get("c1", "rbac.authorization.k8s.io", "clusterroles", "", "system:discovery"));
}

TEST_F(AuthorizerTest, Impersonation) {
  EXPECT_EQ(authz.AuthorizeImpersonation("c1", User("alice"), "users", "bob").code(),
            Code::kForbidden);
  EXPECT_EQ(authz.AuthorizeImpersonation("c1", User("alice"), "users", "bob").message(),
            "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in "
            "API group \"\" at the cluster scope");
  db.Put("c1", "rbac.authorization.k8s.io", "clusterroles",
         R"({"metadata":{"name":"impersonator"},
             "rules":[{"apiGroups":[""],"resources":["users","groups"],"verbs":["impersonate"]},
                      {"apiGroups":["authentication.k8s.io"],"resources":["userextras/scopes"],"verbs":["impersonate"]}]})");
  db.Put("c1", "rbac.authorization.k8s.io", "clusterrolebindings",
         R"({"metadata":{"name":"alice-impersonates"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"impersonator"},
             "subjects":[{"kind":"User","name":"alice"}]})");
  authz.Invalidate("c1");
  EXPECT_TRUE(authz.AuthorizeImpersonation("c1", User("alice"), "users", "bob").ok());
  EXPECT_TRUE(authz.AuthorizeImpersonation("c1", User("alice"), "groups", "devs").ok());
  EXPECT_TRUE(authz.AuthorizeImpersonation("c1", User("alice"), "userextras/scopes", "x").ok());
  EXPECT_FALSE(
      authz.AuthorizeImpersonation("c1", User("alice"), "serviceaccounts", "sa", "ns").ok());
}

TEST_F(AuthorizerTest, NodeAuthorizer) {
  UserInfo node = User("system:node:n1", {"system:nodes"});
  EXPECT_EQ(NodeNameOf(node), "n1");
  EXPECT_FALSE(NodeNameOf(User("system:node:n1")));  // not in system:nodes
  EXPECT_TRUE(authz.Authorize("c1", node, Res("update", "", "nodes", "", "n1", "status")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", node, Res("update", "", "nodes", "", "n2", "status")).allowed);
  EXPECT_TRUE(authz.Authorize("c1", node, Res("list", "", "nodes")).allowed);
  EXPECT_TRUE(
      authz
          .Authorize("c1", node,
                     Res("update", "coordination.k8s.io", "leases", "kube-node-lease", "n1"))
          .allowed);
  EXPECT_FALSE(
      authz
          .Authorize("c1", node,
                     Res("update", "coordination.k8s.io", "leases", "kube-node-lease", "n2"))
          .allowed);
  EXPECT_FALSE(authz.Authorize("c1", node, Res("list", "", "secrets", "ns")).allowed);
  EXPECT_FALSE(authz.Authorize("c1", node, Res("get", "", "secrets", "ns", "token")).allowed);
  db.Put("c1", "", "pods",
         R"({"metadata":{"name":"p","namespace":"ns"},
             "spec":{"nodeName":"n1","volumes":[{"name":"v","secret":{"secretName":"token"}}],
                     "containers":[{"name":"c","envFrom":[{"configMapRef":{"name":"env"}}]}]}})");
  EXPECT_TRUE(authz.Authorize("c1", node, Res("get", "", "secrets", "ns", "token")).allowed);
  EXPECT_TRUE(authz.Authorize("c1", node, Res("get", "", "configmaps", "ns", "env")).allowed);
  EXPECT_FALSE(authz
                   .Authorize("c1", User("system:node:n2", {"system:nodes"}),
                              Res("get", "", "secrets", "ns", "token"))
                   .allowed);
  EXPECT_FALSE(authz.Authorize("c1", node, Res("delete", "", "namespaces", "", "ns")).allowed);
}

TEST_F(AuthorizerTest, AccessReviews) {
  RequestInfo info;
  info.cluster = "c1";
  info.is_resource = true;
  info.group = "authorization.k8s.io";
  info.version = "v1";
  info.verb = "create";
  info.resource = "selfsubjectaccessreviews";
  ASSERT_TRUE(IsAccessReview(info));
  auto review = ReviewAccess(
      authz, info, User("alice"),
      R"({"spec":{"resourceAttributes":{"verb":"list","resource":"pods","namespace":"default"}}})");
  ASSERT_TRUE(review.ok()) << review.status().ToString();
  EXPECT_EQ(review->at("status").at("allowed").as_bool(), false);
  EXPECT_EQ(review->at("kind").as_string(), "SelfSubjectAccessReview");

  info.resource = "subjectaccessreviews";
  review = ReviewAccess(authz, info, User("admin", {"system:masters"}),
                        R"({"spec":{"user":"x","groups":["system:masters"],
                            "resourceAttributes":{"verb":"delete","resource":"nodes"}}})");
  ASSERT_TRUE(review.ok());
  EXPECT_EQ(review->at("status").at("allowed").as_bool(), true);

  info.resource = "localsubjectaccessreviews";
  info.namespace_ = "a";
  review = ReviewAccess(
      authz, info, User("admin"),
      R"({"spec":{"user":"x","resourceAttributes":{"verb":"get","resource":"pods","namespace":"b"}}})");
  EXPECT_EQ(review.status().code(), Code::kBadRequest);

  info.resource = "selfsubjectrulesreviews";
  info.namespace_ = "";
  review = ReviewAccess(authz, info, User("alice"), R"({"spec":{"namespace":"default"}})");
  ASSERT_TRUE(review.ok());
  std::string text = json::serialize(review->at("status"));
  EXPECT_NE(text.find("selfsubjectaccessreviews"), std::string::npos) << text;
  EXPECT_NE(text.find("/healthz"), std::string::npos) << text;
  EXPECT_EQ(review->at("status").at("incomplete").as_bool(), false);
}

}  // namespace
}  // namespace carrier::apiserver::authz
