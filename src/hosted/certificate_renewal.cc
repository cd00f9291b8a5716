#include "hosted/certificate_renewal.h"

#include "base/x509.h"

namespace carrier::hosted {

Status ValidateCertificatePolicy(const CertificatePolicy& policy) {
  if (policy.leaf_validity.count() <= 0 || policy.renew_before.count() <= 0) {
    return InvalidArgument("the certificate validity and renewal lead time must be positive");
  }
  if (policy.renew_before >= policy.leaf_validity) {
    return InvalidArgument("certificates must be renewed less than their validity before they expire (renew-before " +
                           std::to_string(policy.renew_before.count()) + "s, validity " +
                           std::to_string(policy.leaf_validity.count()) + "s)");
  }
  return {};
}

std::chrono::system_clock::time_point RenewalDue(const std::string& cert_pem,
                                                 const CertificatePolicy& policy) {
  auto info = x509::ReadCertificate(cert_pem);
  if (!info.ok()) return {};
  return info->not_after - policy.renew_before;
}

}  // namespace carrier::hosted
