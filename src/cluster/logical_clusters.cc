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

}  // namespace

LogicalClusters::LogicalClusters(storage::Store& store) : store_(store) {
  known_.insert(std::string(kRootCluster));
}

Status LogicalClusters::Bootstrap() { return CreateDefaultNamespaces(std::string(kRootCluster)); }

Status LogicalClusters::CreateDefaultNamespaces(const std::string& name) {
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
    auto created = store_.Create(apiserver::ObjectKey(name, *ns_type, "", ns), json::serialize(obj));
    if (!created.ok() && created.status().code() != Code::kAlreadyExists) return created.status();
  }
  return {};
}

Status LogicalClusters::Create(const std::string& name,
                               const std::optional<ClusterCredentials>& credentials) {
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
  json::object record{{"name", name},
                      {"creationTimestamp", apiserver::Rfc3339(std::chrono::system_clock::now())},
                      {"credentials", CredentialsToJson(own)}};
  auto created = store_.Create(RecordKey(name), json::serialize(record));
  if (!created.ok()) {
    if (created.status().code() == Code::kAlreadyExists) {
      return AlreadyExists("logical cluster \"" + name + "\" already exists");
    }
    return created.status();
  }
  CARRIER_RETURN_IF_ERROR(CreateDefaultNamespaces(name));
  std::lock_guard lock(mu_);
  known_.insert(name);
  return {};
}

Status LogicalClusters::Delete(const std::string& name) {
  if (name == kRootCluster) return InvalidArgument("the root cluster cannot be deleted");
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
  // Remove the cluster's objects in batches; each batch is one transaction.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix("/" + name + "/");
  list.limit = kDeleteBatch;
  list.keys_only = true;
  while (true) {
    auto page = store_.List(list);
    if (!page.ok()) return page.status();
    if (page->kvs.empty()) return {};
    storage::TxnRequest txn;
    for (const auto& kv : page->kvs) txn.success.push_back(storage::Op::Delete(kv.key));
    auto result = store_.Txn(txn);
    if (!result.ok()) return result.status();
  }
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
    auto got = store_.Get(RecordKey(name));
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
