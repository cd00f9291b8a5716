// The PodDisruptionBudget status the disruption controller computes, reconciled directly
// against a scratch store.
#include "controllers/disruption_controller.h"

#include "controllers/object_store_fixture.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using testing::At;

struct PodSpec {
  PodSpec(std::string n, bool r = true, bool d = false, std::string o = "")
      : name(std::move(n)), ready(r), deleting(d), owner(std::move(o)) {}
  std::string name;
  bool ready;
  bool deleting;
  std::string owner;  // an ownerReferences entry as JSON, or ""
};

std::string PodJson(const PodSpec& p) {
  std::string meta = R"({"name":")" + p.name + R"(","labels":{"app":"web"})";
  if (p.deleting) meta += R"(,"deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["x"])";
  if (!p.owner.empty()) meta += R"(,"ownerReferences":[)" + p.owner + "]";
  meta += "}";
  return R"({"apiVersion":"v1","kind":"Pod","metadata":)" + meta +
         R"(,"spec":{"nodeName":"n1"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":")" +
         (p.ready ? "True" : "False") + R"("}]}})";
}

std::string OwnerRef(std::string_view kind, std::string_view name, std::string_view uid) {
  return R"({"apiVersion":"apps/v1","kind":")" + std::string(kind) + R"(","name":")" +
         std::string(name) + R"(","uid":")" + std::string(uid) + R"(","controller":true})";
}

std::string Budget(std::string_view spec_fields, std::string_view status = "") {
  std::string s = R"({"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web"},)"
                  R"("spec":{"selector":{"matchLabels":{"app":"web"}},)" +
                  std::string(spec_fields) + "}";
  if (!status.empty()) s += R"(,"status":)" + std::string(status);
  return s + "}";
}

class DisruptionControllerTest : public testing::ObjectStoreTest {
 protected:
  // Reconciles the namespace and returns the budget's status.
  json::object Sync(std::chrono::milliseconds* requeue = nullptr) {
    DisruptionController controller(*store_);
    std::chrono::milliseconds after{0};
    EXPECT_TRUE(controller.Reconcile("c1/default", after).ok());
    if (requeue) *requeue = after;
    auto pdb = Get("policy", "poddisruptionbudgets", "web");
    EXPECT_TRUE(pdb && At(*pdb, {"status"}).is_object());
    return pdb ? At(*pdb, {"status"}).as_object() : json::object();
  }
  void Pods(const std::vector<PodSpec>& pods) {
    for (const auto& p : pods) Create("", "pods", PodJson(p));
  }
  static json::value Condition(const json::object& status, std::string_view field) {
    for (const auto& c : status.at("conditions").as_array()) {
      if (c.at("type") == "DisruptionAllowed") return At(c.as_object(), {field});
    }
    return nullptr;
  }
};

TEST_F(DisruptionControllerTest, MinAvailableCountsReadyPodsAndAllowsTheSurplus) {
  Pods({{"a"}, {"b"}, {"c"}});
  Create("", "pods", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"other","labels":{"app":"db"}},)"
                     R"("status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})");
  Create("policy", "poddisruptionbudgets", Budget(R"("minAvailable":2)"));
  json::object status = Sync();
  EXPECT_EQ(status.at("expectedPods"), 3);
  EXPECT_EQ(status.at("desiredHealthy"), 2);
  EXPECT_EQ(status.at("currentHealthy"), 3);
  EXPECT_EQ(status.at("disruptionsAllowed"), 1);
  EXPECT_EQ(status.at("observedGeneration"), 1);
  EXPECT_FALSE(status.contains("disruptedPods"));
  EXPECT_EQ(Condition(status, "status"), "True");
  EXPECT_EQ(Condition(status, "reason"), "SufficientPods");
  EXPECT_EQ(Condition(status, "observedGeneration"), 1);
}

TEST_F(DisruptionControllerTest, UnreadyAndDeletingPodsAreNotHealthy) {
  Pods({{"a"}, {"b", /*ready=*/false}, {"c", true, /*deleting=*/true}});
  Create("policy", "poddisruptionbudgets", Budget(R"("minAvailable":2)"));
  json::object status = Sync();
  EXPECT_EQ(status.at("expectedPods"), 3);
  EXPECT_EQ(status.at("currentHealthy"), 1);
  EXPECT_EQ(status.at("disruptionsAllowed"), 0);
  EXPECT_EQ(Condition(status, "status"), "False");
  EXPECT_EQ(Condition(status, "reason"), "InsufficientPods");
}

TEST_F(DisruptionControllerTest, NoPodsAllowNothing) {
  Create("policy", "poddisruptionbudgets", Budget(R"("maxUnavailable":1)"));
  json::object status = Sync();
  EXPECT_EQ(status.at("expectedPods"), 0);
  EXPECT_EQ(status.at("disruptionsAllowed"), 0);
}

TEST_F(DisruptionControllerTest, RecentEvictionsAreNotCountedUntilTheyExpire) {
  Pods({{"a"}, {"b"}, {"c"}});
  const std::string recent = apiserver::Rfc3339(std::chrono::system_clock::now());
  // "gone" no longer exists and "c"'s entry is older than the two minutes: both are dropped.
  Create("policy", "poddisruptionbudgets",
         Budget(R"("minAvailable":2)",
                R"({"disruptedPods":{"a":")" + recent +
                    R"(","c":"2026-01-01T00:00:00Z","gone":")" + recent + R"("}})"));
  std::chrono::milliseconds requeue{0};
  json::object status = Sync(&requeue);
  EXPECT_EQ(status.at("currentHealthy"), 2);
  EXPECT_EQ(status.at("disruptionsAllowed"), 0);
  ASSERT_TRUE(status.contains("disruptedPods"));
  EXPECT_EQ(json::serialize(status.at("disruptedPods")), R"({"a":")" + recent + R"("})");
  EXPECT_GT(requeue.count(), 0);  // looks again when a's entry expires
  EXPECT_LE(requeue, std::chrono::milliseconds(std::chrono::minutes(2) + std::chrono::seconds(1)));
}

TEST_F(DisruptionControllerTest, PercentagesScaleWithTheDeploymentOfTheReplicaSet) {
  const std::string deploy = Create("apps", "deployments",
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":4}})");
  const std::string rs = Create("apps", "replicasets",
      R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","ownerReferences":[)" +
          OwnerRef("Deployment", "web", deploy) + R"(]},"spec":{"replicas":3}})");
  const std::string owner = OwnerRef("ReplicaSet", "web-1", rs);
  Pods({{"a", true, false, owner}, {"b", true, false, owner}, {"c", true, false, owner},
        {"unmanaged"}});  // a pod without a controller is not scaled
  Create("policy", "poddisruptionbudgets", Budget(R"("maxUnavailable":"50%")"));
  json::object status = Sync();
  EXPECT_EQ(status.at("expectedPods"), 4);    // the Deployment's replicas, not the pods
  EXPECT_EQ(status.at("desiredHealthy"), 2);  // 4 - 50% of 4
  EXPECT_EQ(status.at("currentHealthy"), 4);
  EXPECT_EQ(status.at("disruptionsAllowed"), 2);
}

TEST_F(DisruptionControllerTest, MinAvailablePercentRoundsUpAgainstTheReplicaSet) {
  const std::string rs = Create("apps", "replicasets",
      R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1"},"spec":{"replicas":3}})");
  const std::string owner = OwnerRef("ReplicaSet", "web-1", rs);
  Pods({{"a", true, false, owner}, {"b", true, false, owner}, {"c", false, false, owner}});
  Create("policy", "poddisruptionbudgets", Budget(R"("minAvailable":"50%")"));
  json::object status = Sync();
  EXPECT_EQ(status.at("expectedPods"), 3);
  EXPECT_EQ(status.at("desiredHealthy"), 2);  // 1.5 rounded up
  EXPECT_EQ(status.at("currentHealthy"), 2);
  EXPECT_EQ(status.at("disruptionsAllowed"), 0);
}

TEST_F(DisruptionControllerTest, AnUnknownControllerFailsSafe) {
  Pods({{"a", true, false, OwnerRef("ReplicaSet", "missing", "u-1")}, {"b"}});
  Create("policy", "poddisruptionbudgets",
         Budget(R"("maxUnavailable":1)", R"({"disruptionsAllowed":3,"observedGeneration":1})"));
  json::object status = Sync();
  EXPECT_EQ(status.at("disruptionsAllowed"), 0);
  EXPECT_EQ(Condition(status, "reason"), "SyncFailed");
  EXPECT_EQ(Condition(status, "message"), "found no controllers for pod \"a\"");
}

TEST_F(DisruptionControllerTest, AnUnchangedStatusIsNotWrittenAgain) {
  Pods({{"a"}, {"b"}});
  Create("policy", "poddisruptionbudgets", Budget(R"("minAvailable":1)"));
  Sync();
  auto first = GetObject(*store_, Key("policy", "poddisruptionbudgets", "web"));
  Sync();
  auto second = GetObject(*store_, Key("policy", "poddisruptionbudgets", "web"));
  ASSERT_TRUE(first.ok() && *first && second.ok() && *second);
  EXPECT_EQ((*first)->revision, (*second)->revision);
}

}  // namespace
}  // namespace carrier::controllers
