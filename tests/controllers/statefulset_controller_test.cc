#include "controllers/statefulset_controller.h"

#include <gtest/gtest.h>

#include "controllers/json_fields.h"
#include "controllers/workload_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using testing::Obj;
using testing::WorkloadStore;
using Names = std::set<std::string>;

std::string Set(int replicas, std::string_view policy = "OrderedReady", std::string_view image = "web:1",
                std::string_view extra = "") {
  return std::string(R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web","namespace":"ns","generation":1},
    "spec":{"replicas":)") + std::to_string(replicas) + R"(,"podManagementPolicy":")" + std::string(policy) +
         R"(","serviceName":"web","selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":")" +
         std::string(image) + R"("}]}},
      "volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"],
        "resources":{"requests":{"storage":"1Gi"}}}}])" +
         std::string(extra) + "}}";
}

class StatefulSetTest : public ::testing::Test {
 protected:
  void Reconcile() {
    std::chrono::milliseconds requeue{0};
    ASSERT_TRUE(controller_.Reconcile("c1/ns/web", requeue).ok());
  }
  Names Pods() { return store_.Names("", "pods", "ns"); }
  void SetSpec(std::string_view json) {
    auto set = store_.Get("apps", "statefulsets", "ns", "web");
    ASSERT_TRUE(set);
    (*set->object)["spec"] = Obj(json).at("spec");
    (*set->object)["metadata"].as_object()["generation"] = IntAt(ObjectAt(set->object, "metadata"), "generation", 1) + 1;
    ASSERT_TRUE(UpdateObject(*store_, *set).ok());
  }
  json::object Status() { return store_.Get("apps", "statefulsets", "ns", "web")->object->at("status").as_object(); }
  std::string Image(std::string_view pod) {
    return std::string(store_.Get("", "pods", "ns", pod)->object->at("spec").at("containers").at(0).at("image").as_string());
  }

  WorkloadStore store_;
  StatefulSetController controller_{*store_};
};

TEST(StatefulPodOrdinalTest, OnlyNameDashNumber) {
  EXPECT_EQ(StatefulPodOrdinal("web", "web-0"), 0);
  EXPECT_EQ(StatefulPodOrdinal("web", "web-12"), 12);
  EXPECT_EQ(StatefulPodOrdinal("web", "web-"), -1);
  EXPECT_EQ(StatefulPodOrdinal("web", "web-01"), -1);
  EXPECT_EQ(StatefulPodOrdinal("web", "web-x"), -1);
  EXPECT_EQ(StatefulPodOrdinal("web", "webs-1"), -1);
  EXPECT_EQ(StatefulPodOrdinal("web", "web-1-2"), -1);
}

TEST_F(StatefulSetTest, OrderedReadyCreatesOneAtATimeAfterThePreviousIsReady) {
  store_.Create("apps", "statefulsets", "ns", "web", Set(3));
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0"}));
  EXPECT_EQ(store_.Names("", "persistentvolumeclaims", "ns"), (Names{"www-web-0"}));
  Reconcile();  // web-0 is not ready yet: nothing more
  EXPECT_EQ(Pods(), (Names{"web-0"}));
  store_.MarkRunning("ns", "web-0");
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0", "web-1"}));
  store_.MarkRunning("ns", "web-1");
  Reconcile();
  store_.MarkRunning("ns", "web-2");
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0", "web-1", "web-2"}));
  EXPECT_EQ(store_.Names("", "persistentvolumeclaims", "ns"), (Names{"www-web-0", "www-web-1", "www-web-2"}));

  auto pod = store_.Get("", "pods", "ns", "web-1");
  const json::object status = Status();
  EXPECT_EQ(LabelOf(*pod->object, "statefulset.kubernetes.io/pod-name"), "web-1");
  EXPECT_EQ(LabelOf(*pod->object, "apps.kubernetes.io/pod-index"), "1");
  EXPECT_EQ(LabelOf(*pod->object, "controller-revision-hash"), status.at("updateRevision").as_string());
  EXPECT_EQ(StringAt(ObjectAt(pod->object, "spec"), "hostname"), "web-1");
  EXPECT_EQ(StringAt(ObjectAt(pod->object, "spec"), "subdomain"), "web");
  EXPECT_EQ(json::serialize(pod->object->at("spec").at("volumes")),
            R"([{"name":"www","persistentVolumeClaim":{"claimName":"www-web-1"}}])");
  EXPECT_EQ(status.at("replicas"), 3);
  EXPECT_EQ(status.at("readyReplicas"), 3);
  EXPECT_EQ(status.at("updatedReplicas"), 3);
  EXPECT_EQ(status.at("currentRevision"), status.at("updateRevision"));
  EXPECT_EQ(store_.Names("apps", "controllerrevisions", "ns").size(), 1u);
}

TEST_F(StatefulSetTest, OrderedScaleDownRemovesTheHighestOrdinalOneAtATimeAndKeepsClaims) {
  store_.Create("apps", "statefulsets", "ns", "web", Set(3, "Parallel"));
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0", "web-1", "web-2"}));  // Parallel: all at once
  for (const char* p : {"web-0", "web-1", "web-2"}) store_.MarkRunning("ns", p);
  SetSpec(Set(1));  // and OrderedReady from now on
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0", "web-1"}));
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0"}));
  EXPECT_EQ(store_.Names("", "persistentvolumeclaims", "ns"), (Names{"www-web-0", "www-web-1", "www-web-2"}));
}

TEST_F(StatefulSetTest, RollingUpdateFromTheHighestOrdinalDownToThePartition) {
  store_.Create("apps", "statefulsets", "ns", "web", Set(3, "Parallel"));
  Reconcile();
  for (const char* p : {"web-0", "web-1", "web-2"}) store_.MarkRunning("ns", p);
  Reconcile();
  const std::string first = std::string(Status().at("updateRevision").as_string());
  SetSpec(Set(3, "Parallel", "web:2", R"(,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}})"));
  Reconcile();
  EXPECT_EQ(Pods(), (Names{"web-0", "web-1"}));  // web-2 goes first
  Reconcile();
  EXPECT_EQ(Image("web-2"), "web:2");
  Reconcile();  // web-2 is not ready: web-1 waits
  EXPECT_EQ(Image("web-1"), "web:1");
  store_.MarkRunning("ns", "web-2");
  Reconcile();
  Reconcile();
  store_.MarkRunning("ns", "web-1");
  Reconcile();
  EXPECT_EQ(Image("web-1"), "web:2");
  EXPECT_EQ(Image("web-0"), "web:1");  // below the partition
  json::object status = Status();
  EXPECT_EQ(status.at("updatedReplicas"), 2);
  EXPECT_EQ(status.at("currentReplicas"), 1);
  EXPECT_EQ(status.at("currentRevision"), json::value(first));
  EXPECT_NE(status.at("updateRevision"), json::value(first));
  EXPECT_EQ(store_.Names("apps", "controllerrevisions", "ns").size(), 2u);
}

TEST_F(StatefulSetTest, GoingBackToAnOldTemplateRenumbersItsRevision) {
  store_.Create("apps", "statefulsets", "ns", "web", Set(1));
  Reconcile();
  const std::string first = std::string(Status().at("updateRevision").as_string());
  SetSpec(Set(1, "OrderedReady", "web:2"));
  Reconcile();
  SetSpec(Set(1, "OrderedReady", "web:1"));
  Reconcile();
  EXPECT_EQ(Status().at("updateRevision"), json::value(first));
  auto revision = store_.Get("apps", "controllerrevisions", "ns", first);
  ASSERT_TRUE(revision);
  EXPECT_EQ(revision->object->at("revision"), 3);
  EXPECT_EQ(revision->object->at("data").at("spec").at("template").at("$patch"), "replace");
}

TEST_F(StatefulSetTest, OnDeleteLeavesRunningPodsAlone) {
  store_.Create("apps", "statefulsets", "ns", "web", Set(1, "OrderedReady", "web:1", R"(,"updateStrategy":{"type":"OnDelete"})"));
  Reconcile();
  store_.MarkRunning("ns", "web-0");
  SetSpec(Set(1, "OrderedReady", "web:2", R"(,"updateStrategy":{"type":"OnDelete"})"));
  Reconcile();
  EXPECT_EQ(Image("web-0"), "web:1");
  auto pod = store_.Get("", "pods", "ns", "web-0");
  ASSERT_TRUE(DeleteObject(*store_, *pod).ok());
  Reconcile();
  EXPECT_EQ(Image("web-0"), "web:2");
}

}  // namespace
}  // namespace carrier::controllers
