#pragma once
// Image names, tags, digests and full image references, as the OCI distribution spec and
// the containers image reference grammar define them. Every parser here takes untrusted
// input (URL paths, manifests, config files) and never crashes on it; each has a libFuzzer
// target in tests/fuzz/.

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::registry {

// Repository name: path components [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* joined by '/',
// at most 255 characters in all.
bool IsValidRepositoryName(std::string_view name);
// Tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool IsValidTag(std::string_view tag);

struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string encoded;    // lowercase hex of the right length (64 or 128)
  std::string ToString() const { return algorithm + ":" + encoded; }
  bool operator==(const Digest&) const = default;
};

// Parses "<algorithm>:<hex>". Only sha256 and sha512 are accepted (kInvalidArgument
// otherwise, with a message saying what is wrong).
Result<Digest> ParseDigest(std::string_view text);

// The digest of `data` under `algorithm` ("sha256" or "sha512").
Digest ComputeDigest(std::string_view algorithm, std::string_view data);

// A full reference such as "quay.io:443/openshift/release:4.14.0@sha256:…".
// registry: host[:port] ("docker.io" when the first component is not a host);
// repository: the path (docker.io single names get "library/"); tag and digest optional.
struct ImageReference {
  std::string registry;
  std::string repository;
  std::string tag;
  std::optional<Digest> digest;

  // registry/repository, e.g. "quay.io/openshift/release".
  std::string Location() const;
  // The canonical text form: Location() then ":tag" and/or "@digest".
  std::string ToString() const;
};

Result<ImageReference> ParseImageReference(std::string_view text);

}  // namespace carrier::registry
