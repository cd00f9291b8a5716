#pragma once
// The logical clusters one Carrier process serves. `root` (the management plane) always
// exists; every other cluster has a record in the store under /_carrier/clusters/<name> and
// its objects under /<name>/. A new cluster is born with the namespaces every Kubernetes
// cluster has (default, kube-system, kube-public, kube-node-lease).
// Nothing here costs anything per idle cluster beyond its stored objects and one entry in
// a set of names. Each cluster but root has its own credentials (cluster_credentials.h) in
// its record; root's are the management plane's, given by SetRootCredentials.

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster_credentials.h"
#include "storage/store.h"

namespace carrier::cluster {

inline constexpr std::string_view kRootCluster = "root";

class LogicalClusters {
 public:
  explicit LogicalClusters(storage::Store& store);

  // Creates root's default namespaces when missing (first start).
  Status Bootstrap();
  // kAlreadyExists when it exists; kInvalidArgument for a name that is not a DNS label or
  // for unusable `credentials`. Without `credentials` the cluster gets new ones; a creator
  // that keeps its own PKI (a HostedCluster) passes what it generated.
  Status Create(const std::string& name,
                const std::optional<ClusterCredentials>& credentials = std::nullopt);
  // Deletes the record and every object of the cluster. kNotFound when absent.
  Status Delete(const std::string& name);
  bool Exists(const std::string& name);
  Result<std::vector<std::string>> List();

  // The management plane's credentials, used for root.
  void SetRootCredentials(ClusterCredentials credentials);
  // A cluster's credentials, read from its record (kNotFound when the cluster does not
  // exist). A record written before clusters had credentials gets new ones here, once.
  // Callers cache what they derive from them; nothing is cached here.
  Result<ClusterCredentials> Credentials(const std::string& name);

 private:
  Status CreateDefaultNamespaces(const std::string& name);

  storage::Store& store_;
  std::mutex mu_;
  std::optional<ClusterCredentials> root_credentials_;
  std::set<std::string, std::less<>> known_;  // clusters seen to exist
};

}  // namespace carrier::cluster
