#pragma once
// The registry CA trust map: the ConfigMap that image.config.openshift.io's
// additionalTrustedCA names (e.g. `registry-config` in openshift-config). ConfigMap keys
// cannot hold ':', so a registry "host:port" is keyed "host..port"; a key without ".."
// is a host on the default port. Each value holds one or more PEM certificates.

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::registry::mirror {

// "registry.example.com:5000" → "registry.example.com..5000"; kInvalidArgument for a value
// that is not host[:port].
Result<std::string> TrustMapKey(std::string_view registry_host);
// The inverse: "registry.example.com..5000" → "registry.example.com:5000".
Result<std::string> RegistryHostFromTrustMapKey(std::string_view key);

// registry host ("host[:port]") → PEM bundle.
using RegistryTrust = std::map<std::string, std::string>;

// Reads the ConfigMap (YAML or JSON, kind ConfigMap, v1). Every key must decode to a host
// and every value must hold at least one X.509 certificate that parses.
Result<RegistryTrust> ParseTrustConfigMap(std::string_view text);

// The ConfigMap as YAML, each value a literal block ("|", never "|-", which pods misread).
std::string RenderTrustConfigMap(std::string_view name, std::string_view namespace_name,
                                 const RegistryTrust& trust);

}  // namespace carrier::registry::mirror
