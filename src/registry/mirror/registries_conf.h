#pragma once
// Mirror sets → containers-registries.conf v2 (the file machines read at
// /etc/containers/registries.conf), rendered the way OpenShift's machine config renders it,
// and the pull resolution that file means for one image reference.
//
// Rendering: one [[registry]] per source, sorted by location, `prefix = ""`; mirrors of
// several objects for the same source merged keeping each list's relative order, digest
// sets' mirrors before tag sets'. A source with digest mirrors only gets
// `mirror-by-digest-only = true`; a source with tag mirrors marks each mirror with
// `pull-from-mirror = "digest-only" | "tag-only" | "all"` instead. NeverContactSource on any
// rule for a source makes it `blocked = true`.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/mirror/mirror_sets.h"
#include "registry/reference.h"

namespace carrier::registry::mirror {

enum class PullFromMirror { kAll, kDigestOnly, kTagOnly };

struct MirrorEndpoint {
  std::string location;
  bool insecure = false;
  PullFromMirror pull_from_mirror = PullFromMirror::kAll;
};

struct RegistryEntry {
  std::string location;  // the source, "host[:port][/path]"
  bool insecure = false;
  bool blocked = false;
  bool mirror_by_digest_only = false;
  std::vector<MirrorEndpoint> mirrors;
};

struct RegistriesConfig {
  std::vector<std::string> unqualified_search_registries;
  std::vector<RegistryEntry> registries;  // sorted by location
};

struct RegistriesOptions {
  std::vector<std::string> unqualified_search_registries = {"registry.access.redhat.com",
                                                            "docker.io"};
  // Scopes ("host[:port][/path]") from image.config.openshift.io registrySources: sources
  // and mirrors inside an insecure scope get `insecure = true`; a blocked scope gets its own
  // entry (or marks the source's) with `blocked = true`.
  std::vector<std::string> insecure_scopes;
  std::vector<std::string> blocked_scopes;
};

// kInvalidArgument for an invalid scope.
Result<RegistriesConfig> BuildRegistriesConfig(const std::vector<MirrorSet>& sets,
                                               const RegistriesOptions& options = {});

// TOML v2 text, byte for byte as OpenShift writes it (see the header comment).
std::string RenderRegistriesConf(const RegistriesConfig& config);

// One place to try for an image, in order.
struct PullLocation {
  std::string reference;  // full reference to pull, e.g. "mirror.example.net/image@sha256:…"
  bool mirror = false;    // false for the source itself
  bool insecure = false;
};

// The locations to try for `image`: the [[registry]] whose location is the longest prefix of
// the image's registry/repository on a '/' boundary; its mirrors usable for this kind of
// reference (a digest reference uses digest-only and all mirrors, a tag reference tag-only
// and all mirrors, with "latest" when it names neither), then the source unless blocked. An
// image no entry matches resolves to itself. An empty list means every location is blocked.
std::vector<PullLocation> ResolvePullLocations(const RegistriesConfig& config,
                                               const ImageReference& image);

}  // namespace carrier::registry::mirror
