#pragma once
// Where a logical cluster's objects are kept. Managed (the default): in the serving process's
// store, beside every other cluster's. External: in an etcd of its own (a HostedCluster with
// spec.etcd.managementType Unmanaged), reached with the client TLS material kept here as PEM
// contents. The choice is made at creation, stored in the cluster's record and never changes.

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace carrier::cluster {

struct ClusterStorage {
  std::vector<std::string> etcd_endpoints;  // empty: Managed
  std::string ca_pem, cert_pem, key_pem;    // client TLS for the etcd (PEM)

  bool managed() const { return etcd_endpoints.empty(); }
  bool operator==(const ClusterStorage&) const = default;
};

// A human description: "the management plane's store" or "the external etcd at <endpoints>".
std::string DescribeStorage(const ClusterStorage& storage);

// kInvalidArgument (saying why) unless `url` is "https://<host>:<port>" (a trailing '/' allowed).
Status ValidateEtcdEndpoint(std::string_view url);

// kInvalidArgument unless an External storage has https:// endpoints of the form
// https://host:port, and a CA, a certificate and a key that parse as PEM.
Status ValidateClusterStorage(const ClusterStorage& storage);

// The record's "storage" field (absent for Managed), and back (kDataLoss when damaged).
boost::json::object StorageToJson(const ClusterStorage& storage);
Result<ClusterStorage> StorageFromJson(const boost::json::value& value);

}  // namespace carrier::cluster
