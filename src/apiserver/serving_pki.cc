#include "apiserver/serving_pki.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "apiserver/authn/jwt.h"
#include "base/base64.h"
#include "base/files.h"

namespace carrier::apiserver {

namespace {

Result<x509::KeyPair> LoadOrCreateCa(const std::string& dir) {
  const std::string cert = dir + "/ca.crt", key = dir + "/ca.key";
  auto cert_pem = ReadFile(cert);
  auto key_pem = ReadFile(key);
  if (cert_pem.ok() && key_pem.ok()) return x509::KeyPair{*cert_pem, *key_pem};
  auto ca = x509::CreateCertificateAuthority("carrier-management-ca");
  if (!ca.ok()) return ca.status();
  CARRIER_RETURN_IF_ERROR(WriteFileAtomically(key, ca->key_pem, 0600));
  CARRIER_RETURN_IF_ERROR(WriteFileAtomically(cert, ca->cert_pem, 0644));
  return ca;
}

Result<std::string> LoadOrCreateSigningKey(const std::string& dir) {
  const std::string file = dir + "/sa.key";
  if (auto pem = ReadFile(file); pem.ok()) return *pem;
  auto key = authn::GenerateSigningKey();
  if (!key.ok()) return key.status();
  CARRIER_RETURN_IF_ERROR(WriteFileAtomically(file, *key, 0600));
  return key;
}

}  // namespace

std::string KubeconfigText(const std::string& server, const std::string& ca_pem,
                           const x509::KeyPair& client, const std::string& user_name) {
  return
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: carrier\n"
      "  cluster:\n"
      "    server: " + server + "\n"
      "    certificate-authority-data: " + Base64Encode(ca_pem) + "\n"
      "users:\n"
      "- name: " + user_name + "\n"
      "  user:\n"
      "    client-certificate-data: " + Base64Encode(client.cert_pem) + "\n"
      "    client-key-data: " + Base64Encode(client.key_pem) + "\n"
      "contexts:\n"
      "- name: carrier\n"
      "  context:\n"
      "    cluster: carrier\n"
      "    user: " + user_name + "\n"
      "current-context: carrier\n";
}

Status WriteKubeconfig(const std::string& path, const std::string& server,
                       const std::string& ca_pem, const x509::KeyPair& client,
                       const std::string& user_name) {
  return WriteFileAtomically(path, KubeconfigText(server, ca_pem, client, user_name), 0600);
}

Result<ServingPki> LoadOrCreateServingPki(const std::string& data_dir,
                                          std::vector<std::string> sans) {
  const std::string dir = data_dir + "/pki";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);

  auto ca = LoadOrCreateCa(dir);
  if (!ca.ok()) return ca.status();
  ServingPki pki;
  pki.ca = *ca;
  auto sa_key = LoadOrCreateSigningKey(dir);
  if (!sa_key.ok()) return sa_key.status();
  pki.service_account_key_pem = std::move(*sa_key);
  pki.serving_cert_file = dir + "/serving.crt";
  pki.serving_key_file = dir + "/serving.key";
  pki.admin_kubeconfig_file = data_dir + "/admin.kubeconfig";

  // The serving certificate is reissued on every start so its SANs follow the flags.
  for (const char* always : {"localhost", "127.0.0.1"}) {
    if (std::find(sans.begin(), sans.end(), always) == sans.end()) sans.push_back(always);
  }
  x509::CertificateRequest serving{"carrier-apiserver", {}, sans, true, false};
  auto cert = x509::IssueCertificate(pki.ca, serving);
  if (!cert.ok()) return cert.status();
  CARRIER_RETURN_IF_ERROR(WriteFileAtomically(pki.serving_key_file, cert->key_pem, 0600));
  CARRIER_RETURN_IF_ERROR(WriteFileAtomically(pki.serving_cert_file, cert->cert_pem, 0644));
  return pki;
}

}  // namespace carrier::apiserver
