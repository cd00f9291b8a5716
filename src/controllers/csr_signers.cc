#include "controllers/csr_signers.h"

#include <algorithm>
#include <set>

namespace carrier::controllers::signers {

namespace {

constexpr std::string_view kNodePrefix = "system:node:";

std::string Listed(const std::set<std::string>& usages) {
  std::string out;
  for (const auto& u : usages) out += (out.empty() ? "" : ", ") + u;
  return "[" + out + "]";
}

Status NodeSubject(const x509::ParsedCertificateRequest& r) {
  if (r.subject.organizations != std::vector<std::string>{"system:nodes"}) {
    return InvalidArgument("subject organization is not system:nodes");
  }
  const std::string& cn = r.subject.common_name;
  if (cn.size() <= kNodePrefix.size() || cn.compare(0, kNodePrefix.size(), kNodePrefix) != 0) {
    return InvalidArgument("subject common name does not begin with system:node:");
  }
  return {};
}

// Usages exactly `required`, optionally with "key encipherment".
Status ExactUsages(const std::vector<std::string>& usages, std::set<std::string> required) {
  std::set<std::string> got(usages.begin(), usages.end());
  std::set<std::string> with_key = required;
  with_key.insert("key encipherment");
  if (got == required || got == with_key) return {};
  return InvalidArgument("usages did not match " + Listed(with_key) + " or " + Listed(required));
}

}  // namespace

bool IsBuiltIn(std::string_view signer) {
  return signer == kKubeApiServerClient || signer == kKubeletClient || signer == kKubeletServing;
}

Status Validate(std::string_view signer, const x509::ParsedCertificateRequest& r,
                const std::vector<std::string>& usages) {
  if (signer == kKubeApiServerClient) {
    static const std::set<std::string> allowed = {"digital signature", "key encipherment",
                                                  "client auth"};
    for (const auto& u : usages) {
      if (!allowed.count(u)) return InvalidArgument("invalid usage for client certificate: " + u);
    }
    if (std::find(usages.begin(), usages.end(), "client auth") == usages.end()) {
      return InvalidArgument("missing required usage for client certificate: client auth");
    }
    return {};
  }
  if (signer == kKubeletClient) {
    CARRIER_RETURN_IF_ERROR(NodeSubject(r));
    if (!r.dns_names.empty()) return InvalidArgument("DNS subjectAltNames are not allowed");
    if (!r.email_addresses.empty()) return InvalidArgument("Email subjectAltNames are not allowed");
    if (!r.ip_addresses.empty()) return InvalidArgument("IP subjectAltNames are not allowed");
    if (!r.uris.empty()) return InvalidArgument("URI subjectAltNames are not allowed");
    return ExactUsages(usages, {"digital signature", "client auth"});
  }
  if (signer == kKubeletServing) {
    CARRIER_RETURN_IF_ERROR(NodeSubject(r));
    if (r.dns_names.empty() && r.ip_addresses.empty()) {
      return InvalidArgument("DNS or IP subjectAltName is required");
    }
    if (!r.email_addresses.empty()) return InvalidArgument("Email subjectAltNames are not allowed");
    if (!r.uris.empty()) return InvalidArgument("URI subjectAltNames are not allowed");
    return ExactUsages(usages, {"digital signature", "server auth"});
  }
  return InvalidArgument("unknown signer " + std::string(signer));
}

}  // namespace carrier::controllers::signers
