#pragma once
// The OpenShift objects that tell machines where to pull images from instead of their
// source: ImageDigestMirrorSet and ImageTagMirrorSet (config.openshift.io/v1) and the older
// ImageContentSourcePolicy (operator.openshift.io/v1alpha1), read from YAML or JSON.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::registry::mirror {

enum class MirrorSetKind {
  kImageDigestMirrorSet,      // mirrors serve pulls by digest only
  kImageTagMirrorSet,         // mirrors serve pulls by tag only
  kImageContentSourcePolicy,  // by digest only; no source policy
};

// One source with its mirrors. Locations are "host[:port][/path]" without tag or digest.
struct MirrorRule {
  std::string source;
  std::vector<std::string> mirrors;   // tried in this order
  bool never_contact_source = false;  // mirrorSourcePolicy: NeverContactSource
};

struct MirrorSet {
  MirrorSetKind kind = MirrorSetKind::kImageDigestMirrorSet;
  std::string name;  // metadata.name
  std::vector<MirrorRule> rules;
};

// Parses every object in `text`: one or more YAML documents (JSON is accepted as YAML), each
// an IDMS, ITMS, ICSP or a List of them. kInvalidArgument, naming the object and field, for
// any other kind, a wrong apiVersion, an unknown mirrorSourcePolicy or an invalid location.
Result<std::vector<MirrorSet>> ParseMirrorSets(std::string_view text);

// True for "host[:port]" followed by an optional "/repository/path" (no tag or digest).
bool IsValidMirrorLocation(std::string_view location);

}  // namespace carrier::registry::mirror
