#include "hosted/kubeconfig.h"

#include "base/base64.h"

namespace carrier::hosted {

std::string RenderKubeconfig(const KubeconfigParams& p) {
  std::string text =
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: cluster\n"
      "  cluster:\n"
      "    server: " + p.server + "\n";
  // Without a CA the system's roots verify the server (a publicly signed named certificate).
  if (!p.server_ca_pem.empty()) text += "    certificate-authority-data: " + Base64Encode(p.server_ca_pem) + "\n";
  if (!p.tls_server_name.empty()) text += "    tls-server-name: " + p.tls_server_name + "\n";
  text +=
      "users:\n"
      "- name: admin\n"
      "  user:\n"
      "    client-certificate-data: " + Base64Encode(p.client.cert_pem) + "\n"
      "    client-key-data: " + Base64Encode(p.client.key_pem) + "\n"
      "contexts:\n"
      "- name: admin\n"
      "  context:\n"
      "    cluster: cluster\n"
      "    user: admin\n"
      "    namespace: default\n"
      "current-context: admin\n";
  return text;
}

}  // namespace carrier::hosted
