// The HostedCluster controller's reconcile, driven directly against a real SQLite store:
// creation (Partial then Completed), pause, invalid input, deletion, and a hosted cluster
// whose objects live in a store of its own (spec.etcd.managementType Unmanaged).
#include "hosted/hosted_cluster_controller.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "base/base64.h"
#include "base/x509.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "hosted/supported_versions.h"
#include "storage/sqlite_test_util.h"

namespace carrier::hosted {
namespace {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::ObjectAt;
using controllers::StringAt;
using namespace std::chrono_literals;

constexpr char kHcKey[] = "/root/hypershift.openshift.io/hostedclusters/clusters/example";

class HostedClusterControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clusters_ = std::make_unique<cluster::LogicalClusters>(*store_);
    ASSERT_TRUE(EnsureSupportedVersions(*store_).ok());
    HostedClusterEnvironment env;
    env.clusters = clusters_.get();
    env.server_url = "https://127.0.0.1:6443";
    env.server_ca_pem = "SERVING CA";
    env.forget_cluster = [this](const std::string& c) { forgotten_.push_back(c); };
    controller_ = std::make_unique<HostedClusterController>(*store_, std::move(env));
  }

  void Put(const std::string& key, const std::string& json_text) {
    ASSERT_TRUE(controllers::CreateObject(*store_, key, json::parse(json_text).as_object()).ok());
  }
  void CreatePullSecret() {
    Put("/root/core/secrets/clusters/pull-secret",
        R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"pull-secret","namespace":"clusters"},
            "data":{".dockerconfigjson":"e30="}})");
  }
  void CreateHostedCluster(const std::string& networking = "{}") {
    Put(kHcKey, R"({"apiVersion":"hypershift.openshift.io/v1beta1","kind":"HostedCluster",
        "metadata":{"name":"example","namespace":"clusters","generation":1},
        "spec":{"release":{"image":"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64"},
                "pullSecret":{"name":"pull-secret"},"platform":{"type":"None"},
                "networking":)" + networking + "}}");
  }
  std::chrono::milliseconds Reconcile() {
    std::chrono::milliseconds requeue{0};
    Status st = controller_->Reconcile("clusters/example", requeue);
    EXPECT_TRUE(st.ok()) << st.message();
    return requeue;
  }
  std::optional<controllers::StoredObject> Get(const std::string& key) {
    auto got = controllers::GetObject(*store_, key);
    EXPECT_TRUE(got.ok());
    return got.ok() ? std::move(*got) : std::nullopt;
  }
  json::object HostedClusterNow() {
    auto hc = Get(kHcKey);
    return hc ? *hc->object : json::object();
  }
  std::string Condition(const json::object& obj, std::string_view type, std::string_view field) {
    if (const json::array* conditions = ArrayAt(ObjectAt(&obj, "status"), "conditions")) {
      for (const auto& c : *conditions) {
        if (StringAt(c.if_object(), "type") == type) return StringAt(c.if_object(), field);
      }
    }
    return "<absent>";
  }
  std::string HistoryState(const json::object& hc) {
    const json::array* history = ArrayAt(ObjectAt(ObjectAt(&hc, "status"), "version"), "history");
    return history && !history->empty() ? StringAt(history->at(0).if_object(), "state") : "";
  }
  void Edit(const std::function<void(json::object&)>& change) {
    auto hc = Get(kHcKey);
    ASSERT_TRUE(hc);
    change(*hc->object);
    ASSERT_TRUE(controllers::UpdateObject(*store_, *hc).ok());
  }
  size_t KeysUnder(const std::string& prefix) {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(prefix);
    list.keys_only = true;
    auto page = store_->List(list);
    return page.ok() ? page->kvs.size() : 9999;
  }

  storage::testing::ScratchStore store_;
  std::unique_ptr<cluster::LogicalClusters> clusters_;
  std::unique_ptr<HostedClusterController> controller_;
  std::vector<std::string> forgotten_;
};

TEST_F(HostedClusterControllerTest, CreatesTheControlPlaneThenCompletesAndDeletesEverything) {
  CreatePullSecret();
  CreateHostedCluster();
  Reconcile();
  json::object hc = HostedClusterNow();
  EXPECT_TRUE(controllers::HasFinalizer(hc, kHostedClusterFinalizer));
  EXPECT_EQ(Condition(hc, "Available", "status"), "True");
  EXPECT_EQ(Condition(hc, "Available", "message"), "The hosted control plane is available");
  EXPECT_EQ(Condition(hc, "Progressing", "status"), "True");
  EXPECT_EQ(Condition(hc, "ReconciliationActive", "status"), "True");
  EXPECT_EQ(HistoryState(hc), "Partial");
  EXPECT_EQ(StringAt(ObjectAt(ObjectAt(ObjectAt(&hc, "status"), "version"), "desired"), "version"),
            "4.17.0");
  EXPECT_EQ(StringAt(ObjectAt(ObjectAt(&hc, "status"), "kubeconfig"), "name"), "example-admin-kubeconfig");
  EXPECT_EQ(controllers::IntAt(ObjectAt(ObjectAt(&hc, "status"), "controlPlaneEndpoint"), "port", 0), 6443);

  Reconcile();
  hc = HostedClusterNow();
  EXPECT_EQ(HistoryState(hc), "Completed");
  EXPECT_EQ(Condition(hc, "Progressing", "status"), "False");
  // Nothing left to do: no write at all (the HostedControlPlane and the ClusterVersion were
  // rewritten on every pass once, which kept every idle cluster busy).
  auto store_revision = [&] { return store_->Get("/no-such-key")->revision; };
  const auto revision = store_revision();
  Reconcile();
  EXPECT_EQ(store_revision(), revision);

  // The hosted cluster holds the HostedCluster's PKI as its credentials.
  ASSERT_TRUE(clusters_->Exists("clusters-example"));
  auto root_ca = Get("/root/core/secrets/clusters-example/root-ca");
  ASSERT_TRUE(root_ca);
  auto credentials = clusters_->Credentials("clusters-example");
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(Base64Decode(StringAt(ObjectAt(root_ca->object, "data"), "tls.crt")),
            credentials->client_ca.cert_pem);
  auto kubeconfig = Get("/root/core/secrets/clusters/example-admin-kubeconfig");
  ASSERT_TRUE(kubeconfig);
  auto text = Base64Decode(StringAt(ObjectAt(kubeconfig->object, "data"), "kubeconfig"));
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("server: https://127.0.0.1:6443/clusters/clusters-example\n"), std::string::npos);
  EXPECT_TRUE(Get("/root/core/secrets/clusters/example-kubeadmin-password"));
  EXPECT_TRUE(Get("/root/core/secrets/clusters-example/admin-kubeconfig"));
  auto hcp = Get("/root/hypershift.openshift.io/hostedcontrolplanes/clusters-example/example");
  ASSERT_TRUE(hcp);
  EXPECT_EQ(StringAt(ObjectAt(hcp->object, "spec"), "releaseImage"),
            "quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64");
  EXPECT_TRUE(Get("/clusters-example/core/namespaces/openshift-config"));
  EXPECT_TRUE(Get("/clusters-example/core/namespaces/openshift-config-managed"));
  EXPECT_TRUE(Get("/clusters-example/apiextensions.k8s.io/customresourcedefinitions/clusterversions.config.openshift.io"));
  auto cv = Get("/clusters-example/config.openshift.io/clusterversions/version");
  ASSERT_TRUE(cv);
  EXPECT_EQ(HistoryState(json::object{{"status", json::object{{"version", cv->object->at("status")}}}}),
            "Completed");

  // Lost PKI secrets are rebuilt from the hosted cluster's credentials (its CA stays).
  ASSERT_TRUE(store_->Delete("/root/core/secrets/clusters-example/root-ca").ok());
  ASSERT_TRUE(store_->Delete("/root/core/secrets/clusters-example/system-admin-client").ok());
  Reconcile();
  root_ca = Get("/root/core/secrets/clusters-example/root-ca");
  ASSERT_TRUE(root_ca);
  EXPECT_EQ(Base64Decode(StringAt(ObjectAt(root_ca->object, "data"), "tls.crt")),
            credentials->client_ca.cert_pem);
  EXPECT_TRUE(Get("/root/core/secrets/clusters-example/system-admin-client"));
  EXPECT_EQ(Condition(HostedClusterNow(), "Available", "status"), "True");

  // Deletion: secrets and the hosted cluster go, the namespace is handed to the namespace
  // controller; once it is gone the HostedCluster is released.
  Edit([](json::object& o) { o["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:00Z"; });
  Reconcile();
  EXPECT_FALSE(Get("/root/core/secrets/clusters/example-admin-kubeconfig"));
  EXPECT_FALSE(Get("/root/core/secrets/clusters/example-kubeadmin-password"));
  EXPECT_FALSE(clusters_->Exists("clusters-example"));
  EXPECT_EQ(KeysUnder("/clusters-example/"), 0u);
  EXPECT_EQ(forgotten_, std::vector<std::string>{"clusters-example"});
  auto ns = Get("/root/core/namespaces/clusters-example");
  ASSERT_TRUE(ns);
  EXPECT_EQ(StringAt(ObjectAt(ns->object, "status"), "phase"), "Terminating");
  EXPECT_TRUE(Get(kHcKey));
  ASSERT_TRUE(store_->Delete("/root/core/namespaces/clusters-example").ok());
  Reconcile();
  EXPECT_FALSE(Get(kHcKey));
}

TEST_F(HostedClusterControllerTest, PausedUntilStopsReconciliationUntilItsTime) {
  CreatePullSecret();
  CreateHostedCluster();
  Edit([](json::object& o) { o["spec"].as_object()["pausedUntil"] = "true"; });
  EXPECT_EQ(Reconcile(), 0ms);
  json::object hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ReconciliationActive", "status"), "False");
  EXPECT_EQ(Condition(hc, "ReconciliationActive", "reason"), "ReconciliationPaused");
  EXPECT_FALSE(clusters_->Exists("clusters-example"));  // nothing was set up

  const std::string in_an_hour =
      apiserver::Rfc3339(std::chrono::system_clock::now() + 1h);
  Edit([&](json::object& o) { o["spec"].as_object()["pausedUntil"] = in_an_hour; });
  const auto requeue = Reconcile();
  EXPECT_GT(requeue, 59min);
  EXPECT_LE(requeue, 60min + 1s);
  EXPECT_EQ(Condition(HostedClusterNow(), "ReconciliationActive", "message"),
            "Reconciliation paused until: " + in_an_hour);

  Edit([](json::object& o) { o["spec"].as_object().erase("pausedUntil"); });
  Reconcile();
  hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ReconciliationActive", "status"), "True");
  EXPECT_EQ(Condition(hc, "Available", "status"), "True");
  EXPECT_TRUE(clusters_->Exists("clusters-example"));
}

TEST_F(HostedClusterControllerTest, InvalidConfigurationIsReportedAndNothingIsCreated) {
  CreateHostedCluster(R"({"clusterNetwork":[{"cidr":"10.132.0.0/14"}],"serviceNetwork":[{"cidr":"10.132.0.0/16"}]})");
  Reconcile();
  json::object hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "status"), "False");
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "reason"), "SecretNotFound");
  EXPECT_EQ(Condition(hc, "Available", "status"), "False");
  EXPECT_EQ(Condition(hc, "Available", "message"),
            "pull secret \"pull-secret\" (spec.pullSecret.name) not found in namespace \"clusters\"");
  CreatePullSecret();
  Reconcile();
  hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "message"),
            "spec.networking.serviceNetwork[0].cidr 10.132.0.0/16 overlaps "
            "spec.networking.clusterNetwork[0].cidr 10.132.0.0/14");
  EXPECT_EQ(Condition(hc, "ReconciliationSucceeded", "status"), "False");
  EXPECT_FALSE(clusters_->Exists("clusters-example"));
  EXPECT_FALSE(Get("/root/core/namespaces/clusters-example"));
}

// Stands in for the API server's per-cluster stacks: every cluster with its own storage gets
// `external` (another SQLite store); `reachable` false makes opening it fail as a down etcd.
class OneExternalStore : public cluster::ClusterStores {
 public:
  explicit OneExternalStore(storage::Store& external) : external_(external) {}
  Result<std::shared_ptr<storage::Store>> Open(const std::string& name,
                                              const cluster::ClusterStorage& storage) override {
    if (!reachable) return Unavailable("connection refused");
    opened.push_back(name + " " + storage.etcd_endpoints.at(0));
    return std::shared_ptr<storage::Store>(std::shared_ptr<void>(), &external_);
  }
  void Close(const std::string& name) override { closed.push_back(name); }

  bool reachable = true;
  std::vector<std::string> opened, closed;

 private:
  storage::Store& external_;
};

class UnmanagedEtcdTest : public HostedClusterControllerTest {
 protected:
  void SetUp() override {
    HostedClusterControllerTest::SetUp();
    clusters_->SetClusterStores(&stores_);
    auto ca = x509::CreateCertificateAuthority("etcd-ca");
    ASSERT_TRUE(ca.ok());
    auto client = x509::IssueCertificate(*ca, {"etcd-client", {}, {}, false, true});
    ASSERT_TRUE(client.ok());
    ca_ = *ca;
    client_ = *client;
  }
  void CreateEtcdSecret(const std::string& key_pem) {
    json::object data{{"etcd-client-ca.crt", Base64Encode(ca_.cert_pem)},
                      {"etcd-client.crt", Base64Encode(client_.cert_pem)},
                      {"etcd-client.key", Base64Encode(key_pem)}};
    Status st = controllers::CreateObject(*store_, "/root/core/secrets/clusters/etcd-client",
                              json::object{{"apiVersion", "v1"}, {"kind", "Secret"},
                                           {"metadata", json::object{{"name", "etcd-client"},
                                                                     {"namespace", "clusters"}}},
                                           {"data", std::move(data)}});
    ASSERT_TRUE(st.ok()) << st.message();
  }
  void MakeUnmanaged(const std::string& endpoint) {
    Edit([&](json::object& o) {
      o["spec"].as_object()["etcd"] = json::object{
          {"managementType", "Unmanaged"},
          {"unmanaged", json::object{{"endpoint", endpoint},
                                     {"tls", json::object{{"clientSecret",
                                                           json::object{{"name", "etcd-client"}}}}}}}};
    });
  }
  size_t ExternalKeysUnder(const std::string& prefix) {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(prefix);
    list.keys_only = true;
    auto page = external_->List(list);
    return page.ok() ? page->kvs.size() : 9999;
  }

  storage::testing::ScratchStore external_;
  OneExternalStore stores_{*external_};
  x509::KeyPair ca_, client_;
};

TEST_F(UnmanagedEtcdTest, ObjectsGoToTheClustersOwnStoreAndLeaveWithIt) {
  CreatePullSecret();
  CreateEtcdSecret(client_.key_pem);
  CreateHostedCluster();
  MakeUnmanaged("https://etcd.example.com:2379");
  Reconcile();
  Reconcile();
  json::object hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "Available", "status"), "True") << Condition(hc, "Available", "message");
  EXPECT_EQ(Condition(hc, "EtcdAvailable", "message"),
            "The hosted cluster's objects are kept in the external etcd at "
            "https://etcd.example.com:2379 (spec.etcd.managementType Unmanaged)");
  auto storage = clusters_->Storage("clusters-example");
  ASSERT_TRUE(storage.ok());
  EXPECT_EQ(storage->etcd_endpoints, std::vector<std::string>{"https://etcd.example.com:2379"});
  EXPECT_EQ(storage->key_pem, client_.key_pem);
  // The hosted cluster's objects are in its own store only; root keeps the control plane.
  EXPECT_EQ(KeysUnder("/clusters-example/"), 0u);
  for (const char* key : {"/clusters-example/core/namespaces/default",
                          "/clusters-example/core/namespaces/openshift-config",
                          "/clusters-example/config.openshift.io/clusterversions/version"}) {
    auto got = external_->Get(key);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->kv.has_value()) << key;
  }
  EXPECT_TRUE(Get("/root/hypershift.openshift.io/hostedcontrolplanes/clusters-example/example"));

  // The etcd settings are fixed at creation.
  MakeUnmanaged("https://other.example.com:2379");
  Reconcile();
  hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "status"), "False");
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "message"),
            "spec.etcd.unmanaged.endpoint is immutable: the hosted cluster's objects are kept in "
            "the external etcd at https://etcd.example.com:2379");
  Edit([](json::object& o) { o["spec"].as_object()["etcd"] = json::object{{"managementType", "Managed"}}; });
  Reconcile();
  EXPECT_EQ(Condition(HostedClusterNow(), "ValidConfiguration", "message"),
            "spec.etcd.managementType is immutable: the hosted cluster was created with Unmanaged "
            "and its objects are kept in the external etcd at https://etcd.example.com:2379");
  MakeUnmanaged("https://etcd.example.com:2379");
  Reconcile();
  EXPECT_EQ(Condition(HostedClusterNow(), "ValidConfiguration", "status"), "True");

  // Deletion empties the cluster's own store and closes it.
  Edit([](json::object& o) { o["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:00Z"; });
  Reconcile();
  EXPECT_FALSE(clusters_->Exists("clusters-example"));
  EXPECT_EQ(ExternalKeysUnder("/clusters-example/"), 0u);
  EXPECT_EQ(stores_.closed, std::vector<std::string>{"clusters-example"});
}

TEST_F(UnmanagedEtcdTest, UnusableClientSecretAndUnreachableEtcdAreConditions) {
  CreatePullSecret();
  auto other = x509::IssueCertificate(ca_, {"someone-else", {}, {}, false, true});
  ASSERT_TRUE(other.ok());
  CreateEtcdSecret(other->key_pem);  // a key that is not the certificate's
  CreateHostedCluster();
  MakeUnmanaged("https://etcd.example.com:2379");
  Reconcile();
  json::object hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "status"), "False");
  EXPECT_EQ(Condition(hc, "ValidConfiguration", "message"),
            "etcd client secret \"etcd-client\" in namespace \"clusters\": the etcd client key "
            "does not belong to the etcd client certificate");
  EXPECT_FALSE(clusters_->Exists("clusters-example"));

  ASSERT_TRUE(store_->Delete("/root/core/secrets/clusters/etcd-client").ok());
  CreateEtcdSecret(client_.key_pem);
  stores_.reachable = false;
  std::chrono::milliseconds requeue{0};
  EXPECT_FALSE(controller_->Reconcile("clusters/example", requeue).ok());  // retried with backoff
  hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "EtcdAvailable", "status"), "False");
  EXPECT_EQ(Condition(hc, "EtcdAvailable", "reason"), "EtcdUnavailable");
  EXPECT_EQ(Condition(hc, "EtcdAvailable", "message"),
            "the hosted cluster's objects cannot be kept in the external etcd at "
            "https://etcd.example.com:2379: connection refused");
  EXPECT_EQ(Condition(hc, "Available", "status"), "False");
  EXPECT_FALSE(clusters_->Exists("clusters-example"));

  stores_.reachable = true;
  Reconcile();
  hc = HostedClusterNow();
  EXPECT_EQ(Condition(hc, "EtcdAvailable", "status"), "True");
  EXPECT_EQ(Condition(hc, "Available", "status"), "True");
}

}  // namespace
}  // namespace carrier::hosted
