#pragma once
// The management plane's PKI, created on first start in the data directory and reused
// afterwards:
//   <data-dir>/pki/ca.crt, ca.key             the cluster CA (signs serving and client certs)
//   <data-dir>/pki/serving.crt, serving.key   the API server's certificate (SANs below)
//   <data-dir>/pki/sa.key                     root's service-account token signing key
//   <data-dir>/admin.kubeconfig               system:admin in system:masters, for kubectl

#include <string>
#include <vector>

#include "base/status.h"
#include "base/x509.h"

namespace carrier::apiserver {

struct ServingPki {
  x509::KeyPair ca;  // also root's client CA
  std::string service_account_key_pem;
  std::string serving_cert_file;
  std::string serving_key_file;
  std::string admin_kubeconfig_file;
};

// Loads the PKI from `data_dir`, creating what is missing. `sans` are the serving
// certificate's names (localhost and 127.0.0.1 are always included).
Result<ServingPki> LoadOrCreateServingPki(const std::string& data_dir,
                                          std::vector<std::string> sans);

// A kubeconfig for `server` (https URL) trusting `ca_pem` for the server and authenticating
// with `client`.
std::string KubeconfigText(const std::string& server, const std::string& ca_pem,
                           const x509::KeyPair& client, const std::string& user_name);
// Writes KubeconfigText to `path` (mode 0600).
Status WriteKubeconfig(const std::string& path, const std::string& server,
                       const std::string& ca_pem, const x509::KeyPair& client,
                       const std::string& user_name);

}  // namespace carrier::apiserver
