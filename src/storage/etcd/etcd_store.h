#pragma once
// The etcd v3 backend of the Store contract: a gRPC client for a real etcd cluster (3.4+).
// Requests go to one endpoint at a time and move to the next when it cannot be reached;
// all watches of one Store share a single Watch stream that reconnects by itself and
// resumes every watch after its last delivered revision.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace carrier::storage {

struct EtcdOptions {
  std::vector<std::string> endpoints;        // "127.0.0.1:2379", "http://h:p" or "https://h:p"
  std::string ca_file, cert_file, key_file;  // TLS when ca_file is set (or https:// endpoints)
  // The same as PEM contents (used instead of the files when set), so that credentials kept
  // in a record (a logical cluster's own etcd) never have to be written to disk.
  std::string ca_pem, cert_pem, key_pem;
  std::chrono::milliseconds dial_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
};

// Validates the options (endpoints, readable TLS files) and connects lazily: an endpoint
// that is down is not an error here, only when a request finds every endpoint down.
Result<std::unique_ptr<Store>> OpenEtcdStore(const EtcdOptions& options);

}  // namespace carrier::storage
