#pragma once
// YAML request bodies in, YAML responses out, with the JSON object model in between.
//
// YamlToJson reads one YAML document the way Kubernetes reads `application/yaml` bodies
// (YAML 1.1 plain-scalar resolution as sigs.k8s.io/yaml does it): a quoted or `!!str`
// scalar is a string; plain `null`, `~` and the empty scalar are null; `true/false`,
// `yes/no`, `on/off`, `y/n` (any of their usual casings) are booleans; integers in decimal,
// `0x` hex, `0o`/leading-zero octal and `0b` binary, with `_` separators, are integers
// (int64, else uint64); decimal floats are numbers, an integral float becomes an integer
// (Go's JSON encoder writes float64(3) as `3`); everything else (timestamps included) is a
// string. `.inf` and `.nan` have no JSON form and are rejected. Map keys must be scalars
// and become their text. Aliases expand (each expansion counts against the node budget).
//
// Hostile input cannot crash or exhaust the server: the text, the nesting depth and the
// number of produced nodes are bounded (YamlLimits); any violation or syntax error is a
// 400 BadRequest naming the line.
//
// JsonToYaml writes block-style YAML that YAML 1.1 and 1.2 readers (kubectl, python's
// yaml.safe_load) read back to the same JSON: strings that any reader could take for
// something else are double-quoted, floats always carry a `.`, empty containers are `{}`/`[]`.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

struct YamlLimits {
  std::size_t max_bytes = 3 * 1024 * 1024;  // Kubernetes' request size limit
  // Below yaml-cpp's own recursion guard (about 500 levels), and below the depth JSON bodies
  // may reach (kMaxJsonDepth), so what YAML brings in can always be stored and served.
  int max_depth = 400;
  std::size_t max_nodes = 1'000'000;        // scalars + containers, aliases expanded
};

// Parses the first document of `text` (a second document is an error: request bodies hold
// one object). An empty document is null.
Result<boost::json::value> YamlToJson(std::string_view text, const YamlLimits& limits = {});

// Serializes `value` as one YAML document ending in a newline.
std::string JsonToYaml(const boost::json::value& value);

}  // namespace carrier::api
