#pragma once
// A small PKI: ECDSA P-256 keys, certificate authorities, and certificates they issue for
// servers (SANs) and clients (CN = user, O = groups, as Kubernetes reads them). Everything is
// exchanged as PEM text so callers can store it in files or Secrets.

#include <chrono>
#include <string>
#include <string_view>
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
  std::chrono::seconds validity{std::chrono::hours(24 * 365)};
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

// What the first certificate of a PEM chain says about itself.
struct CertificateInfo {
  Subject subject;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries, as text
  std::chrono::system_clock::time_point not_before, not_after;
  bool self_signed = false;  // issuer == subject and its own key verifies the signature
};
Result<CertificateInfo> ReadCertificate(const std::string& cert_pem);
// Whether `key_pem` is the private key of the first certificate in `cert_pem`.
bool KeyMatchesCertificate(const std::string& cert_pem, const std::string& key_pem);
// The PEM certificates of a chain, in order.
std::vector<std::string> SplitPemChain(const std::string& chain_pem);

// A PKCS#10 certificate signing request: what it asks to be certified.
struct ParsedCertificateRequest {
  Subject subject;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> email_addresses;
  std::vector<std::string> uris;
};
// A new key and a PKCS#10 request for `request`'s CN, O and SANs, signed with that key (what
// a kubelet puts in a CertificateSigningRequest). Returns {request PEM, key PEM}; the usage
// flags and validity of `request` are not part of a PKCS#10 request and are ignored.
Result<KeyPair> CreateCertificateRequest(const CertificateRequest& request);

// Parses the "CERTIFICATE REQUEST" PEM block of `pem`, whose self-signature must verify;
// kInvalidArgument saying what is wrong otherwise.
Result<ParsedCertificateRequest> ParseCertificateRequest(std::string_view pem);

// Signs the request `csr_pem` with `ca`: the certificate carries the request's subject,
// SANs and public key, the key usages and extended key usages named by `usages` (the
// certificates.k8s.io/v1 names: "digital signature", "key encipherment", "client auth",
// "server auth", ...), is valid from five minutes ago (clock skew) for `validity`, and
// never beyond the CA's own notAfter. Returns the certificate's PEM.
Result<std::string> SignCertificateRequest(const KeyPair& ca, std::string_view csr_pem,
                                           const std::vector<std::string>& usages,
                                           std::chrono::seconds validity);

}  // namespace carrier::x509
