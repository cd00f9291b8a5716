#pragma once
// The resource types CustomResourceDefinitions add to a logical cluster.
//
// CRDs are objects of the cluster (apiextensions.k8s.io/v1 customresourcedefinitions); this
// registry turns the established ones into ResourceTypes, one per served version, each
// carrying its compiled structural schema (CustomVersion). A cluster's types are loaded on
// first use and kept current by a store watch on that cluster's CRD prefix (no thread or
// timer per cluster); a write through this process refreshes them at once, and a lookup that
// misses reads the CRD named `<resource>.<group>` from the store, so a client that has just
// created a CRD on another replica finds its type too.
//
// Compiled schemas are interned by their content: clusters that declare the same CRD share
// one copy of them.

#include <boost/json/fwd.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/structural_schema.h"
#include "apiserver/resource_catalog.h"
#include "storage/store.h"

namespace carrier::apiserver {

// What a served version of a custom resource needs beyond ResourceType.
struct CustomVersion {
  std::string storage_version;  // objects are stored with <group>/<storage_version>
  std::shared_ptr<const api::StructuralSchema> schema;
};

// The types of one cluster's CRDs, immutable once built.
struct CustomTypeSet {
  std::vector<ResourceType> types;
  const ResourceType* Find(std::string_view group, std::string_view version,
                           std::string_view resource) const;
};

class CustomResources {
 public:
  explicit CustomResources(storage::Store& store);
  ~CustomResources();

  // The cluster's custom types (empty when it has no CRD).
  std::shared_ptr<const CustomTypeSet> TypesOf(const std::string& cluster);
  // A custom type of the cluster, or null.
  const ResourceType* Find(const std::string& cluster, std::string_view group,
                           std::string_view version, std::string_view resource,
                           std::shared_ptr<const CustomTypeSet>& holder);
  // Re-reads the cluster's CRDs (after a CRD was written through this process).
  void Refresh(const std::string& cluster);
  // Forgets a deleted cluster.
  void Forget(const std::string& cluster);

 private:
  struct ClusterEntry;
  std::shared_ptr<ClusterEntry> EntryOf(const std::string& cluster);
  void Load(ClusterEntry& entry);
  std::vector<ResourceType> TypesFromCrd(const boost::json::object& crd);

  storage::Store& store_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ClusterEntry>, std::less<>> clusters_;
  // Interned compiled schemas, keyed by their serialized source.
  std::unordered_map<std::string, std::weak_ptr<const api::StructuralSchema>> interned_;
};

// The ResourceTypes (one per served version) of a CRD whose spec passed ValidateCrd
// (crd_strategy.h). `compile` turns a version's openAPIV3Schema into its structural schema.
using SchemaCompiler =
    std::function<std::shared_ptr<const api::StructuralSchema>(const boost::json::value&)>;
std::vector<ResourceType> CustomTypesFromCrd(const boost::json::object& crd,
                                             const SchemaCompiler& compile);

}  // namespace carrier::apiserver
