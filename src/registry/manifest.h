#pragma once
// Reading the manifests a client pushes: OCI image manifest and index, Docker schema 2
// manifest and manifest list, and artifacts (an OCI manifest or index with artifactType).
// Extracts what the registry must check and remember: the blobs an image needs, the children
// of an index, the subject (referrers API) and the descriptor the referrers list shows.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/reference.h"

namespace carrier::registry {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

struct ManifestInfo {
  std::string media_type;              // from Content-Type, else the mediaType field
  std::vector<Digest> blobs;           // config and layers that must be in the repository
  std::vector<Digest> optional_blobs;  // non-distributable layers (may live elsewhere)
  std::vector<Digest> manifests;       // children of an index
  std::optional<Digest> subject;
  std::string artifact_type;           // artifactType, else (image manifest) config.mediaType
  std::string annotations_json;        // the "annotations" object as JSON ("" when absent)
};

// Parses a pushed manifest. `content_type` is the request's Content-Type ("" when absent).
// kInvalidArgument (→ MANIFEST_INVALID) when it is not a JSON object, when mediaType
// disagrees with Content-Type, or when a descriptor is malformed.
Result<ManifestInfo> ParseManifest(std::string_view content_type, std::string_view bytes);

// The descriptor of a manifest as the referrers API lists it (one JSON object).
std::string ReferrerDescriptor(const ManifestInfo& info, const Digest& digest, uint64_t size);

}  // namespace carrier::registry
