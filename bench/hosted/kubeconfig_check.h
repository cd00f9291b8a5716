#pragma once
// The proof bench/hosted asks of a sample of its hosted clusters: read the cluster's
// `<name>-admin-kubeconfig` Secret from root (data.kubeconfig), parse it as kubectl does
// (src/client: server URL with its path prefix, CA, client certificate and key,
// tls-server-name when present) and GET /api/v1/namespaces with it, expecting 200 and the
// namespace openshift-config that every hosted cluster is born with.

#include <string>

#include "load_client.h"

namespace carrier::bench::hosted {

struct KubeconfigCheck {
  bool ok = false;
  std::string server;           // the kubeconfig's server URL
  std::string tls_server_name;  // "" when the kubeconfig has none
  int namespaces = 0;           // items of the list
  std::string error;            // why it failed
};

// `root` is a connection to the management plane (root) as system:admin.
KubeconfigCheck CheckAdminKubeconfig(api::Connection& root, const std::string& ns,
                                     const std::string& name);

}  // namespace carrier::bench::hosted
