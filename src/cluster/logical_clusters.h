#pragma once
// The logical clusters one Carrier process serves. `root` (the management plane) always
// exists; every other cluster has a record in the store under /_carrier/clusters/<name> and
// its objects under /<name>/. A new cluster is born with the namespaces every Kubernetes
// cluster has (default, kube-system, kube-public, kube-node-lease).
// Nothing here costs anything per idle cluster beyond its stored objects and one entry in
// a set of names.

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/store.h"

namespace carrier::cluster {

inline constexpr std::string_view kRootCluster = "root";

class LogicalClusters {
 public:
  explicit LogicalClusters(storage::Store& store);

  // Creates root's default namespaces when missing (first start).
  Status Bootstrap();
  // kAlreadyExists when it exists; kInvalidArgument for a name that is not a DNS label.
  Status Create(const std::string& name);
  // Deletes the record and every object of the cluster. kNotFound when absent.
  Status Delete(const std::string& name);
  bool Exists(const std::string& name);
  Result<std::vector<std::string>> List();

 private:
  Status CreateDefaultNamespaces(const std::string& name);

  storage::Store& store_;
  std::mutex mu_;
  std::set<std::string, std::less<>> known_;  // clusters seen to exist
};

}  // namespace carrier::cluster
