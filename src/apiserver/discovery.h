#pragma once
// The documents clients discover the API with: /version, /api, /apis, /api/v1,
// /apis/<group>[/<version>], and the OpenAPI entry points kubectl's validation fetches.
// Built once from the catalog and shared by every logical cluster.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "apiserver/custom_resources.h"
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
  // groups the cluster's CRDs add (`custom`, may be empty). A cluster without CRDs is
  // served the shared, prebuilt documents.
  std::optional<DiscoveryDocument> Find(std::string_view path,
                                        const CustomTypeSet& custom) const;

 private:
  std::optional<DiscoveryDocument> FindCustom(std::string_view path,
                                              const CustomTypeSet& custom) const;

  std::map<std::string, DiscoveryDocument, std::less<>> documents_;
  std::string builtin_groups_;  // the "groups" array of /apis, serialized
};

// Kubernetes' version priority: GA before beta before alpha, higher numbers first, then
// other names alphabetically ("v2" > "v1" > "v1beta2" > "v1beta1" > "v1alpha1" > "foo").
bool VersionPrecedes(std::string_view a, std::string_view b);

// The Kubernetes version Carrier's API corresponds to.
inline constexpr std::string_view kKubernetesMajor = "1";
inline constexpr std::string_view kKubernetesMinor = "30";

}  // namespace carrier::apiserver
