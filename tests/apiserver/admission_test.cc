// The admission chain and each built-in plugin over a store: NamespaceLifecycle,
// ServiceAccount, NodeRestriction, LimitRanger, ResourceQuota, RBAC escalation prevention;
// quantities.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "apiserver/admission/admission.h"
#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/quantity.h"
#include "apiserver/admission/webhook_client.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "policy_test_support.h"

namespace carrier::apiserver::admission {
namespace {

namespace json = boost::json;
using testing::PolicyStore;

json::object Obj(std::string_view text) {
  auto v = api::DecodeJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? v->as_object() : json::object{};
}

class AdmissionTest : public ::testing::Test {
 protected:
  AdmissionTest() {
    chain.Add(NewNamespaceLifecycle(db.store()));
    chain.Add(NewLimitRanger(db.store()));
    chain.Add(NewServiceAccount(db.store()));
    chain.Add(NewNodeRestriction());
    chain.Add(NewRbacEscalation(authz));
    chain.Add(NewResourceQuota(db.store()));
    db.Put("c", "", "namespaces", R"({"metadata":{"name":"default"}})");
    db.Put("c", "", "namespaces", R"({"metadata":{"name":"team"}})");
  }

  // Runs the chain for a create of `object` (of `resource` in `ns`) by `user`.
  std::optional<api::ApiError> Create(std::string_view group, std::string_view resource,
                                      const std::string& ns, json::object& object,
                                      const UserInfo& user) {
    Request r;
    r.operation = Operation::kCreate;
    r.cluster = "c";
    r.type = &PolicyStore::Type(group, resource);
    r.namespace_ = ns;
    r.name = std::string(object["metadata"].as_object()["name"].as_string());
    r.user = &user;
    r.object = &object;
    return chain.Run(r);
  }

  PolicyStore db;
  authz::Authorizer authz{db.store()};
  Chain chain;
  UserInfo admin{"admin", "", {"system:masters"}, {}};
};

TEST_F(AdmissionTest, NamespaceLifecycle) {
  auto pod = Obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  auto e = Create("", "pods", "missing", pod, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.code(), Code::kNotFound);
  EXPECT_EQ(e->status.message(), "namespaces \"missing\" not found");

  db.Put("c", "", "namespaces",
         R"({"metadata":{"name":"going","deletionTimestamp":"2026-01-01T00:00:00Z"}})");
  e = Create("", "pods", "going", pod, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "pods \"p\" is forbidden: unable to create new content in namespace going because it "
            "is being terminated");

  json::object ns = Obj(R"({"metadata":{"name":"kube-system"}})");
  Request del;
  del.operation = Operation::kDelete;
  del.cluster = "c";
  del.type = &PolicyStore::Type("", "namespaces");
  del.name = "kube-system";
  del.user = &admin;
  del.old_object = &ns;
  e = chain.Run(del);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "namespaces \"kube-system\" is forbidden: this namespace may not be deleted");
  del.name = "team";
  EXPECT_FALSE(chain.Run(del));
}

TEST_F(AdmissionTest, PluginsCanBeDisabledByName) {
  auto pod = Obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  ASSERT_TRUE(Create("", "pods", "missing", pod, admin));
  ASSERT_TRUE(chain.Disable({"NamespaceLifecycle", "ServiceAccount"}).ok());
  EXPECT_FALSE(Create("", "pods", "missing", pod, admin));

  Status unknown = chain.Disable({"NoSuchPlugin"});
  EXPECT_EQ(unknown.code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.message().find("LimitRanger"), std::string::npos) << unknown.message();
  // Escalation prevention belongs to RBAC and stays on.
  EXPECT_EQ(chain.Disable({"RBACEscalation"}).code(), Code::kInvalidArgument);
}

TEST_F(AdmissionTest, ServiceAccountDefaultsAndMustExist) {
  auto pod = Obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  EXPECT_FALSE(Create("", "pods", "default", pod, admin));
  EXPECT_EQ(pod["spec"].as_object()["serviceAccountName"].as_string(), "default");
  EXPECT_TRUE(db.Get("c", "", "serviceaccounts", "default", "default"));

  auto named = Obj(
      R"({"metadata":{"name":"q"},"spec":{"serviceAccountName":"builder","containers":[{"name":"c"}]}})");
  auto e = Create("", "pods", "default", named, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "pods \"q\" is forbidden: error looking up service account default/builder: "
            "serviceaccount \"builder\" not found");
  db.Put("c", "", "serviceaccounts", R"({"metadata":{"name":"builder","namespace":"default"}})");
  EXPECT_FALSE(Create("", "pods", "default", named, admin));
}

TEST_F(AdmissionTest, NodeRestriction) {
  UserInfo node{"system:node:n1", "", {"system:nodes"}, {}};
  auto mine =
      Obj(R"({"metadata":{"name":"m"},"spec":{"nodeName":"n1","containers":[{"name":"c"}]}})");
  EXPECT_FALSE(Create("", "pods", "default", mine, node));
  auto theirs =
      Obj(R"({"metadata":{"name":"t"},"spec":{"nodeName":"n2","containers":[{"name":"c"}]}})");
  auto e = Create("", "pods", "default", theirs, node);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "pods \"t\" is forbidden: node \"n1\" can only create pods with spec.nodeName set to "
            "itself");

  auto other_node = Obj(R"({"metadata":{"name":"n2"}})");
  e = Create("", "nodes", "", other_node, node);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"");

  json::object old_node = Obj(R"({"metadata":{"name":"n1","labels":{"a":"b"}}})");
  json::object new_node = Obj(R"({"metadata":{"name":"n1","labels":{"a":"b",
      "node-restriction.kubernetes.io/pool":"x"}}})");
  Request update;
  update.operation = Operation::kUpdate;
  update.cluster = "c";
  update.type = &PolicyStore::Type("", "nodes");
  update.name = "n1";
  update.user = &node;
  update.old_object = &old_node;
  update.object = &new_node;
  e = chain.Run(update);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify labels: "
            "node-restriction.kubernetes.io/pool");
  new_node = Obj(R"({"metadata":{"name":"n1","labels":{"a":"c"}}})");
  EXPECT_FALSE(chain.Run(update));
}

TEST_F(AdmissionTest, LimitRangerDefaultsAndBounds) {
  db.Put("c", "", "limitranges",
         R"({"metadata":{"name":"lr","namespace":"team"},"spec":{"limits":[{"type":"Container",
             "default":{"cpu":"500m","memory":"256Mi"},"defaultRequest":{"cpu":"100m"},
             "max":{"cpu":"1"},"min":{"cpu":"50m"}}]}})");
  auto pod = Obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  EXPECT_FALSE(Create("", "pods", "team", pod, admin));
  const auto& res = pod["spec"].as_object()["containers"].as_array()[0].as_object().at("resources");
  EXPECT_EQ(res.at("limits").at("cpu").as_string(), "500m");
  EXPECT_EQ(res.at("limits").at("memory").as_string(), "256Mi");
  EXPECT_EQ(res.at("requests").at("cpu").as_string(), "100m");
  EXPECT_EQ(res.at("requests").at("memory").as_string(), "256Mi");

  auto big = Obj(R"({"metadata":{"name":"big"},"spec":{"containers":[{"name":"c",
      "resources":{"limits":{"cpu":"2"}}}]}})");
  auto e = Create("", "pods", "team", big, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
}

TEST_F(AdmissionTest, ResourceQuotaCountsAndCompute) {
  db.Put("c", "", "resourcequotas",
         R"({"metadata":{"name":"q","namespace":"team"},
             "spec":{"hard":{"pods":"1","requests.cpu":"1","count/configmaps":"1"}}})");
  auto p1 = Obj(R"({"metadata":{"name":"p1"},"spec":{"containers":[{"name":"c",
      "resources":{"requests":{"cpu":"600m"}}}]}})");
  EXPECT_FALSE(Create("", "pods", "team", p1, admin));
  auto quota = db.Get("c", "", "resourcequotas", "team", "q");
  ASSERT_TRUE(quota);
  EXPECT_EQ(quota->at("status").at("used").at("pods").as_string(), "1");
  EXPECT_EQ(quota->at("status").at("used").at("requests.cpu").as_string(), "600m");
  db.Put("c", "", "pods",
         json::serialize(
             json::object{{"metadata", json::object{{"name", "p1"}, {"namespace", "team"}}},
                          {"spec", p1["spec"]}}));

  auto p2 = Obj(R"({"metadata":{"name":"p2"},"spec":{"containers":[{"name":"c",
      "resources":{"requests":{"cpu":"600m"}}}]}})");
  auto e = Create("", "pods", "team", p2, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.code(), Code::kForbidden);
  EXPECT_EQ(e->status.message(),
            "pods \"p2\" is forbidden: exceeded quota: q, requested: pods=1,requests.cpu=600m, "
            "used: pods=1,requests.cpu=600m, limited: pods=1,requests.cpu=1");

  auto no_requests = Obj(R"({"metadata":{"name":"p3"},"spec":{"containers":[{"name":"c"}]}})");
  e = Create("", "pods", "team", no_requests, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "pods \"p3\" is forbidden: failed quota: q: must specify requests.cpu for: c");

  auto cm = Obj(R"({"metadata":{"name":"a"}})");
  EXPECT_FALSE(Create("", "configmaps", "team", cm, admin));
  db.Put("c", "", "configmaps", R"({"metadata":{"name":"a","namespace":"team"}})");
  auto cm2 = Obj(R"({"metadata":{"name":"b"}})");
  e = Create("", "configmaps", "team", cm2, admin);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.message(),
            "configmaps \"b\" is forbidden: exceeded quota: q, requested: count/configmaps=1, "
            "used: count/configmaps=1, limited: count/configmaps=1");
  // Other namespaces are not limited.
  auto elsewhere = Obj(R"({"metadata":{"name":"b"}})");
  EXPECT_FALSE(Create("", "configmaps", "default", elsewhere, admin));
}

TEST_F(AdmissionTest, EscalationPrevention) {
  db.Put("c", "rbac.authorization.k8s.io", "roles",
         R"({"metadata":{"name":"pod-reader","namespace":"team"},
             "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]},
                      {"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","rolebindings"],"verbs":["create"]}]})");
  db.Put("c", "rbac.authorization.k8s.io", "rolebindings",
         R"({"metadata":{"name":"dave","namespace":"team"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},
             "subjects":[{"kind":"User","name":"dave"}]})");
  authz.Invalidate("c");
  UserInfo dave{"dave", "", {"devs"}, {}};
  auto ok_role = Obj(R"({"metadata":{"name":"less","namespace":"team"},
      "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]})");
  EXPECT_FALSE(Create("rbac.authorization.k8s.io", "roles", "team", ok_role, dave));
  auto more = Obj(R"({"metadata":{"name":"more","namespace":"team"},
      "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","delete"]}]})");
  auto e = Create("rbac.authorization.k8s.io", "roles", "team", more, dave);
  ASSERT_TRUE(e);
  EXPECT_EQ(
      e->status.message(),
      "roles.rbac.authorization.k8s.io \"more\" is forbidden: user \"dave\" "
      "(groups=[\"devs\" \"system:authenticated\"]) is attempting to grant RBAC permissions "
      "not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"delete\"]}");
  auto bind_admin = Obj(R"({"metadata":{"name":"b","namespace":"team"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},
      "subjects":[{"kind":"User","name":"dave"}]})");
  e = Create("rbac.authorization.k8s.io", "rolebindings", "team", bind_admin, dave);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status.code(), Code::kForbidden);
  auto bind_same = Obj(R"({"metadata":{"name":"b2","namespace":"team"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},
      "subjects":[{"kind":"User","name":"erin"}]})");
  EXPECT_FALSE(Create("rbac.authorization.k8s.io", "rolebindings", "team", bind_same, dave));
  // `escalate` lifts the check.
  db.Put("c", "rbac.authorization.k8s.io", "roles",
         R"({"metadata":{"name":"escalator","namespace":"team"},
             "rules":[{"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"verbs":["escalate"]}]})");
  db.Put("c", "rbac.authorization.k8s.io", "rolebindings",
         R"({"metadata":{"name":"dave-escalates","namespace":"team"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"escalator"},
             "subjects":[{"kind":"User","name":"dave"}]})");
  authz.Invalidate("c");
  EXPECT_FALSE(Create("rbac.authorization.k8s.io", "roles", "team", more, dave));
}

TEST(Quantity, ParseAndFormat) {
  EXPECT_EQ(ParseQuantity("100m"), 0.1L);
  EXPECT_EQ(ParseQuantity("2"), 2.0L);
  EXPECT_EQ(ParseQuantity("1Gi"), 1024.0L * 1024 * 1024);
  EXPECT_EQ(ParseQuantity("1k"), 1000.0L);
  EXPECT_EQ(ParseQuantity("1e3"), 1000.0L);
  EXPECT_FALSE(ParseQuantity("abc"));
  EXPECT_FALSE(ParseQuantity("1Zi"));
  EXPECT_FALSE(ParseQuantity(""));
  EXPECT_EQ(FormatQuantity(0.6L), "600m");
  EXPECT_EQ(FormatQuantity(3), "3");
  EXPECT_EQ(FormatQuantity(256.0L * 1024 * 1024), "256Mi");
}

TEST(WebhookClient, Urls) {
  auto e = EndpointFromUrl("https://127.0.0.1:8443/validate?x=1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "8443");
  EXPECT_EQ(e->path, "/validate?x=1");
  EXPECT_FALSE(EndpointFromUrl("http://example.com/").ok());
  EXPECT_FALSE(EndpointFromUrl("not a url").ok());
  // Nothing listens on port 1: unavailable, quickly.
  auto down = EndpointFromUrl("https://127.0.0.1:1/");
  ASSERT_TRUE(down.ok());
  auto answer = PostJson(*down, "{}", std::chrono::seconds(5));
  EXPECT_EQ(answer.status().code(), Code::kUnavailable) << answer.status().ToString();
}

}  // namespace
}  // namespace carrier::apiserver::admission
