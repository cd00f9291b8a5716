#pragma once
// The registry's root folder and configuration file, laid out like the documented mirror
// registry:
//   <root>/certs/   TLS certificate and key (domain.crt, domain.key), token signing key
//   <root>/auth/    htpasswd (bcrypt)
//   <root>/data/    content (see storage.h)
//   <root>/conf/    config.yaml
// Relative paths in the file are relative to the root. See RenderRegistryConfig for every
// key with its default.

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "registry/auth/registry_auth.h"
#include "registry/registry_server.h"
#include "registry/storage.h"

namespace carrier::registry {

struct RegistryConfig {
  std::string root;
  std::string address = "0.0.0.0";
  uint16_t port = 5000;
  std::string hostname;  // extra certificate SAN; host of the default token realm
  int threads = 4;
  bool tls = true;
  std::string tls_cert;  // absolute after loading
  std::string tls_key;
  std::string data_dir;
  bool delete_enabled = true;
  uint64_t max_manifest_bytes = 4ull << 20;
  uint64_t max_blob_bytes = 0;
  auth::AuthConfig auth;  // htpasswd_path empty: no authentication
  GcOptions gc;
};

// The configuration of a fresh root (defaults; paths inside `root`).
RegistryConfig DefaultRegistryConfig(const std::string& root, const std::string& hostname);

// Reads `config_path` (empty: <root>/conf/config.yaml). An empty `root` is derived from
// the config path (the folder above conf/). Unknown keys and bad values are errors.
Result<RegistryConfig> LoadRegistryConfig(const std::string& root, const std::string& config_path);

// The YAML text of a configuration (with comments), paths relative to its root.
std::string RenderRegistryConfig(const RegistryConfig& config);

// The options RegistryServer::Start takes (auth is left to the caller).
RegistryOptions ToServerOptions(const RegistryConfig& config);

// Overrides the listen address with "host:port" ("[::1]:5000"; an empty host listens on all
// addresses, port 0 on an ephemeral port), as the `listen` key does.
Status SetListenAddress(RegistryConfig& config, const std::string& host_port);

// Starts the registry a loaded config describes: generates a missing certificate, builds the
// authenticator (htpasswd, tokens, rules) when one is configured and starts the server.
// `carrier registry serve` and the registry embedded in `carrier serve` both start this way.
Result<std::unique_ptr<RegistryServer>> StartConfiguredRegistry(const RegistryConfig& config);

// Creates the folders, the config file (unless present), a self-signed certificate (unless
// present) and, when `user` is given, an htpasswd entry (bcrypt) with authentication turned
// on in the new config.
Status InitRegistryRoot(const std::string& root, const std::string& hostname,
                        const std::string& user, const std::string& password);

// Generates the self-signed certificate and key named in `config` when either is missing
// (SANs: localhost, 127.0.0.1, ::1 and the configured hostname).
Status EnsureCertificate(const RegistryConfig& config);

// One htpasswd line "user:$2b$…" with a fresh bcrypt hash (cost 10).
Result<std::string> HtpasswdLine(const std::string& user, const std::string& password);

}  // namespace carrier::registry
