#include "hosted/pki.h"

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>

#include "apiserver/authn/jwt.h"
#include "base/base64.h"
#include "controllers/json_fields.h"
#include "hosted/validation.h"

namespace carrier::hosted {

Result<x509::KeyPair> IssueServingCertificate(const x509::KeyPair& root_ca,
                                              const std::vector<std::string>& serving_sans,
                                              std::chrono::seconds validity) {
  x509::CertificateRequest request{"kube-apiserver", {"kubernetes"}, serving_sans, true, false};
  request.validity = validity;
  return x509::IssueCertificate(root_ca, request);
}

Result<x509::KeyPair> IssueAdminCertificate(const x509::KeyPair& root_ca, std::chrono::seconds validity) {
  x509::CertificateRequest request{"system:admin", {"system:masters"}, {}, false, true};
  request.validity = validity;
  return x509::IssueCertificate(root_ca, request);
}

namespace {

// An IP address in its canonical text form, or the name unchanged.
std::string CanonicalName(const std::string& name) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, name.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, text, sizeof text);
  if (inet_pton(AF_INET6, name.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, text, sizeof text);
  return name;
}

}  // namespace

bool CertificateCovers(const std::string& cert_pem, const std::vector<std::string>& names) {
  auto info = x509::ReadCertificate(cert_pem);
  if (!info.ok()) return false;
  std::vector<std::string> present = info->dns_names;
  present.insert(present.end(), info->ip_addresses.begin(), info->ip_addresses.end());
  for (const std::string& name : names) {
    if (std::find(present.begin(), present.end(), CanonicalName(name)) == present.end()) return false;
  }
  return true;
}

Result<HostedPki> HostedPkiFromCredentials(const cluster::ClusterCredentials& credentials,
                                           const std::vector<std::string>& serving_sans,
                                           std::chrono::seconds leaf_validity) {
  HostedPki pki;
  pki.root_ca = credentials.client_ca;
  pki.service_account_key_pem = credentials.service_account_key_pem;
  auto serving_pair = IssueServingCertificate(pki.root_ca, serving_sans, leaf_validity);
  if (!serving_pair.ok()) return serving_pair.status();
  pki.serving = std::move(*serving_pair);
  auto admin_pair = IssueAdminCertificate(pki.root_ca, leaf_validity);
  if (!admin_pair.ok()) return admin_pair.status();
  pki.admin = std::move(*admin_pair);
  auto public_key = apiserver::authn::PublicKeyPem(pki.service_account_key_pem);
  if (!public_key.ok()) return public_key.status();
  pki.service_account_public_key_pem = std::move(*public_key);
  return pki;
}

Result<HostedPki> GenerateHostedPki(const std::string& name,
                                    const std::vector<std::string>& serving_sans,
                                    std::chrono::seconds leaf_validity) {
  auto ca = x509::CreateCertificateAuthority("root-ca." + name);
  if (!ca.ok()) return ca.status();
  auto key = apiserver::authn::GenerateSigningKey();
  if (!key.ok()) return key.status();
  return HostedPkiFromCredentials({std::move(*ca), std::move(*key)}, serving_sans, leaf_validity);
}

std::vector<std::string> ServingNames(const std::string& name, const boost::json::object& spec,
                                      const std::string& listener_host) {
  using controllers::ArrayAt;
  using controllers::ObjectAt;
  using controllers::StringAt;
  std::vector<std::string> sans = {"localhost", "127.0.0.1", listener_host, "kubernetes",
                                   "kubernetes.default", "kubernetes.default.svc",
                                   "kubernetes.default.svc.cluster.local"};
  if (const std::string base = StringAt(ObjectAt(&spec, "dns"), "baseDomain"); !base.empty()) {
    sans.push_back("api." + name + "." + base);
    sans.push_back("api-int." + name + "." + base);
  }
  sans.push_back(StringAt(&spec, "kubeAPIServerDNSName"));
  if (const boost::json::array* services = ArrayAt(&spec, "services")) {
    for (const auto& s : *services) {
      if (StringAt(s.if_object(), "service") != "APIServer") continue;
      const boost::json::object* strategy = ObjectAt(s.if_object(), "servicePublishingStrategy");
      sans.push_back(StringAt(ObjectAt(strategy, "route"), "hostname"));
      sans.push_back(StringAt(ObjectAt(strategy, "loadBalancer"), "hostname"));
      sans.push_back(StringAt(ObjectAt(strategy, "nodePort"), "address"));
    }
  }
  for (const auto& n : NetworksOf(boost::json::object{{"spec", spec}})) {
    if (n.field.rfind("spec.networking.serviceNetwork", 0) != 0) continue;
    if (auto cidr = ParseCidr(n.cidr); cidr.ok()) sans.push_back(NthAddress(*cidr, 1));
  }
  sans.erase(std::remove(sans.begin(), sans.end(), std::string()), sans.end());
  std::sort(sans.begin(), sans.end());
  sans.erase(std::unique(sans.begin(), sans.end()), sans.end());
  return sans;
}

std::map<std::string, std::map<std::string, std::string>> PkiSecrets(const HostedPki& pki) {
  auto tls = [](const x509::KeyPair& pair) {
    return std::map<std::string, std::string>{{"tls.crt", Base64Encode(pair.cert_pem)},
                                              {"tls.key", Base64Encode(pair.key_pem)}};
  };
  auto root = tls(pki.root_ca);
  root["ca.crt"] = Base64Encode(pki.root_ca.cert_pem);
  return {{std::string(kRootCaSecret), root},
          {std::string(kServingSecret), tls(pki.serving)},
          {std::string(kAdminClientSecret), tls(pki.admin)},
          {std::string(kSigningKeySecret),
           {{"service-account.key", Base64Encode(pki.service_account_key_pem)},
            {"service-account.pub", Base64Encode(pki.service_account_public_key_pem)}}}};
}

Result<HostedPki> PkiFromSecrets(
    const std::map<std::string, std::map<std::string, std::string>>& secrets) {
  auto field = [&](std::string_view secret, const std::string& key) -> Result<std::string> {
    auto s = secrets.find(std::string(secret));
    if (s == secrets.end()) return DataLoss("PKI secret " + std::string(secret) + " is missing");
    auto v = s->second.find(key);
    if (v == s->second.end()) {
      return DataLoss("PKI secret " + std::string(secret) + " has no " + key);
    }
    auto decoded = Base64Decode(v->second);
    if (!decoded || decoded->empty()) {
      return DataLoss("PKI secret " + std::string(secret) + " has a damaged " + key);
    }
    return *decoded;
  };
  HostedPki pki;
  struct Field {
    std::string_view secret;
    const char* key;
    std::string* out;
  };
  for (const Field& f : {Field{kRootCaSecret, "tls.crt", &pki.root_ca.cert_pem},
                         Field{kRootCaSecret, "tls.key", &pki.root_ca.key_pem},
                         Field{kServingSecret, "tls.crt", &pki.serving.cert_pem},
                         Field{kServingSecret, "tls.key", &pki.serving.key_pem},
                         Field{kAdminClientSecret, "tls.crt", &pki.admin.cert_pem},
                         Field{kAdminClientSecret, "tls.key", &pki.admin.key_pem},
                         Field{kSigningKeySecret, "service-account.key", &pki.service_account_key_pem},
                         Field{kSigningKeySecret, "service-account.pub",
                               &pki.service_account_public_key_pem}}) {
    auto value = field(f.secret, f.key);
    if (!value.ok()) return value.status();
    *f.out = std::move(*value);
  }
  return pki;
}

std::string GenerateKubeadminPassword() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  while (out.size() < 23) {
    unsigned char byte = 0;
    if (RAND_bytes(&byte, 1) != 1) continue;
    if (byte >= 248) continue;  // 248 = 4 * 62: keep the choice uniform
    if (out.size() % 6 == 5) out += '-';
    out += kAlphabet[byte % kAlphabet.size()];
  }
  return out;
}

}  // namespace carrier::hosted
