#include "hosted/certificate_renewal.h"

#include <gtest/gtest.h>

#include "base/x509.h"

namespace carrier::hosted {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TEST(CertificateRenewalTest, DueRenewBeforeTheLeafExpires) {
  auto ca = x509::CreateCertificateAuthority("ca");
  ASSERT_TRUE(ca.ok());
  x509::CertificateRequest request{"kube-apiserver", {}, {"localhost"}, true, false};
  request.validity = hours(24 * 365);
  auto leaf = x509::IssueCertificate(*ca, request);
  ASSERT_TRUE(leaf.ok());
  const CertificatePolicy policy;  // 1 year, renewed 30 days before
  const auto due = RenewalDue(leaf->cert_pem, policy);
  const auto expected = std::chrono::system_clock::now() + hours(24 * 335);
  EXPECT_LT(std::chrono::abs(due - expected), std::chrono::minutes(5));
  // An unreadable certificate is due at once.
  EXPECT_EQ(RenewalDue("not a certificate", policy), std::chrono::system_clock::time_point());
}

TEST(CertificateRenewalTest, PolicyMustLeaveANewLeafValid) {
  EXPECT_TRUE(ValidateCertificatePolicy(CertificatePolicy{}).ok());
  EXPECT_TRUE(ValidateCertificatePolicy({seconds(120), seconds(60)}).ok());
  EXPECT_EQ(ValidateCertificatePolicy({seconds(60), seconds(60)}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateCertificatePolicy({seconds(0), seconds(1)}).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace carrier::hosted
