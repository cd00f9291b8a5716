#pragma once
// What an API request addresses, parsed from its path and method the way the Kubernetes
// API server does:
//   [/clusters/<cluster>]/api/v1/[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]
//   [/clusters/<cluster>]/apis/<group>/<version>/[namespaces/<ns>/]<resource>[/<name>[/<sub>]]
// Anything else (discovery, /version, /healthz, /openapi) is a non-resource request.

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::apiserver {

struct RequestInfo {
  std::string cluster = "root";  // the logical cluster
  std::string path;              // the path within the cluster ("/api/v1/pods")
  bool is_resource = false;
  std::string group;  // "" for the core group
  std::string version;
  std::string namespace_;
  std::string resource;
  std::string name;
  std::string subresource;
  // get, list, watch, create, update, patch, delete, deletecollection (resource requests);
  // the lower-case HTTP method otherwise.
  std::string verb;
};

// Parses a percent-decoded path plus the HTTP method and the `watch` query parameter.
// Malformed resource paths are kBadRequest / kNotFound.
Result<RequestInfo> ParseRequestInfo(std::string_view method, std::string_view path, bool watch);

// A boolean query parameter as Kubernetes (Go's strconv.ParseBool) reads it: 1, t, T, TRUE,
// true, True are true; anything else, or absence, is false.
bool QueryBool(const std::optional<std::string>& value);

// Logical cluster names: DNS-1123 labels of at most 63 characters.
bool IsValidClusterName(std::string_view name);

}  // namespace carrier::apiserver
