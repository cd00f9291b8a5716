// The CSR approving and signing controllers, reconciled against a real SQLite store: which
// requests are auto-approved (and after which access check), which are signed, and that an
// issued certificate verifies against the cluster's CA with the asked subject, usages and
// validity.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>
#include <set>

#include "apiserver/csr_strategy.h"
#include "base/base64.h"
#include "controllers/csr_approving_controller.h"
#include "controllers/csr_signing_controller.h"
#include "controllers/objects.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;

const char kClient[] = "kubernetes.io/kube-apiserver-client";
const char kKubelet[] = "kubernetes.io/kube-apiserver-client-kubelet";
const char kServing[] = "kubernetes.io/kubelet-serving";

struct X509Holder {
  explicit X509Holder(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  ~X509Holder() { X509_free(x); }
  X509* x = nullptr;
};

bool Verifies(const std::string& ca_pem, const std::string& cert_pem) {
  X509Holder ca(ca_pem), cert(cert_pem);
  if (!ca.x || !cert.x) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.x);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.x, nullptr);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

int64_t SecondsLeft(const std::string& pem) {
  X509Holder cert(pem);
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.x));
  return int64_t{days} * 86400 + secs;
}

class CsrControllersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions options;
    options.path = dir_.File("store.db");
    auto store = storage::OpenSqliteStore(options);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    auto ca = x509::CreateCertificateAuthority("t1-ca");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    approver_ = std::make_unique<CsrApprovingController>(
        *store_, [this](const std::string& cluster, const apiserver::UserInfo& user,
                        const apiserver::authz::Attributes& a) {
          EXPECT_EQ(cluster, "t1");
          asked_.push_back(user.name + " " + a.verb + " " + a.resource + "/" + a.subresource);
          return allowed_.count(user.name + " " + a.subresource) > 0;
        });
    signer_ = std::make_unique<CsrSigningController>(
        *store_, [this](const std::string& cluster) -> Result<x509::KeyPair> {
          if (cluster != "t1") return Status(Code::kNotFound, "no cluster " + cluster);
          return ca_;
        });
  }

  std::string Key(const std::string& name) {
    return StoreKey("t1", BuiltInType("certificates.k8s.io", "certificatesigningrequests"), "", name);
  }

  // A CSR as the API server stores it after create (requester filled in).
  void Create(const std::string& name, const std::string& signer, const x509::CertificateRequest& subject,
              json::array usages, const std::string& username, json::array groups,
              int64_t expiration = 0) {
    auto req = x509::CreateCertificateRequest(subject);
    ASSERT_TRUE(req.ok());
    json::object spec{{"request", Base64Encode(req->cert_pem)},
                      {"signerName", signer},
                      {"usages", std::move(usages)},
                      {"username", username},
                      {"groups", std::move(groups)}};
    if (expiration > 0) spec["expirationSeconds"] = expiration;
    ASSERT_TRUE(CreateObject(*store_, Key(name),
                             {{"apiVersion", "certificates.k8s.io/v1"},
                              {"kind", "CertificateSigningRequest"},
                              {"metadata", json::object{{"name", name}}},
                              {"spec", std::move(spec)}})
                    .ok());
  }

  void AddCondition(const std::string& name, const std::string& type) {
    auto got = GetObject(*store_, Key(name));
    ASSERT_TRUE(got.ok() && *got);
    json::object& csr = *(*got)->object;
    json::value& status = csr["status"];
    if (!status.is_object()) status = json::object();
    json::value& conditions = status.as_object()["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    conditions.as_array().push_back(json::object{{"type", type}, {"status", "True"}});
    ASSERT_TRUE(UpdateObject(*store_, **got).ok());
  }

  json::object Read(const std::string& name) {
    auto got = GetObject(*store_, Key(name));
    EXPECT_TRUE(got.ok() && *got);
    return got.ok() && *got ? *(*got)->object : json::object();
  }

  Status Approve(const std::string& name) {
    std::chrono::milliseconds later{0};
    return approver_->Reconcile("t1/" + name, later);
  }
  Status Sign(const std::string& name) {
    std::chrono::milliseconds later{0};
    return signer_->Reconcile("t1/" + name, later);
  }

  storage::testing::ScratchDir dir_;
  std::unique_ptr<storage::Store> store_;
  x509::KeyPair ca_;
  // The access checks asked, as "<user> <verb> <resource>/<subresource>".
  std::vector<std::string> asked_;
  std::set<std::string> allowed_;  // "<user> <subresource>"
  std::unique_ptr<CsrApprovingController> approver_;
  std::unique_ptr<CsrSigningController> signer_;
};

TEST_F(CsrControllersTest, BootstrapTokenNodeClientRequestIsApprovedAfterTheAccessCheck) {
  const json::array node_client{"digital signature", "key encipherment", "client auth"};
  Create("boot", kKubelet, {"system:node:n1", {"system:nodes"}, {}}, node_client,
         "system:bootstrap:abcdef", {"system:bootstrappers", "system:authenticated"});
  ASSERT_TRUE(Approve("boot").ok());
  EXPECT_FALSE(apiserver::csr::HasCondition(Read("boot"), "Approved"));  // not allowed yet
  EXPECT_EQ(asked_, std::vector<std::string>{
                        "system:bootstrap:abcdef create certificatesigningrequests/nodeclient"});

  allowed_ = {"system:bootstrap:abcdef nodeclient"};
  ASSERT_TRUE(Approve("boot").ok());
  json::object csr = Read("boot");
  ASSERT_TRUE(apiserver::csr::HasCondition(csr, "Approved"));
  const json::object& c = csr.at("status").at("conditions").at(0).as_object();
  EXPECT_EQ(c.at("reason"), "AutoApproved");
  EXPECT_EQ(c.at("message"), "Auto approving kubelet client certificate after SubjectAccessReview.");
  EXPECT_EQ(c.at("status"), "True");
}

TEST_F(CsrControllersTest, RenewalByTheNodeItselfAsksForSelfNodeClient) {
  Create("renew", kKubelet, {"system:node:n1", {"system:nodes"}, {}},
         {"digital signature", "client auth"}, "system:node:n1", {"system:nodes"});
  allowed_ = {"system:node:n1 selfnodeclient"};
  ASSERT_TRUE(Approve("renew").ok());
  EXPECT_TRUE(apiserver::csr::HasCondition(Read("renew"), "Approved"));
  EXPECT_EQ(asked_, std::vector<std::string>{
                        "system:node:n1 create certificatesigningrequests/selfnodeclient"});
}

TEST_F(CsrControllersTest, OnlyNodeClientRequestsAreAutoApproved) {
  allowed_ = {"boot nodeclient"};
  const json::array usages{"digital signature", "client auth"};
  Create("groups", kKubelet, {"system:node:n1", {"system:nodes", "system:masters"}, {}}, usages,
         "boot", {"system:bootstrappers"});
  Create("cn", kKubelet, {"alice", {"system:nodes"}, {}}, usages, "boot", {"system:bootstrappers"});
  Create("sans", kKubelet, {"system:node:n1", {"system:nodes"}, {"n1.example"}}, usages, "boot",
         {"system:bootstrappers"});
  Create("usage", kKubelet, {"system:node:n1", {"system:nodes"}, {}},
         {"digital signature", "client auth", "server auth"}, "boot", {"system:bootstrappers"});
  Create("signer", kClient, {"system:node:n1", {"system:nodes"}, {}}, usages, "boot",
         {"system:bootstrappers"});
  for (const char* name : {"groups", "cn", "sans", "usage", "signer"}) {
    ASSERT_TRUE(Approve(name).ok());
    EXPECT_FALSE(apiserver::csr::HasCondition(Read(name), "Approved")) << name;
  }
  EXPECT_TRUE(asked_.empty());
}

TEST_F(CsrControllersTest, ApprovedClientRequestIsSignedByTheClusterCa) {
  Create("alice", kClient, {"alice", {"dev", "ops"}, {}}, {"digital signature", "client auth"},
         "kubernetes-admin", {"system:masters"}, 3600);
  ASSERT_TRUE(Sign("alice").ok());
  EXPECT_EQ(apiserver::csr::Certificate(Read("alice")), "");  // not approved: not signed

  AddCondition("alice", "Approved");
  ASSERT_TRUE(Sign("alice").ok());
  const std::string cert = apiserver::csr::Certificate(Read("alice"));
  ASSERT_FALSE(cert.empty());
  EXPECT_TRUE(Verifies(ca_.cert_pem, cert));
  auto subject = x509::ReadSubject(cert);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(subject->common_name, "alice");
  EXPECT_EQ(subject->organizations, (std::vector<std::string>{"dev", "ops"}));
  X509Holder x(cert);
  EXPECT_EQ(X509_get_extended_key_usage(x.x), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_GT(SecondsLeft(cert), 3500);
  EXPECT_LE(SecondsLeft(cert), 3600);
  EXPECT_EQ(apiserver::csr::ConditionText(Read("alice")), "Approved,Issued");
}

TEST_F(CsrControllersTest, DefaultValidityIsAYearAndServingCertificatesKeepTheirSans) {
  Create("serving", kServing, {"system:node:n1", {"system:nodes"}, {"n1.example", "10.1.2.3"}},
         {"digital signature", "key encipherment", "server auth"}, "system:node:n1",
         {"system:nodes"});
  AddCondition("serving", "Approved");
  ASSERT_TRUE(Sign("serving").ok());
  const std::string cert = apiserver::csr::Certificate(Read("serving"));
  ASSERT_TRUE(Verifies(ca_.cert_pem, cert));
  EXPECT_GT(SecondsLeft(cert), 364 * 86400);
  EXPECT_LE(SecondsLeft(cert), 365 * 86400);
  X509Holder x(cert);
  EXPECT_EQ(X509_get_extended_key_usage(x.x), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_key_usage(x.x),
            static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  EXPECT_EQ(X509_check_host(x.x, "n1.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x.x, "10.1.2.3", 0), 1);
}

TEST_F(CsrControllersTest, RequestsBreakingTheSignerRulesFail) {
  Create("nosan", kServing, {"system:node:n1", {"system:nodes"}, {}},
         {"digital signature", "server auth"}, "system:node:n1", {"system:nodes"});
  Create("server", kClient, {"alice", {}, {}}, {"digital signature", "server auth"}, "admin", {});
  for (const char* name : {"nosan", "server"}) {
    AddCondition(name, "Approved");
    ASSERT_TRUE(Sign(name).ok());
  }
  json::object nosan = Read("nosan");
  EXPECT_EQ(apiserver::csr::Certificate(nosan), "");
  const json::object& failed = nosan.at("status").at("conditions").at(1).as_object();
  EXPECT_EQ(failed.at("type"), "Failed");
  EXPECT_EQ(failed.at("reason"), "SignerValidationFailure");
  EXPECT_EQ(failed.at("message"), "DNS or IP subjectAltName is required");
  json::object server = Read("server");
  EXPECT_EQ(server.at("status").at("conditions").at(1).at("message"),
            "invalid usage for client certificate: server auth");
  ASSERT_TRUE(Sign("server").ok());  // Failed stays failed: nothing more is written
  EXPECT_EQ(Read("server").at("status").at("conditions").as_array().size(), 2u);
}

TEST_F(CsrControllersTest, DeniedAndUnknownSignersAreLeftAlone) {
  Create("denied", kClient, {"bob", {}, {}}, {"client auth"}, "admin", {});
  AddCondition("denied", "Denied");
  Create("other", "example.com/signer", {"bob", {}, {}}, {"client auth"}, "admin", {});
  AddCondition("other", "Approved");
  for (const char* name : {"denied", "other"}) {
    ASSERT_TRUE(Sign(name).ok());
    EXPECT_EQ(apiserver::csr::Certificate(Read(name)), "") << name;
    EXPECT_FALSE(apiserver::csr::HasCondition(Read(name), "Failed")) << name;
  }
}

}  // namespace
}  // namespace carrier::controllers
