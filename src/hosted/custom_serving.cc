#include "hosted/custom_serving.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/base64.h"
#include "base/x509.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::hosted {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::ObjectAt;
using controllers::StringAt;

namespace {

// `name` matches `pattern` (a DNS SAN, "*.example.com" matching one label).
bool NameMatches(const std::string& pattern, const std::string& name) {
  if (pattern == name) return true;
  if (pattern.rfind("*.", 0) != 0) return false;
  const size_t dot = name.find('.');
  return dot != std::string::npos && name.substr(dot) == pattern.substr(1);
}

bool Covers(const x509::CertificateInfo& info, const std::string& name) {
  if (std::find(info.ip_addresses.begin(), info.ip_addresses.end(), name) != info.ip_addresses.end()) {
    return true;
  }
  return std::any_of(info.dns_names.begin(), info.dns_names.end(),
                     [&](const std::string& san) { return NameMatches(san, name); });
}

Result<NamedCertificate> ReadNamedCertificate(storage::Store& store, const std::string& ns,
                                              const json::object& entry, const std::string& field) {
  const std::string secret = StringAt(ObjectAt(&entry, "servingCertificate"), "name");
  if (secret.empty()) return InvalidArgument(field + ".servingCertificate.name is required");
  auto got = controllers::GetObject(
      store, controllers::StoreKey("root", controllers::BuiltInType("", "secrets"), ns, secret));
  if (!got.ok()) return got.status();
  if (!*got) return InvalidArgument(field + ": Secret " + ns + "/" + secret + " not found");
  const json::object* data = ObjectAt((*got)->object, "data");
  auto cert = Base64Decode(StringAt(data, "tls.crt"));
  auto key = Base64Decode(StringAt(data, "tls.key"));
  if (!cert || cert->empty() || !key || key->empty()) {
    return InvalidArgument(field + ": Secret " + ns + "/" + secret + " must hold tls.crt and tls.key");
  }
  auto info = x509::ReadCertificate(*cert);
  if (!info.ok()) return InvalidArgument(field + ": tls.crt of Secret " + ns + "/" + secret + " is not a PEM certificate");
  if (!x509::KeyMatchesCertificate(*cert, *key)) {
    return InvalidArgument(field + ": tls.key of Secret " + ns + "/" + secret + " is not the key of its tls.crt");
  }
  NamedCertificate out{{}, *cert, *key};
  if (const json::array* names = ArrayAt(&entry, "names")) {
    for (const auto& n : *names) {
      if (!n.is_string()) continue;
      const std::string name(n.get_string());
      if (!Covers(*info, name)) {
        return InvalidArgument(field + ": the certificate of Secret " + ns + "/" + secret + " does not cover " + name);
      }
      out.names.push_back(name);
    }
  }
  if (out.names.empty()) {
    for (const std::string& san : info->dns_names) {
      if (san.rfind("*.", 0) != 0) out.names.push_back(san);  // SNI needs an exact name
    }
  }
  if (out.names.empty()) return InvalidArgument(field + ": no names to serve the certificate of Secret " + ns + "/" + secret + " for");
  return out;
}

}  // namespace

namespace {

const json::array* NamedCertificatesOf(const json::object& spec) {
  return ArrayAt(ObjectAt(ObjectAt(ObjectAt(&spec, "configuration"), "apiServer"), "servingCerts"),
                 "namedCertificates");
}

}  // namespace

std::vector<std::string> NamedCertificateSecrets(const json::object& hosted_cluster) {
  std::vector<std::string> out;
  const json::object* spec = ObjectAt(&hosted_cluster, "spec");
  const json::array* named = spec ? NamedCertificatesOf(*spec) : nullptr;
  for (size_t i = 0; named != nullptr && i < named->size(); ++i) {
    const std::string secret = StringAt(ObjectAt((*named)[i].if_object(), "servingCertificate"), "name");
    if (!secret.empty()) out.push_back(secret);
  }
  return out;
}

Result<CustomServing> ReadCustomServing(storage::Store& store, const std::string& ns,
                                        const json::object& spec, const HostedPki& pki) {
  CustomServing out;
  const std::string path = "spec.configuration.apiServer.servingCerts.namedCertificates";
  const json::array* named = NamedCertificatesOf(spec);
  for (size_t i = 0; named != nullptr && i < named->size(); ++i) {
    const json::object* entry = (*named)[i].if_object();
    const std::string field = path + "[" + std::to_string(i) + "]";
    if (entry == nullptr) return InvalidArgument(field + " must be an object");
    auto cert = ReadNamedCertificate(store, ns, *entry, field);
    if (!cert.ok()) return cert.status();
    out.named_certificates.push_back(std::move(*cert));
  }
  out.dns_name = StringAt(&spec, "kubeAPIServerDNSName");
  if (out.dns_name.empty()) return out;
  out.dns_name_ca_pem = pki.root_ca.cert_pem;  // kas-server-crt carries the name
  for (const NamedCertificate& cert : out.named_certificates) {
    if (std::find(cert.names.begin(), cert.names.end(), out.dns_name) == cert.names.end()) continue;
    const std::vector<std::string> chain = x509::SplitPemChain(cert.cert_pem);
    auto top = chain.empty() ? Result<x509::CertificateInfo>(InvalidArgument("empty"))
                             : x509::ReadCertificate(chain.back());
    out.dns_name_ca_pem = chain.size() > 1 && top.ok() && top->self_signed ? chain.back() : "";
    break;
  }
  return out;
}

}  // namespace carrier::hosted
