#pragma once
// etcd's plain KV Put through the same client the etcd Store uses, with no Store layer on
// top: the peer figure that bench/store compares the backends against.

#include <memory>
#include <string_view>

#include "storage/etcd/etcd_store.h"

namespace carrier::storage {

class EtcdRawClient {
 public:
  virtual ~EtcdRawClient() = default;
  // One durable Put; returns the revision it was written at.
  virtual Result<Revision> Put(std::string_view key, std::string_view value) = 0;
};

Result<std::unique_ptr<EtcdRawClient>> OpenEtcdRawClient(const EtcdOptions& options);

}  // namespace carrier::storage
