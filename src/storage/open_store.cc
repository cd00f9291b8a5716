#include "storage/open_store.h"

#include <filesystem>

#include "storage/etcd/etcd_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace carrier::storage {

std::string SqliteStorePath(const std::string& data_dir) { return data_dir + "/store.db"; }

std::string DescribeStore(const StoreConfig& config) {
  if (config.etcd_endpoints.empty()) return "sqlite:" + SqliteStorePath(config.data_dir);
  std::string out = "etcd:";
  for (size_t i = 0; i < config.etcd_endpoints.size(); ++i) {
    out += (i ? "," : "") + config.etcd_endpoints[i];
  }
  return out;
}

Result<std::unique_ptr<Store>> OpenStore(const StoreConfig& config) {
  if (!config.etcd_endpoints.empty()) {
    EtcdOptions options;
    options.endpoints = config.etcd_endpoints;
    options.ca_file = config.etcd_ca_file;
    options.cert_file = config.etcd_cert_file;
    options.key_file = config.etcd_key_file;
    options.ca_pem = config.etcd_ca_pem;
    options.cert_pem = config.etcd_cert_pem;
    options.key_pem = config.etcd_key_pem;
    return OpenEtcdStore(options);
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Internal("cannot create " + config.data_dir + ": " + ec.message());
  SqliteOptions options;
  options.path = SqliteStorePath(config.data_dir);
  return OpenSqliteStore(options);
}

}  // namespace carrier::storage
