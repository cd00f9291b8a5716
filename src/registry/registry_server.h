#pragma once
// The registry as an embeddable service: storage, the OCI API and an HTTP(S) listener,
// started and stopped as one. `carrier registry serve` and `carrier serve` both use it.

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "registry/auth/registry_auth.h"
#include "registry/storage.h"

namespace carrier::registry {

struct RegistryOptions {
  std::string data_dir;                 // content (see storage.h); created when missing
  std::string address = "0.0.0.0";
  uint16_t port = 5000;                 // 0: an ephemeral port
  std::string tls_cert_file;            // both empty: plain HTTP
  std::string tls_key_file;
  int threads = 4;
  bool delete_enabled = true;
  uint64_t max_manifest_bytes = 4ull << 20;
  uint64_t max_blob_bytes = 0;          // 0: no limit
  std::shared_ptr<auth::RegistryAuth> auth;  // null: no authentication
};

class RegistryServer {
 public:
  static Result<std::unique_ptr<RegistryServer>> Start(const RegistryOptions& options);
  ~RegistryServer();  // Stop()

  uint16_t port() const;
  bool tls() const;
  Storage& storage();
  // Stops listening and closes every connection. Idempotent.
  void Stop();

  struct State;

 private:
  explicit RegistryServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace carrier::registry
