#pragma once
// Where a client connects and how it authenticates, read from a kubeconfig file as kubectl
// reads it: the explicit path, else the first file of $KUBECONFIG, else ~/.kube/config; the
// current context (or a named one) selects the cluster (server, certificate-authority[-data],
// insecure-skip-tls-verify, tls-server-name) and the user (client-certificate[-data] and
// client-key[-data], or token). Relative file paths are resolved against the kubeconfig's
// directory.

#include <string>

#include "base/status.h"

namespace carrier::client {

struct ClientConfig {
  std::string server;           // https://host:port[/path prefix]
  std::string ca_pem;           // empty: the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // empty: the server URL's host
  std::string cert_pem;
  std::string key_pem;
  std::string token;
  std::string source;  // the file it came from, for messages
};

// kNotFound when no kubeconfig file exists; kInvalidArgument when it lacks what is needed.
Result<ClientConfig> LoadKubeconfig(const std::string& explicit_path, const std::string& context = "");
// The same from kubeconfig text (`dir` resolves relative paths).
Result<ClientConfig> ParseKubeconfig(const std::string& text, const std::string& dir,
                                     const std::string& context = "");

}  // namespace carrier::client
