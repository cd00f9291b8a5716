#pragma once
// The documents clients discover the API with: /version, /api, /apis, /api/v1,
// /apis/<group>[/<version>], and the OpenAPI documents (openapi.h).
// Built once from the catalog and shared by every logical cluster.
//
// /api and /apis answer with the aggregated form (an APIGroupDiscoveryList of
// apidiscovery.k8s.io v2 or v2beta1, every group, version and resource in one document)
// when the Accept header's first range Carrier can serve asks for it, as kubectl 1.26+
// does; otherwise with the classic APIVersions/APIGroupList.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "apiserver/custom_resources.h"
#include "apiserver/openapi.h"
#include "apiserver/resource_catalog.h"

namespace carrier::apiserver {

struct DiscoveryDocument {
  std::string content_type;
  std::string body;
};

class Discovery {
 public:
  // `server_address` is advertised in /api's serverAddressByClientCIDRs.
  Discovery(const ResourceCatalog& catalog, std::string server_address);

  // The document at `path` (within a logical cluster), if it is a discovery path, with the
  // groups the cluster's CRDs add (`custom`, may be empty), in the form `accept` (the
  // request's Accept header) asks for. A cluster without CRDs is served the shared,
  // prebuilt documents.
  std::optional<DiscoveryDocument> Find(std::string_view path, std::string_view accept,
                                        const CustomTypeSet& custom) const;

  const OpenApi& openapi() const { return openapi_; }

 private:
  std::optional<DiscoveryDocument> FindCustom(std::string_view path,
                                              const CustomTypeSet& custom) const;
  DiscoveryDocument Aggregated(std::string_view path, std::string_view version,
                               const CustomTypeSet& custom) const;

  std::map<std::string, DiscoveryDocument, std::less<>> documents_;
  std::string builtin_groups_;  // the "groups" array of /apis, serialized
  // Members of the aggregated "items" arrays of /api and /apis, serialized.
  std::string aggregated_core_;
  std::string aggregated_groups_;
  OpenApi openapi_;
};

// Which aggregated discovery version (`"v2"`, `"v2beta1"`) an Accept header asks for, or
// "" for the classic documents: the first media range that is either an aggregated
// APIGroupDiscoveryList Carrier serves or any other JSON decides.
std::string_view AggregatedDiscoveryVersion(std::string_view accept);

// Kubernetes' version priority: GA before beta before alpha, higher numbers first, then
// other names alphabetically ("v2" > "v1" > "v1beta2" > "v1beta1" > "v1alpha1" > "foo").
bool VersionPrecedes(std::string_view a, std::string_view b);

// The Kubernetes version Carrier's API corresponds to.
inline constexpr std::string_view kKubernetesMajor = "1";
inline constexpr std::string_view kKubernetesMinor = "30";

}  // namespace carrier::apiserver
