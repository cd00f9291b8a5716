#pragma once
// A small PKI: ECDSA P-256 keys, certificate authorities, and certificates they issue for
// servers (SANs) and clients (CN = user, O = groups, as Kubernetes reads them). Everything is
// exchanged as PEM text so callers can store it in files or Secrets.

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace carrier::x509 {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> organizations;  // client certificates: the user's groups
  std::vector<std::string> sans;           // DNS names or IP addresses (servers)
  bool server = false;                     // extendedKeyUsage serverAuth
  bool client = false;                     // extendedKeyUsage clientAuth
  std::chrono::hours validity{24 * 365};
};

// A self-signed certificate authority.
Result<KeyPair> CreateCertificateAuthority(const std::string& common_name,
                                           std::chrono::hours validity = std::chrono::hours(
                                               24 * 365 * 10));

// A certificate for `request`, signed by `ca`.
Result<KeyPair> IssueCertificate(const KeyPair& ca, const CertificateRequest& request);

// The subject of a PEM certificate.
struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;
};
Result<Subject> ReadSubject(const std::string& cert_pem);

}  // namespace carrier::x509
