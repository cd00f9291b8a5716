#pragma once
// The admin kubeconfig of a hosted cluster, as HyperShift writes it (cluster "cluster",
// user and context "admin"): the hosted cluster's URL, the CA that signs the certificate the
// API server presents there, and the admin client certificate of the hosted cluster's own
// PKI (pki.h). Today a hosted cluster is served on the management plane's listener at
// https://<address>:<port>/clusters/<name>, whose certificate the management CA signs.

#include <string>

#include "base/x509.h"

namespace carrier::hosted {

struct KubeconfigParams {
  std::string server;           // https URL of the hosted cluster
  std::string server_ca_pem;    // trusted for the server's certificate ("": the system's roots)
  x509::KeyPair client;         // the admin client certificate and key
  std::string tls_server_name;  // optional: the name the certificate is checked against
};

std::string RenderKubeconfig(const KubeconfigParams& params);

}  // namespace carrier::hosted
