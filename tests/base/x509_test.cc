// Signing PKCS#10 requests: the certificate carries the request's subject, SANs and key, the
// asked usages, verifies against the CA and never outlives it.
#include "base/x509.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace carrier::x509 {
namespace {

struct Cert {
  explicit Cert(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  }
  ~Cert() { X509_free(x); }
  X509* x = nullptr;
};

bool Verifies(const std::string& ca_pem, const std::string& cert_pem) {
  Cert ca(ca_pem), cert(cert_pem);
  if (!ca.x || !cert.x) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.x);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.x, nullptr);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// Seconds from now until the certificate's notAfter.
int64_t SecondsLeft(const std::string& pem) {
  Cert cert(pem);
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.x));
  return int64_t{days} * 86400 + secs;
}

TEST(CertificateRequestTest, ParsesWhatWasAskedAndChecksTheSignature) {
  auto req = CreateCertificateRequest({"system:node:n1", {"system:nodes"}, {"n1.example", "10.0.0.7"}});
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto parsed = ParseCertificateRequest(req->cert_pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->subject.common_name, "system:node:n1");
  EXPECT_EQ(parsed->subject.organizations, std::vector<std::string>{"system:nodes"});
  EXPECT_EQ(parsed->dns_names, std::vector<std::string>{"n1.example"});
  EXPECT_EQ(parsed->ip_addresses, std::vector<std::string>{"10.0.0.7"});

  EXPECT_FALSE(ParseCertificateRequest("not pem").ok());
  auto ca = CreateCertificateAuthority("ca");
  ASSERT_TRUE(ca.ok());
  EXPECT_FALSE(ParseCertificateRequest(ca->cert_pem).ok());  // a certificate, not a request
  // A flipped byte inside the signed body: the signature no longer verifies.
  std::string tampered = req->cert_pem;
  const size_t at = tampered.find('\n') + 40;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ParseCertificateRequest(tampered).ok());
}

TEST(CertificateRequestTest, SignedCertificateVerifiesWithSubjectUsagesAndValidity) {
  auto ca = CreateCertificateAuthority("cluster-ca");
  auto other = CreateCertificateAuthority("other-ca");
  ASSERT_TRUE(ca.ok() && other.ok());
  auto req = CreateCertificateRequest({"alice", {"dev", "ops"}, {}});
  ASSERT_TRUE(req.ok());
  auto cert = SignCertificateRequest(*ca, req->cert_pem, {"digital signature", "client auth"},
                                     std::chrono::seconds(3600));
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  EXPECT_TRUE(Verifies(ca->cert_pem, *cert));
  EXPECT_FALSE(Verifies(other->cert_pem, *cert));
  auto subject = ReadSubject(*cert);
  ASSERT_TRUE(subject.ok());
  EXPECT_EQ(subject->common_name, "alice");
  EXPECT_EQ(subject->organizations, (std::vector<std::string>{"dev", "ops"}));
  Cert c(*cert);
  EXPECT_EQ(X509_get_extended_key_usage(c.x), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_key_usage(c.x), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_GT(SecondsLeft(*cert), 3500);
  EXPECT_LE(SecondsLeft(*cert), 3600);

  EXPECT_FALSE(SignCertificateRequest(*ca, req->cert_pem, {"flying"}, std::chrono::seconds(60)).ok());
}

TEST(CertificateRequestTest, ValidityStopsAtTheCaExpiry) {
  auto ca = CreateCertificateAuthority("short-ca", std::chrono::hours(2));
  ASSERT_TRUE(ca.ok());
  auto req = CreateCertificateRequest({"system:node:n1", {"system:nodes"}, {"n1"}});
  ASSERT_TRUE(req.ok());
  auto cert = SignCertificateRequest(*ca, req->cert_pem, {"digital signature", "server auth"},
                                     std::chrono::hours(24 * 365));
  ASSERT_TRUE(cert.ok());
  EXPECT_LE(SecondsLeft(*cert), 2 * 3600);
  Cert c(*cert);
  EXPECT_EQ(X509_get_extended_key_usage(c.x), static_cast<uint32_t>(XKU_SSL_SERVER));
  auto parsed_sans = X509_get_ext_d2i(c.x, NID_subject_alt_name, nullptr, nullptr);
  EXPECT_NE(parsed_sans, nullptr);
  GENERAL_NAMES_free(static_cast<GENERAL_NAMES*>(parsed_sans));
}

TEST(X509Test, ReadCertificateReportsNamesValidityAndIssuer) {
  auto ca = CreateCertificateAuthority("ca");
  ASSERT_TRUE(ca.ok());
  CertificateRequest request{"kube-apiserver", {}, {"api.demo.example.com", "127.0.0.1"}, true, false};
  request.validity = std::chrono::seconds(90);
  auto leaf = IssueCertificate(*ca, request);
  ASSERT_TRUE(leaf.ok());
  auto info = ReadCertificate(leaf->cert_pem);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->subject.common_name, "kube-apiserver");
  EXPECT_EQ(info->dns_names, std::vector<std::string>{"api.demo.example.com"});
  EXPECT_EQ(info->ip_addresses, std::vector<std::string>{"127.0.0.1"});
  const auto left = info->not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::seconds(60));
  EXPECT_LE(left, std::chrono::seconds(91));
  EXPECT_FALSE(info->self_signed);
  auto ca_info = ReadCertificate(ca->cert_pem);
  ASSERT_TRUE(ca_info.ok());
  EXPECT_TRUE(ca_info->self_signed);
  EXPECT_FALSE(ReadCertificate("junk").ok());

  EXPECT_TRUE(KeyMatchesCertificate(leaf->cert_pem, leaf->key_pem));
  EXPECT_FALSE(KeyMatchesCertificate(leaf->cert_pem, ca->key_pem));
  const auto chain = SplitPemChain(leaf->cert_pem + ca->cert_pem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(ReadCertificate(chain[1])->subject.common_name, "ca");
}

}  // namespace
}  // namespace carrier::x509
