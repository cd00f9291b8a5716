#include "cluster/cluster_storage.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>

namespace carrier::cluster {

namespace json = boost::json;

std::string DescribeStorage(const ClusterStorage& storage) {
  if (storage.managed()) return "the management plane's store";
  std::string endpoints;
  for (const auto& e : storage.etcd_endpoints) endpoints += (endpoints.empty() ? "" : ",") + e;
  return "the external etcd at " + endpoints;
}

Status ValidateEtcdEndpoint(std::string_view url) {
  const std::string quoted = "\"" + std::string(url) + "\"";
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return InvalidArgument("etcd endpoint " + quoted + " must be an https:// URL");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos ||
      colon == std::string_view::npos || colon == 0 || rest[colon - 1] == ':') {
    return InvalidArgument("etcd endpoint " + quoted + " must be of the form https://<host>:<port>");
  }
  const std::string_view port = rest.substr(colon + 1);
  int number = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || (number = number * 10 + (c - '0')) > 65535) {
      return InvalidArgument("etcd endpoint " + quoted + " has a bad port");
    }
  }
  if (port.empty() || number == 0) return InvalidArgument("etcd endpoint " + quoted + " has a bad port");
  return {};
}

namespace {

// kInvalidArgument unless `cert_pem` and `key_pem` parse and belong together, and `ca_pem`
// holds a certificate.
Status ValidateTls(const ClusterStorage& s) {
  auto read_cert = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return cert;
  };
  X509* ca = read_cert(s.ca_pem);
  X509* cert = read_cert(s.cert_pem);
  BIO* key_bio = BIO_new_mem_buf(s.key_pem.data(), static_cast<int>(s.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  Status st;
  if (ca == nullptr) {
    st = InvalidArgument("the etcd CA is not a PEM certificate");
  } else if (cert == nullptr) {
    st = InvalidArgument("the etcd client certificate is not a PEM certificate");
  } else if (key == nullptr) {
    st = InvalidArgument("the etcd client key is not a PEM private key");
  } else if (X509_check_private_key(cert, key) != 1) {
    st = InvalidArgument("the etcd client key does not belong to the etcd client certificate");
  }
  X509_free(ca);
  X509_free(cert);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return st;
}

}  // namespace

Status ValidateClusterStorage(const ClusterStorage& storage) {
  if (storage.managed()) return {};
  for (const auto& endpoint : storage.etcd_endpoints) {
    CARRIER_RETURN_IF_ERROR(ValidateEtcdEndpoint(endpoint));
  }
  return ValidateTls(storage);
}

json::object StorageToJson(const ClusterStorage& s) {
  if (s.managed()) return {};
  return {{"etcd", json::object{{"endpoints", json::value_from(s.etcd_endpoints)},
                                {"ca", s.ca_pem},
                                {"certificate", s.cert_pem},
                                {"key", s.key_pem}}}};
}

Result<ClusterStorage> StorageFromJson(const json::value& value) {
  auto damaged = [] { return DataLoss("the cluster's stored storage settings are damaged"); };
  const json::object* obj = value.if_object();
  if (obj == nullptr) return damaged();
  ClusterStorage s;
  const json::value* etcd = obj->if_contains("etcd");
  if (etcd == nullptr) return s;
  if (!etcd->is_object()) return damaged();
  const json::object& e = etcd->as_object();
  const json::value* endpoints = e.if_contains("endpoints");
  if (endpoints == nullptr || !endpoints->is_array() || endpoints->as_array().empty()) return damaged();
  for (const auto& endpoint : endpoints->as_array()) {
    if (!endpoint.is_string()) return damaged();
    s.etcd_endpoints.emplace_back(endpoint.get_string());
  }
  for (auto [field, out] : {std::pair{"ca", &s.ca_pem}, std::pair{"certificate", &s.cert_pem},
                            std::pair{"key", &s.key_pem}}) {
    const json::value* v = e.if_contains(field);
    if (v == nullptr || !v->is_string()) return damaged();
    *out = std::string(v->get_string());
  }
  return s;
}

}  // namespace carrier::cluster
