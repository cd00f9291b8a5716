// The NodePool controller's conditions, reconciled directly against a real SQLite store.
#include "hosted/node_pool_controller.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "hosted/validation.h"
#include "storage/sqlite_test_util.h"

namespace carrier::hosted {
namespace {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::ObjectAt;
using controllers::StringAt;

class NodePoolControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<NodePoolController>(*store_);
  }
  void Put(const std::string& key, const std::string& text) {
    ASSERT_TRUE(controllers::CreateObject(*store_, key, json::parse(text).as_object()).ok());
  }
  void HostedCluster(const std::string& version) {
    Put("/root/hypershift.openshift.io/hostedclusters/clusters/example",
        R"({"metadata":{"name":"example","namespace":"clusters"},"spec":{"release":{"image":"quay.io/ocp-release:)" +
            version + R"(-x86_64"}}})");
  }
  void Pool(const std::string& name, const std::string& spec) {
    Put("/root/hypershift.openshift.io/nodepools/clusters/" + name,
        R"({"metadata":{"name":")" + name + R"(","namespace":"clusters"},"spec":)" + spec + "}");
  }
  // "<status> <reason>: <message>" of a condition after one reconcile.
  std::string Condition(const std::string& pool, std::string_view type) {
    std::chrono::milliseconds requeue{0};
    EXPECT_TRUE(controller_->Reconcile("clusters/" + pool, requeue).ok());
    auto got = controllers::GetObject(*store_, "/root/hypershift.openshift.io/nodepools/clusters/" + pool);
    if (!got.ok() || !*got) return "<no pool>";
    if (const json::array* conditions = ArrayAt(ObjectAt((*got)->object, "status"), "conditions")) {
      for (const auto& c : *conditions) {
        if (StringAt(c.if_object(), "type") == type) {
          return StringAt(c.if_object(), "status") + " " + StringAt(c.if_object(), "reason") + ": " +
                 StringAt(c.if_object(), "message");
        }
      }
    }
    return "<absent>";
  }
  static std::string Spec(const std::string& version, const std::string& extra = "") {
    return R"({"clusterName":"example","release":{"image":"quay.io/ocp-release:)" + version +
           R"(-x86_64"},"platform":{"type":"None"},"management":{"upgradeType":"Replace"})" + extra + "}";
  }

  storage::testing::ScratchStore store_;
  std::unique_ptr<NodePoolController> controller_;
};

TEST_F(NodePoolControllerTest, VersionSkewMayLagThreeMinorsAndNeverLead) {
  HostedCluster("4.17.2");
  Pool("same", Spec("4.17.2", R"(,"replicas":0)"));
  EXPECT_EQ(Condition("same", "SupportedVersionSkew"), "True AsExpected: Release image version is valid");
  EXPECT_EQ(Condition("same", "Ready"), "True AsExpected: ");
  Pool("lag3", Spec("4.14.0", R"(,"replicas":0)"));
  EXPECT_EQ(Condition("lag3", "SupportedVersionSkew"), "True AsExpected: Release image version is valid");
  Pool("lag4", Spec("4.13.9"));
  EXPECT_EQ(Condition("lag4", "SupportedVersionSkew"),
            "False UnsupportedSkew: NodePool minor version 4.13 is more than 3 minor versions behind "
            "the HostedCluster's 4.17");
  EXPECT_EQ(Condition("lag4", "Ready"),
            "False ValidationFailed: NodePool minor version 4.13 is more than 3 minor versions behind "
            "the HostedCluster's 4.17");
  Pool("newer", Spec("4.17.3"));
  EXPECT_EQ(Condition("newer", "SupportedVersionSkew"),
            "False UnsupportedSkew: NodePool version 4.17.3 cannot be newer than the HostedCluster's "
            "version 4.17.2");
}

TEST_F(NodePoolControllerTest, ClusterConfigAndScalingAreChecked) {
  Pool("orphan", Spec("4.17.0", R"(,"replicas":2)"));
  EXPECT_EQ(Condition("orphan", "Ready"),
            "False NotFound: HostedCluster \"example\" (spec.clusterName) not found in namespace \"clusters\"");
  HostedCluster("4.17.0");
  EXPECT_EQ(Condition("orphan", "Ready"),
            "False WaitingForAvailableMachines: Minimum availability requires 2 replicas, current 0 available");
  Pool("both", Spec("4.17.0", R"(,"replicas":2,"autoScaling":{"min":1,"max":3})"));
  EXPECT_EQ(Condition("both", "AutoscalingEnabled"),
            "False ValidationFailed: only one of spec.replicas or spec.autoScaling may be set");
  Pool("auto", Spec("4.17.0", R"(,"autoScaling":{"min":0,"max":3})"));
  EXPECT_EQ(Condition("auto", "AutoscalingEnabled"), "True AsExpected: ");
  Pool("config", Spec("4.17.0", R"(,"replicas":0,"config":[{"name":"kubelet-tuning"}])"));
  EXPECT_EQ(Condition("config", "ValidMachineConfig"),
            "False InvalidConfig: ConfigMap \"kubelet-tuning\" (spec.config) not found in namespace \"clusters\"");
  Put("/root/core/configmaps/clusters/kubelet-tuning", R"({"metadata":{"name":"kubelet-tuning","namespace":"clusters"}})");
  EXPECT_EQ(Condition("config", "ValidMachineConfig"), "True AsExpected: Machine configuration is valid");
  Pool("image", R"({"clusterName":"example","release":{"image":"bad image"},"platform":{"type":"None"}})");
  EXPECT_EQ(Condition("image", "ValidReleaseImage").rfind("False InvalidImage: spec.release.image \"bad image\"", 0), 0u);
}

TEST(VersionNumbersTest, ParsesAndOrders) {
  auto a = ParseVersionNumbers("4.17.0"), b = ParseVersionNumbers("4.17.10-rc.1");
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  EXPECT_FALSE(ParseVersionNumbers("4.17"));
  EXPECT_FALSE(ParseVersionNumbers("99999999999.1.0"));
}

}  // namespace
}  // namespace carrier::hosted
