#include "hosted/pki.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "base/base64.h"
#include "hosted/kubeconfig.h"

namespace carrier::hosted {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

X509Ptr ReadCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(cert);
}

// Whether `leaf` chains to `ca` (signature, validity, CA constraints) for `purpose`.
bool Verifies(const std::string& leaf_pem, const std::string& ca_pem, int purpose) {
  X509Ptr leaf = ReadCert(leaf_pem), ca = ReadCert(ca_pem);
  if (!leaf || !ca) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

TEST(HostedPkiTest, AdminCertificateIsSystemAdminInSystemMastersSignedByTheRootCa) {
  auto pki = GenerateHostedPki("clusters-example", {"127.0.0.1", "api.example.carrier.test"});
  ASSERT_TRUE(pki.ok()) << pki.status().message();
  EXPECT_TRUE(Verifies(pki->admin.cert_pem, pki->root_ca.cert_pem, X509_PURPOSE_SSL_CLIENT));
  auto subject = x509::ReadSubject(pki->admin.cert_pem);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(subject->common_name, "system:admin");
  EXPECT_EQ(subject->organizations, std::vector<std::string>{"system:masters"});

  // The serving certificate chains to the same CA and names every published address.
  EXPECT_TRUE(Verifies(pki->serving.cert_pem, pki->root_ca.cert_pem, X509_PURPOSE_SSL_SERVER));
  X509Ptr serving = ReadCert(pki->serving.cert_pem);
  ASSERT_TRUE(serving);
  EXPECT_EQ(X509_check_host(serving.get(), "api.example.carrier.test", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(serving.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(serving.get(), "api.other.carrier.test", 0, 0, nullptr), 1);

  // Another hosted cluster's CA does not accept it.
  auto other = GenerateHostedPki("clusters-other", {});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Verifies(pki->admin.cert_pem, other->root_ca.cert_pem, X509_PURPOSE_SSL_CLIENT));
  EXPECT_NE(pki->root_ca.cert_pem, other->root_ca.cert_pem);
  EXPECT_NE(pki->service_account_key_pem, other->service_account_key_pem);
}

TEST(HostedPkiTest, ServingNamesCoverEveryPublishedAddress) {
  const auto spec = boost::json::parse(R"({"dns":{"baseDomain":"carrier.test"},
      "kubeAPIServerDNSName":"api.custom.test",
      "services":[{"service":"APIServer","servicePublishingStrategy":{"type":"NodePort","nodePort":{"address":"192.0.2.10"}}},
                  {"service":"OAuthServer","servicePublishingStrategy":{"type":"Route","route":{"hostname":"oauth.carrier.test"}}}],
      "networking":{"serviceNetwork":[{"cidr":"172.30.0.0/16"}]}})").as_object();
  EXPECT_EQ(ServingNames("example", spec, "10.0.0.5"),
            (std::vector<std::string>{"10.0.0.5", "127.0.0.1", "172.30.0.1", "192.0.2.10",
                                      "api-int.example.carrier.test", "api.custom.test",
                                      "api.example.carrier.test", "kubernetes", "kubernetes.default",
                                      "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                                      "localhost"}));
  // The defaults: the service network 172.31.0.0/16.
  auto names = ServingNames("example", boost::json::object(), "127.0.0.1");
  EXPECT_NE(std::find(names.begin(), names.end(), "172.31.0.1"), names.end());
  EXPECT_EQ(std::count(names.begin(), names.end(), "127.0.0.1"), 1);
}

TEST(HostedPkiTest, SecretsRoundTripAndDamageIsReported) {
  auto pki = GenerateHostedPki("clusters-example", {});
  ASSERT_TRUE(pki.ok());
  auto secrets = PkiSecrets(*pki);
  EXPECT_EQ(secrets.size(), 4u);
  EXPECT_EQ(Base64Decode(secrets.at("root-ca").at("ca.crt")), pki->root_ca.cert_pem);
  auto back = PkiFromSecrets(secrets);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->admin.key_pem, pki->admin.key_pem);
  EXPECT_EQ(back->service_account_public_key_pem, pki->service_account_public_key_pem);
  EXPECT_TRUE(ValidateClusterCredentials(back->Credentials()).ok());

  auto missing = secrets;
  missing.erase("system-admin-client");
  EXPECT_EQ(PkiFromSecrets(missing).status().code(), Code::kDataLoss);
  auto damaged = secrets;
  damaged["sa-signing-key"]["service-account.key"] = "%%%";
  auto st = PkiFromSecrets(damaged).status();
  EXPECT_EQ(st.code(), Code::kDataLoss);
  EXPECT_NE(st.message().find("sa-signing-key"), std::string::npos);
}

TEST(HostedPkiTest, KubeadminPasswordShape) {
  const std::string a = GenerateKubeadminPassword(), b = GenerateKubeadminPassword();
  ASSERT_EQ(a.size(), 23u);
  for (size_t i = 0; i < a.size(); ++i) {
    if (i % 6 == 5) {
      EXPECT_EQ(a[i], '-');
    } else {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(a[i]))) << a;
    }
  }
  EXPECT_NE(a, b);
}

TEST(KubeconfigTest, NamesTheServerTheCaAndTheAdminCertificate) {
  KubeconfigParams params;
  params.server = "https://127.0.0.1:6443/clusters/clusters-example";
  params.server_ca_pem = "CA";
  params.client = {"CERT", "KEY"};
  const std::string text = RenderKubeconfig(params);
  EXPECT_NE(text.find("    server: https://127.0.0.1:6443/clusters/clusters-example\n"), std::string::npos);
  EXPECT_NE(text.find("certificate-authority-data: " + Base64Encode("CA")), std::string::npos);
  EXPECT_NE(text.find("client-certificate-data: " + Base64Encode("CERT")), std::string::npos);
  EXPECT_NE(text.find("client-key-data: " + Base64Encode("KEY")), std::string::npos);
  EXPECT_NE(text.find("current-context: admin\n"), std::string::npos);
  EXPECT_EQ(text.find("tls-server-name"), std::string::npos);
  params.tls_server_name = "api.example.carrier.test";
  EXPECT_NE(RenderKubeconfig(params).find("tls-server-name: api.example.carrier.test\n"),
            std::string::npos);
}

}  // namespace
}  // namespace carrier::hosted
