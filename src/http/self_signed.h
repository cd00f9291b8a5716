#pragma once
// Creates a self-signed TLS server certificate (ECDSA P-256, 10 years, CA:TRUE so a client can
// trust it directly as its own anchor) with DNS and IP subject alternative names.

#include <string>
#include <vector>

#include "base/status.h"

namespace carrier::http {

// Writes `cert_path` (PEM certificate) and `key_path` (PEM private key, mode 0600).
// Each SAN that parses as an IPv4/IPv6 address becomes an IP SAN, the others DNS SANs; the
// first one is also the subject CN.
Status WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                  const std::vector<std::string>& sans);

}  // namespace carrier::http
