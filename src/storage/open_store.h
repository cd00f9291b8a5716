#pragma once
// Chooses and opens the Store backend `carrier serve` runs on: the embedded SQLite file in
// the data directory by default, or an etcd cluster when endpoints are given.

#include <memory>
#include <string>
#include <vector>

#include "storage/store.h"

namespace carrier::storage {

struct StoreConfig {
  std::string data_dir;                     // SQLite: <data_dir>/store.db
  std::vector<std::string> etcd_endpoints;  // non-empty: use etcd
  std::string etcd_ca_file, etcd_cert_file, etcd_key_file;
  // The TLS material as PEM contents (instead of the files), e.g. from a cluster's record.
  std::string etcd_ca_pem, etcd_cert_pem, etcd_key_pem;
};

// The SQLite database file `carrier serve` uses for a data directory (<data_dir>/store.db);
// `carrier adm snapshot` uses it too.
std::string SqliteStorePath(const std::string& data_dir);

// A human description of where the store lives ("sqlite:/path" or "etcd:a,b").
std::string DescribeStore(const StoreConfig& config);
Result<std::unique_ptr<Store>> OpenStore(const StoreConfig& config);

}  // namespace carrier::storage
