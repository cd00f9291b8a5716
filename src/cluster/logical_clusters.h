#pragma once
// The logical clusters one Carrier process serves. `root` (the management plane) always
// exists; every other cluster has a record in the store under /_carrier/clusters/<name> and
// its objects under /<name>/. A new cluster is born with the namespaces every Kubernetes
// cluster has (default, kube-system, kube-public, kube-node-lease).
// Nothing here costs anything per idle cluster beyond its stored objects and one entry in
// a set of names. Each cluster but root has its own credentials (cluster_credentials.h) in
// its record; root's are the management plane's, given by SetRootCredentials.
// A cluster's record also says where its objects are kept (cluster_storage.h): in the store
// given here (Managed), or in an external etcd, whose Store the ClusterStores opens.

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster_credentials.h"
#include "cluster/cluster_storage.h"
#include "storage/store.h"

namespace carrier::cluster {

inline constexpr std::string_view kRootCluster = "root";

// Opens and closes the stores of clusters with storage of their own (the API server's
// per-cluster serving stacks). Open is idempotent: it returns the cluster's open store when
// there is one. The returned pointer keeps the store usable after a Close.
class ClusterStores {
 public:
  virtual ~ClusterStores() = default;
  virtual Result<std::shared_ptr<storage::Store>> Open(const std::string& name,
                                                      const ClusterStorage& storage) = 0;
  virtual void Close(const std::string& name) = 0;
};

class LogicalClusters {
 public:
  // `store` keeps every record and the objects of root and of Managed clusters.
  explicit LogicalClusters(storage::Store& store);

  // Where clusters with an external etcd are opened (set before use); without it, creating
  // or opening one is kInternal.
  void SetClusterStores(ClusterStores* stores);

  // Creates root's default namespaces when missing (first start).
  Status Bootstrap();
  // kAlreadyExists when it exists; kInvalidArgument for a name that is not a DNS label or
  // for unusable `credentials` or `storage`. Without `credentials` the cluster gets new ones;
  // a creator that keeps its own PKI (a HostedCluster) passes what it generated. An External
  // `storage` must be reachable: the default namespaces are written there first
  // (kUnavailable, and no record, when they cannot be).
  Status Create(const std::string& name,
                const std::optional<ClusterCredentials>& credentials = std::nullopt,
                const ClusterStorage& storage = {});
  // Deletes every object of the cluster and its record, then closes its own store.
  // kNotFound when absent. An External cluster's objects go first, so a failure (its etcd
  // is unreachable) leaves the record for a retry instead of orphaned data.
  Status Delete(const std::string& name);
  bool Exists(const std::string& name);
  Result<std::vector<std::string>> List();

  // The management plane's credentials, used for root.
  void SetRootCredentials(ClusterCredentials credentials);
  // A cluster's credentials, read from its record (kNotFound when the cluster does not
  // exist). A record written before clusters had credentials gets new ones here, once.
  // Callers cache what they derive from them; nothing is cached here.
  Result<ClusterCredentials> Credentials(const std::string& name);
  // Where the cluster's objects are kept (Managed for root), from its record.
  Result<ClusterStorage> Storage(const std::string& name);
  // The store holding the cluster's objects: the one given to the constructor, or its own
  // (opened through the ClusterStores). kNotFound when the cluster does not exist.
  Result<std::shared_ptr<storage::Store>> StoreOf(const std::string& name);

 private:
  Status CreateDefaultNamespaces(storage::Store& store, const std::string& name);
  Result<std::shared_ptr<storage::Store>> Open(const std::string& name, const ClusterStorage& storage);

  storage::Store& store_;
  ClusterStores* stores_ = nullptr;
  std::mutex mu_;
  std::optional<ClusterCredentials> root_credentials_;
  std::set<std::string, std::less<>> known_;  // clusters seen to exist
};

}  // namespace carrier::cluster
