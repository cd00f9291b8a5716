#include <gtest/gtest.h>

#include "apiserver/authn/client_certificate.h"
#include "base/x509.h"

namespace carrier::apiserver::authn {
namespace {

TEST(ClientCertificateAuthenticatorTest, AcceptsOnlyCertificatesOfItsCa) {
  auto ca = x509::CreateCertificateAuthority("test-ca");
  auto other_ca = x509::CreateCertificateAuthority("other-ca");
  ASSERT_TRUE(ca.ok() && other_ca.ok());
  auto authn = ClientCertificateAuthenticator::Create(ca->cert_pem);
  ASSERT_TRUE(authn.ok());

  x509::CertificateRequest alice{"alice", {"dev", "ops"}, {}, false, true};
  auto cert = x509::IssueCertificate(*ca, alice);
  ASSERT_TRUE(cert.ok());
  auto user = (*authn)->Authenticate(cert->cert_pem);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->name, "alice");
  EXPECT_TRUE(user->InGroup("dev"));
  EXPECT_TRUE(user->InGroup("ops"));
  EXPECT_TRUE(user->InGroup("system:authenticated"));

  auto foreign = x509::IssueCertificate(*other_ca, alice);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ((*authn)->Authenticate(foreign->cert_pem).status().code(), Code::kUnauthorized);
  EXPECT_EQ((*authn)->Authenticate("").status().code(), Code::kUnauthorized);
  EXPECT_EQ((*authn)->Authenticate("not a certificate").status().code(), Code::kUnauthorized);
  // A server certificate is not a client credential.
  auto server = x509::IssueCertificate(*ca, {"srv", {}, {"localhost"}, true, false});
  EXPECT_EQ((*authn)->Authenticate(server->cert_pem).status().code(), Code::kUnauthorized);
}

}  // namespace
}  // namespace carrier::apiserver::authn
