// Where a logical cluster's objects are kept: the storage settings in its record (validated,
// kept across reads) and a cluster with its own store, whose namespaces and objects live
// there and go with it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/x509.h"
#include "cluster/logical_clusters.h"
#include "storage/sqlite_test_util.h"

namespace carrier::cluster {
namespace {

namespace json = boost::json;

ClusterStorage ExternalStorage() {
  auto ca = x509::CreateCertificateAuthority("etcd-ca");
  auto client = x509::IssueCertificate(*ca, {"etcd-client", {}, {}, false, true});
  EXPECT_TRUE(ca.ok() && client.ok());
  return {{"https://etcd.example.com:2379"}, ca->cert_pem, client->cert_pem, client->key_pem};
}

TEST(ClusterStorageTest, EndpointsAndTlsAreValidatedAndKeptInTheRecord) {
  EXPECT_TRUE(ValidateClusterStorage({}).ok());
  ClusterStorage storage = ExternalStorage();
  EXPECT_TRUE(ValidateClusterStorage(storage).ok());
  EXPECT_EQ(DescribeStorage(storage), "the external etcd at https://etcd.example.com:2379");
  EXPECT_EQ(DescribeStorage({}), "the management plane's store");

  for (const char* good : {"https://10.0.0.1:2379", "https://[::1]:2379/", "https://etcd:1"}) {
    EXPECT_TRUE(ValidateEtcdEndpoint(good).ok()) << good;
  }
  for (const char* bad : {"http://etcd:2379", "etcd:2379", "https://etcd", "https://etcd:0",
                          "https://etcd:70000", "https://etcd:2379/v3", "https://:2379",
                          "https://user@etcd:2379", "https://etcd:23a9"}) {
    EXPECT_EQ(ValidateEtcdEndpoint(bad).code(), Code::kInvalidArgument) << bad;
  }

  ClusterStorage mismatched = storage;
  mismatched.key_pem = ExternalStorage().key_pem;
  EXPECT_EQ(ValidateClusterStorage(mismatched).message(),
            "the etcd client key does not belong to the etcd client certificate");
  ClusterStorage no_ca = storage;
  no_ca.ca_pem = "not a certificate";
  EXPECT_EQ(ValidateClusterStorage(no_ca).message(), "the etcd CA is not a PEM certificate");

  json::object record = StorageToJson(storage);
  auto back = StorageFromJson(json::parse(json::serialize(record)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, storage);
  EXPECT_TRUE(StorageToJson({}).empty());
  EXPECT_TRUE(StorageFromJson(json::object{})->managed());
  EXPECT_EQ(StorageFromJson(json::parse(R"({"etcd":{"endpoints":[]}})")).status().code(),
            Code::kDataLoss);
}

// Every cluster with its own storage gets `own` (a second SQLite store).
class FakeStores : public ClusterStores {
 public:
  explicit FakeStores(storage::Store& own) : own_(own) {}
  Result<std::shared_ptr<storage::Store>> Open(const std::string& name,
                                              const ClusterStorage&) override {
    if (!reachable) return Unavailable("connection refused");
    opened.push_back(name);
    return std::shared_ptr<storage::Store>(std::shared_ptr<void>(), &own_);
  }
  void Close(const std::string& name) override { closed.push_back(name); }
  bool reachable = true;
  std::vector<std::string> opened, closed;

 private:
  storage::Store& own_;
};

class OwnStorageTest : public ::testing::Test {
 protected:
  bool Has(storage::Store& store, const std::string& key) {
    auto got = store.Get(key);
    return got.ok() && got->kv.has_value();
  }
  size_t KeysUnder(storage::Store& store, const std::string& prefix) {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(prefix);
    list.keys_only = true;
    auto page = store.List(list);
    return page.ok() ? page->kvs.size() : 9999;
  }
  storage::testing::ScratchStore primary_, own_;
  FakeStores stores_{*own_};
  LogicalClusters clusters_{*primary_};
};

TEST_F(OwnStorageTest, ObjectsLiveInTheClustersStoreAndGoWithIt) {
  const ClusterStorage storage = ExternalStorage();
  EXPECT_EQ(clusters_.Create("tenant", std::nullopt, storage).code(), Code::kInternal)
      << "without ClusterStores a cluster with its own storage cannot be opened";
  EXPECT_FALSE(clusters_.Exists("tenant"));

  clusters_.SetClusterStores(&stores_);
  stores_.reachable = false;
  Status down = clusters_.Create("tenant", std::nullopt, storage);
  EXPECT_EQ(down.code(), Code::kUnavailable);
  EXPECT_FALSE(clusters_.Exists("tenant")) << "no record for a cluster whose store is unreachable";

  stores_.reachable = true;
  ASSERT_TRUE(clusters_.Create("tenant", std::nullopt, storage).ok());
  EXPECT_EQ(clusters_.Create("tenant", std::nullopt, storage).code(), Code::kAlreadyExists);
  ASSERT_TRUE(clusters_.Create("plain").ok());
  EXPECT_TRUE(Has(*own_, "/tenant/core/namespaces/default"));
  EXPECT_EQ(KeysUnder(*primary_, "/tenant/"), 0u);
  EXPECT_TRUE(Has(*primary_, "/plain/core/namespaces/default"));
  EXPECT_EQ(KeysUnder(*own_, "/plain/"), 0u);

  // The storage survives in the record; StoreOf gives each cluster's store.
  EXPECT_EQ(*clusters_.Storage("tenant"), storage);
  EXPECT_TRUE(clusters_.Storage("plain")->managed());
  EXPECT_TRUE(clusters_.Storage("root")->managed());
  EXPECT_EQ(clusters_.Storage("absent").status().code(), Code::kNotFound);
  EXPECT_EQ(clusters_.StoreOf("tenant")->get(), &*own_);
  EXPECT_EQ(clusters_.StoreOf("plain")->get(), &*primary_);

  // An unreachable store keeps the record (and its data) for a retry.
  ASSERT_TRUE(own_->Put("/tenant/core/configmaps/default/settings", "{}").ok());
  stores_.reachable = false;
  EXPECT_EQ(clusters_.Delete("tenant").code(), Code::kUnavailable);
  EXPECT_TRUE(clusters_.Exists("tenant"));
  stores_.reachable = true;
  ASSERT_TRUE(clusters_.Delete("tenant").ok());
  EXPECT_FALSE(clusters_.Exists("tenant"));
  EXPECT_EQ(KeysUnder(*own_, "/tenant/"), 0u);
  EXPECT_EQ(stores_.closed, std::vector<std::string>{"tenant"});
  EXPECT_EQ(clusters_.Delete("tenant").code(), Code::kNotFound);
}

}  // namespace
}  // namespace carrier::cluster
