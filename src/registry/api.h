#pragma once
// The OCI Distribution Specification v1.1 HTTP API (pull, push, content discovery, content
// management) over a Storage, as an http::Handler. Every request is authorized through
// RegistryAuth (when one is given) with the access it needs; answers carry the spec's JSON
// errors and the Docker-Distribution-Api-Version header.

#include <cstdint>
#include <memory>

#include "http/server.h"
#include "registry/auth/registry_auth.h"
#include "registry/storage.h"

namespace carrier::registry {

struct ApiOptions {
  bool delete_enabled = true;                  // else DELETE answers 405 UNSUPPORTED
  uint64_t max_manifest_bytes = 4ull << 20;    // larger manifests: 413 SIZE_INVALID
  std::shared_ptr<auth::RegistryAuth> auth;    // null: no authentication
};

// Builds the handler. `storage` must outlive the server the handler runs in.
http::Handler MakeApiHandler(Storage* storage, ApiOptions options);

}  // namespace carrier::registry
