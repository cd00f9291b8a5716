#include "registry/mirror/trust_map.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <yaml-cpp/yaml.h>

#include "registry/reference.h"

namespace carrier::registry::mirror {
namespace {

constexpr size_t kMaxInputSize = 8 << 20;

// Number of certificates in a PEM bundle; -1 when a block does not parse.
int CountCertificates(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return -1;
  int count = 0;
  while (true) {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    X509_free(cert);
    ++count;
  }
  // Reaching the end of the data is the normal way out; any other error is a bad block.
  unsigned long err = ERR_peek_last_error();
  bool clean_end = err == 0 || ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  BIO_free(bio);
  return clean_end ? count : -1;
}

}  // namespace

Result<std::string> TrustMapKey(std::string_view registry_host) {
  if (!IsValidRegistryHost(registry_host) || registry_host.front() == '[') {
    return InvalidArgument("\"" + std::string(registry_host.substr(0, 300)) +
                           "\" is not a registry host[:port] (IPv6 hosts cannot be keyed)");
  }
  std::string key(registry_host);
  if (size_t colon = key.find(':'); colon != std::string::npos) key.replace(colon, 1, "..");
  return key;
}

Result<std::string> RegistryHostFromTrustMapKey(std::string_view key) {
  if (key.find(':') != std::string_view::npos) {
    return InvalidArgument("trust map key \"" + std::string(key.substr(0, 300)) +
                           "\" contains ':'; write the port as <host>..<port>");
  }
  std::string host(key);
  if (size_t dots = host.find(".."); dots != std::string::npos) host.replace(dots, 2, ":");
  if (!IsValidRegistryHost(host) || host.front() == '[') {
    return InvalidArgument("trust map key \"" + std::string(key.substr(0, 300)) +
                           "\" is not <host> or <host>..<port>");
  }
  return host;
}

Result<RegistryTrust> ParseTrustConfigMap(std::string_view text) {
  if (text.size() > kMaxInputSize) return InvalidArgument("ConfigMap is larger than 8 MiB");
  RegistryTrust trust;
  try {
    YAML::Node node = YAML::Load(std::string(text));
    if (!node.IsMap()) return InvalidArgument("ConfigMap is not an object");
    const YAML::Node kind = node["kind"];
    const YAML::Node api_version = node["apiVersion"];
    if (!kind || !kind.IsScalar() || kind.Scalar() != "ConfigMap" || !api_version ||
        !api_version.IsScalar() || api_version.Scalar() != "v1") {
      return InvalidArgument("expected a v1 ConfigMap");
    }
    const YAML::Node data = node["data"];
    if (!data || data.IsNull()) return trust;
    if (!data.IsMap()) return InvalidArgument("ConfigMap data must be an object");
    for (const auto& item : data) {
      if (!item.first.IsScalar() || !item.second.IsScalar()) {
        return InvalidArgument("ConfigMap data must map strings to strings");
      }
      const std::string& key = item.first.Scalar();
      Result<std::string> host = RegistryHostFromTrustMapKey(key);
      if (!host.ok()) return host.status();
      const std::string& pem = item.second.Scalar();
      int certificates = CountCertificates(pem);
      if (certificates <= 0) {
        return InvalidArgument("ConfigMap key \"" + key +
                               "\" does not hold PEM certificates that parse");
      }
      trust[*host] = pem;
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("ConfigMap is not valid YAML or JSON: ") + e.what());
  }
  return trust;
}

std::string RenderTrustConfigMap(std::string_view name, std::string_view namespace_name,
                                 const RegistryTrust& trust) {
  std::string out = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + std::string(name) +
                    "\n  namespace: " + std::string(namespace_name) + "\ndata:\n";
  for (const auto& [host, pem] : trust) {
    Result<std::string> key = TrustMapKey(host);
    if (!key.ok()) continue;  // only hosts that cannot be keyed (IPv6) are left out
    out += "  " + *key + ": |\n";
    size_t start = 0;
    while (start < pem.size()) {
      size_t end = pem.find('\n', start);
      if (end == std::string::npos) end = pem.size();
      out += "    " + pem.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  return out;
}

}  // namespace carrier::registry::mirror
