#include "cluster/logical_clusters.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "apiserver/request_info.h"

namespace carrier::cluster {

namespace json = boost::json;

namespace {

constexpr std::string_view kRecordPrefix = "/_carrier/clusters/";
constexpr int kDeleteBatch = 256;

std::string RecordKey(std::string_view name) { return std::string(kRecordPrefix) + std::string(name); }

// The cluster's record (kNotFound when it has none).
Result<json::object> ReadRecord(storage::Store& store, const std::string& name) {
  auto got = store.Get(RecordKey(name));
  if (!got.ok()) return got.status();
  if (!got->kv) return NotFound("logical cluster \"" + name + "\" not found");
  boost::system::error_code ec;
  auto record = json::parse(got->kv->value, ec);
  if (ec || !record.is_object()) return DataLoss("the record of logical cluster " + name + " is damaged");
  return std::move(record.as_object());
}

// Deletes every key under `prefix`, in batches; each batch is one transaction.
Status DeletePrefix(storage::Store& store, const std::string& prefix) {
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(prefix);
  list.limit = kDeleteBatch;
  list.keys_only = true;
  while (true) {
    auto page = store.List(list);
    if (!page.ok()) return page.status();
    if (page->kvs.empty()) return {};
    storage::TxnRequest txn;
    for (const auto& kv : page->kvs) txn.success.push_back(storage::Op::Delete(kv.key));
    auto result = store.Txn(txn);
    if (!result.ok()) return result.status();
  }
}

}  // namespace

LogicalClusters::LogicalClusters(storage::Store& store) : store_(store) {
  known_.insert(std::string(kRootCluster));
}

void LogicalClusters::SetClusterStores(ClusterStores* stores) { stores_ = stores; }

Status LogicalClusters::Bootstrap() { return CreateDefaultNamespaces(store_, std::string(kRootCluster)); }

Status LogicalClusters::CreateDefaultNamespaces(storage::Store& store, const std::string& name) {
  const auto* ns_type = apiserver::ResourceCatalog::BuiltIn().Find("", "v1", "namespaces");
  const std::string now = apiserver::Rfc3339(std::chrono::system_clock::now());
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json::object obj{
        {"kind", "Namespace"},
        {"apiVersion", "v1"},
        {"metadata", json::object{{"name", ns},
                                  {"uid", apiserver::NewUid()},
                                  {"creationTimestamp", now},
                                  {"labels", json::object{{"kubernetes.io/metadata.name", ns}}}}},
        {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
        {"status", json::object{{"phase", "Active"}}}};
    auto created = store.Create(apiserver::ObjectKey(name, *ns_type, "", ns), json::serialize(obj));
    if (!created.ok() && created.status().code() != Code::kAlreadyExists) return created.status();
  }
  return {};
}

Result<std::shared_ptr<storage::Store>> LogicalClusters::Open(const std::string& name,
                                                             const ClusterStorage& storage) {
  if (storage.managed()) return std::shared_ptr<storage::Store>(std::shared_ptr<void>(), &store_);
  if (stores_ == nullptr) {
    return Internal("logical cluster \"" + name +
                              "\" keeps its objects in an external etcd, which this process cannot open");
  }
  return stores_->Open(name, storage);
}

Status LogicalClusters::Create(const std::string& name,
                               const std::optional<ClusterCredentials>& credentials,
                               const ClusterStorage& storage) {
  if (!apiserver::IsValidClusterName(name) || name == kRootCluster) {
    return InvalidArgument("invalid logical cluster name \"" + name +
                           "\": must be a DNS-1123 label other than \"root\"");
  }
  ClusterCredentials own;
  if (credentials) {
    CARRIER_RETURN_IF_ERROR(ValidateClusterCredentials(*credentials));
    own = *credentials;
  } else {
    auto generated = GenerateClusterCredentials(name);
    if (!generated.ok()) return generated.status();
    own = std::move(*generated);
  }
  CARRIER_RETURN_IF_ERROR(ValidateClusterStorage(storage));
  const std::string exists = "logical cluster \"" + name + "\" already exists";
  json::object record{{"name", name},
                      {"creationTimestamp", apiserver::Rfc3339(std::chrono::system_clock::now())},
                      {"credentials", CredentialsToJson(own)}};
  if (!storage.managed()) {
    // Its own store is written first: a record exists only for a cluster that has its namespaces.
    if (Exists(name)) return AlreadyExists(exists);
    record["storage"] = StorageToJson(storage);
    auto own_store = Open(name, storage);
    if (!own_store.ok()) return own_store.status();
    if (Status st = CreateDefaultNamespaces(**own_store, name); !st.ok()) {
      stores_->Close(name);
      return Status(st.code(), "logical cluster \"" + name + "\": " + DescribeStorage(storage) +
                                   " cannot be written: " + st.message());
    }
  }
  auto created = store_.Create(RecordKey(name), json::serialize(record));
  if (!created.ok()) {
    if (created.status().code() == Code::kAlreadyExists) return AlreadyExists(exists);
    return created.status();
  }
  if (storage.managed()) CARRIER_RETURN_IF_ERROR(CreateDefaultNamespaces(store_, name));
  std::lock_guard lock(mu_);
  known_.insert(name);
  return {};
}

Status LogicalClusters::Delete(const std::string& name) {
  if (name == kRootCluster) return InvalidArgument("the root cluster cannot be deleted");
  auto storage = Storage(name);
  if (!storage.ok()) return storage.status();
  const std::string prefix = "/" + name + "/";
  std::shared_ptr<storage::Store> own;
  if (!storage->managed()) {
    auto opened = Open(name, *storage);
    if (!opened.ok()) return opened.status();
    own = std::move(*opened);
    CARRIER_RETURN_IF_ERROR(DeletePrefix(*own, prefix));
  }
  auto deleted = store_.Delete(RecordKey(name));
  if (!deleted.ok()) {
    if (deleted.status().code() == Code::kNotFound) {
      return NotFound("logical cluster \"" + name + "\" not found");
    }
    return deleted.status();
  }
  {
    std::lock_guard lock(mu_);
    known_.erase(name);
  }
  if (!own) return DeletePrefix(store_, prefix);
  // What a client wrote between the first pass and the record's removal goes too.
  Status st = DeletePrefix(*own, prefix);
  stores_->Close(name);
  return st;
}

bool LogicalClusters::Exists(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (known_.count(name)) return true;
  }
  auto got = store_.Get(RecordKey(name));
  if (!got.ok() || !got->kv) return false;
  std::lock_guard lock(mu_);
  known_.insert(name);
  return true;
}

void LogicalClusters::SetRootCredentials(ClusterCredentials credentials) {
  std::lock_guard lock(mu_);
  root_credentials_ = std::move(credentials);
}

Result<ClusterCredentials> LogicalClusters::Credentials(const std::string& name) {
  if (name == kRootCluster) {
    std::lock_guard lock(mu_);
    if (!root_credentials_) return Internal("root credentials are not set");
    return *root_credentials_;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto got = store_.Get(RecordKey(name));  // read with its revision, for the update below
    if (!got.ok()) return got.status();
    if (!got->kv) return NotFound("logical cluster \"" + name + "\" not found");
    boost::system::error_code ec;
    auto record = json::parse(got->kv->value, ec);
    if (ec || !record.is_object()) return DataLoss("the record of logical cluster " + name + " is damaged");
    if (auto* stored = record.as_object().if_contains("credentials")) {
      return CredentialsFromJson(*stored);
    }
    auto generated = GenerateClusterCredentials(name);
    if (!generated.ok()) return generated.status();
    record.as_object()["credentials"] = CredentialsToJson(*generated);
    auto updated = store_.Update(RecordKey(name), json::serialize(record), got->kv->mod_revision);
    if (updated.ok()) return *generated;
    if (updated.status().code() != Code::kConflict) return updated.status();
  }
  return Conflict("the record of logical cluster " + name + " keeps changing");
}

Result<ClusterStorage> LogicalClusters::Storage(const std::string& name) {
  if (name == kRootCluster) return ClusterStorage{};
  auto record = ReadRecord(store_, name);
  if (!record.ok()) return record.status();
  const json::value* storage = record->if_contains("storage");
  return storage == nullptr ? ClusterStorage{} : StorageFromJson(*storage);
}

Result<std::shared_ptr<storage::Store>> LogicalClusters::StoreOf(const std::string& name) {
  auto storage = Storage(name);
  if (!storage.ok()) return storage.status();
  return Open(name, *storage);
}

Result<std::vector<std::string>> LogicalClusters::List() {
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(std::string(kRecordPrefix));
  list.keys_only = true;
  auto page = store_.List(list);
  if (!page.ok()) return page.status();
  std::vector<std::string> names{std::string(kRootCluster)};
  for (const auto& kv : page->kvs) names.push_back(kv.key.substr(kRecordPrefix.size()));
  return names;
}

}  // namespace carrier::cluster
