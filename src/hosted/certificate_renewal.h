#pragma once
// When the leaf certificates of a hosted cluster's PKI (pki.h: the API server's serving
// certificate, the admin client certificate) are reissued. As in HyperShift, leaves are valid
// one year and renewed 30 days before they expire; the HostedCluster controller checks on
// every pass and requeues itself for the next renewal. Both durations are settings of
// `carrier serve` (--hosted-certificate-validity, --hosted-certificate-renew-before) so that a
// renewal can be watched happening in a test.

#include <chrono>
#include <string>

#include "base/status.h"

namespace carrier::hosted {

struct CertificatePolicy {
  std::chrono::seconds leaf_validity{std::chrono::hours(24 * 365)};
  std::chrono::seconds renew_before{std::chrono::hours(24 * 30)};
};

// kInvalidArgument unless both are positive and a new leaf is not due at once
// (renew_before < leaf_validity).
Status ValidateCertificatePolicy(const CertificatePolicy& policy);

// When `cert_pem` is due for renewal: its notAfter minus renew_before; the epoch (at once)
// when it cannot be read.
std::chrono::system_clock::time_point RenewalDue(const std::string& cert_pem,
                                                 const CertificatePolicy& policy);

}  // namespace carrier::hosted
