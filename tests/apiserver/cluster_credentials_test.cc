// Per-cluster credentials: every logical cluster but root gets its own client CA and
// service-account key, kept in its record; a creator may supply its own.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cluster/logical_clusters.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::cluster {
namespace {

class ClusterCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions options;
    options.path = dir_.File("store.db");
    options.auto_compact = false;
    auto store = storage::OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  storage::testing::ScratchDir dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ClusterCredentialsTest, EachClusterHasItsOwn) {
  LogicalClusters clusters(*store_);
  auto root = GenerateClusterCredentials("root");
  ASSERT_TRUE(root.ok());
  clusters.SetRootCredentials(*root);
  ASSERT_TRUE(clusters.Create("a").ok());
  ASSERT_TRUE(clusters.Create("b").ok());
  auto a = clusters.Credentials("a");
  auto b = clusters.Credentials("b");
  auto r = clusters.Credentials("root");
  ASSERT_TRUE(a.ok() && b.ok() && r.ok());
  EXPECT_NE(a->client_ca.cert_pem, b->client_ca.cert_pem);
  EXPECT_NE(a->service_account_key_pem, b->service_account_key_pem);
  EXPECT_EQ(r->client_ca.cert_pem, root->client_ca.cert_pem);
  EXPECT_NE(a->client_ca.cert_pem, r->client_ca.cert_pem);
  // Stable: read again from the record, also by another instance (another replica).
  LogicalClusters other(*store_);
  EXPECT_EQ(other.Credentials("a")->client_ca.cert_pem, a->client_ca.cert_pem);
  EXPECT_EQ(clusters.Credentials("missing").status().code(), Code::kNotFound);
  // Deleted and created again: new credentials, the old ones are worthless.
  ASSERT_TRUE(clusters.Delete("a").ok());
  EXPECT_EQ(clusters.Credentials("a").status().code(), Code::kNotFound);
  ASSERT_TRUE(clusters.Create("a").ok());
  EXPECT_NE(clusters.Credentials("a")->client_ca.cert_pem, a->client_ca.cert_pem);
}

TEST_F(ClusterCredentialsTest, ACreatorMaySupplyItsOwn) {
  LogicalClusters clusters(*store_);
  auto supplied = GenerateClusterCredentials("hosted");
  ASSERT_TRUE(supplied.ok());
  ASSERT_TRUE(clusters.Create("hosted", *supplied).ok());
  auto got = clusters.Credentials("hosted");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->client_ca.cert_pem, supplied->client_ca.cert_pem);
  EXPECT_EQ(got->client_ca.key_pem, supplied->client_ca.key_pem);
  EXPECT_EQ(got->service_account_key_pem, supplied->service_account_key_pem);

  auto other = GenerateClusterCredentials("x");
  ClusterCredentials mismatched{{supplied->client_ca.cert_pem, other->client_ca.key_pem},
                                supplied->service_account_key_pem};
  EXPECT_EQ(clusters.Create("bad1", mismatched).code(), Code::kInvalidArgument);
  ClusterCredentials no_key{supplied->client_ca, "not a key"};
  EXPECT_EQ(clusters.Create("bad2", no_key).code(), Code::kInvalidArgument);
  EXPECT_FALSE(clusters.Exists("bad1"));
  ClusterCredentials leaf_as_ca{*x509::IssueCertificate(supplied->client_ca,
                                                        {"leaf", {}, {}, false, true}),
                                supplied->service_account_key_pem};
  EXPECT_EQ(clusters.Create("bad3", leaf_as_ca).code(), Code::kInvalidArgument);
}

TEST_F(ClusterCredentialsTest, OldRecordsGetCredentialsOnce) {
  ASSERT_TRUE(store_->Create("/_carrier/clusters/old", R"({"name":"old"})").ok());
  LogicalClusters clusters(*store_);
  auto first = clusters.Credentials("old");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = clusters.Credentials("old");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->client_ca.cert_pem, second->client_ca.cert_pem);
  ASSERT_TRUE(store_->Put("/_carrier/clusters/broken", "{not json").ok());
  EXPECT_EQ(clusters.Credentials("broken").status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace carrier::cluster
