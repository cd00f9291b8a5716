#pragma once
// The `supported-versions` ConfigMap in namespace `hypershift` of root: the hosted-cluster
// minor versions this management plane creates, as HyperShift's operator publishes them
//   labels: hypershift.openshift.io/supported-versions: "true"
//   data:   supported-versions: '{"versions":["4.19","4.18",…]}'
//           server-version: <Carrier's version>
// The operator (EnsureSupportedVersions, at start and whenever the ConfigMap changes) keeps
// it as written here; validation reads it back, so what clients see is what is enforced.

#include <string>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace carrier::hosted {

inline constexpr std::string_view kOperatorNamespace = "hypershift";
inline constexpr std::string_view kSupportedVersionsName = "supported-versions";

// Newest first.
const std::vector<std::string>& SupportedVersions();

// Creates namespace `hypershift` and the ConfigMap when missing, and restores the ConfigMap's
// content when it differs.
Status EnsureSupportedVersions(storage::Store& store);

// The versions the stored ConfigMap lists (empty when it is absent or unreadable).
std::vector<std::string> ReadSupportedVersions(storage::Store& store);

}  // namespace carrier::hosted
