// The embedded CRD manifests pass the CRD strategy, and installing them is idempotent.
#include "hosted/crds.h"

#include <gtest/gtest.h>

#include "storage/sqlite_test_util.h"

namespace carrier::hosted {
namespace {

TEST(HostedCrdsTest, InstallIsValidAndIdempotent) {
  storage::testing::ScratchStore store;
  EXPECT_EQ(EmbeddedManifests().size(), 4u);
  Status st = InstallManagementCrds(*store);
  ASSERT_TRUE(st.ok()) << st.message();
  st = InstallHostedClusterCrds(*store, "clusters-example");
  ASSERT_TRUE(st.ok()) << st.message();
  const std::string hc = "/root/apiextensions.k8s.io/customresourcedefinitions/hostedclusters.hypershift.openshift.io";
  auto first = store->Get(hc);
  ASSERT_TRUE(first.ok() && first->kv);
  EXPECT_NE(first->kv->value.find("\"Established\""), std::string::npos);
  ASSERT_TRUE(InstallManagementCrds(*store).ok());  // a restart: nothing to write
  auto second = store->Get(hc);
  ASSERT_TRUE(second.ok() && second->kv);
  EXPECT_EQ(second->kv->mod_revision, first->kv->mod_revision);
  EXPECT_TRUE(store->Get("/root/apiextensions.k8s.io/customresourcedefinitions/nodepools.hypershift.openshift.io")->kv);
  EXPECT_TRUE(store->Get("/root/apiextensions.k8s.io/customresourcedefinitions/hostedcontrolplanes.hypershift.openshift.io")->kv);
  EXPECT_TRUE(store->Get("/clusters-example/apiextensions.k8s.io/customresourcedefinitions/clusterversions.config.openshift.io")->kv);
  EXPECT_EQ(InstallCrds(*store, "root", {"missing.yaml"}).code(), Code::kInternal);
}

}  // namespace
}  // namespace carrier::hosted
