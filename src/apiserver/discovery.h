#pragma once
// The documents clients discover the API with: /version, /api, /apis, /api/v1,
// /apis/<group>[/<version>], and the OpenAPI entry points kubectl's validation fetches.
// Built once from the catalog and shared by every logical cluster.

#include <map>
#include <optional>
#include <string>
#include <string_view>

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

  // The document at `path` (within a logical cluster), if it is a discovery path.
  std::optional<DiscoveryDocument> Find(std::string_view path) const;

 private:
  std::map<std::string, DiscoveryDocument, std::less<>> documents_;
};

// The Kubernetes version Carrier's API corresponds to.
inline constexpr std::string_view kKubernetesMajor = "1";
inline constexpr std::string_view kKubernetesMinor = "30";

}  // namespace carrier::apiserver
