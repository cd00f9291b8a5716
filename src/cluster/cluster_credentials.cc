#include "cluster/cluster_credentials.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json.hpp>

#include "apiserver/authn/jwt.h"

namespace carrier::cluster {

namespace json = boost::json;

Result<ClusterCredentials> GenerateClusterCredentials(const std::string& name) {
  auto ca = x509::CreateCertificateAuthority("carrier-cluster-" + name + "-client-ca");
  if (!ca.ok()) return ca.status();
  auto key = apiserver::authn::GenerateSigningKey();
  if (!key.ok()) return key.status();
  return ClusterCredentials{std::move(*ca), std::move(*key)};
}

namespace {

// kInvalidArgument unless `ca` is a CA certificate whose public key matches its private key.
Status ValidateCa(const x509::KeyPair& ca) {
  BIO* cert_bio = BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  Status st;
  if (cert == nullptr) {
    st = InvalidArgument("the client CA certificate is not a PEM certificate");
  } else if (key == nullptr) {
    st = InvalidArgument("the client CA key is not a PEM private key");
  } else if (X509_check_ca(cert) == 0) {
    st = InvalidArgument("the client CA certificate is not a CA certificate");
  } else if (X509_check_private_key(cert, key) != 1) {
    st = InvalidArgument("the client CA key does not belong to the CA certificate");
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  ERR_clear_error();
  return st;
}

}  // namespace

Status ValidateClusterCredentials(const ClusterCredentials& credentials) {
  CARRIER_RETURN_IF_ERROR(ValidateCa(credentials.client_ca));
  if (!apiserver::authn::PublicKeyPem(credentials.service_account_key_pem).ok()) {
    return InvalidArgument("the service-account signing key is not a PEM private key");
  }
  return {};
}

json::object CredentialsToJson(const ClusterCredentials& c) {
  return {{"clientCA", json::object{{"certificate", c.client_ca.cert_pem}, {"key", c.client_ca.key_pem}}},
          {"serviceAccountKey", c.service_account_key_pem}};
}

Result<ClusterCredentials> CredentialsFromJson(const json::value& value) {
  auto damaged = [] { return DataLoss("the cluster's stored credentials are damaged"); };
  const json::object* obj = value.if_object();
  if (obj == nullptr) return damaged();
  const json::value* ca = obj->if_contains("clientCA");
  const json::value* sa = obj->if_contains("serviceAccountKey");
  if (ca == nullptr || !ca->is_object() || sa == nullptr || !sa->is_string()) return damaged();
  const json::value* cert = ca->as_object().if_contains("certificate");
  const json::value* key = ca->as_object().if_contains("key");
  if (cert == nullptr || !cert->is_string() || key == nullptr || !key->is_string()) return damaged();
  ClusterCredentials c;
  c.client_ca = {std::string(cert->get_string()), std::string(key->get_string())};
  c.service_account_key_pem = std::string(sa->get_string());
  return c;
}

}  // namespace carrier::cluster
