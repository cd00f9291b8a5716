#include "apiserver/request_info.h"

#include <vector>

namespace carrier::apiserver {

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string VerbFor(std::string_view method, bool collection, bool watch) {
  if (method == "GET" || method == "HEAD") {
    if (watch) return "watch";
    return collection ? "list" : "get";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return collection ? "deletecollection" : "delete";
  return std::string(method);
}

}  // namespace

bool QueryBool(const std::optional<std::string>& value) {
  if (!value) return false;
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (*value == t) return true;
  }
  return false;
}

bool IsValidClusterName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return name.front() != '-' && name.back() != '-';
}

Result<RequestInfo> ParseRequestInfo(std::string_view method, std::string_view path, bool watch) {
  RequestInfo info;
  auto parts = SplitPath(path);
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "clusters") {
    if (!IsValidClusterName(parts[1])) {
      return Status(Code::kNotFound, "no logical cluster named \"" + std::string(parts[1]) + "\"");
    }
    info.cluster = std::string(parts[1]);
    i = 2;
  }
  info.path = "/";
  for (size_t k = i; k < parts.size(); ++k) {
    info.path += parts[k];
    if (k + 1 < parts.size()) info.path += "/";
  }
  info.verb = std::string(method);
  for (auto& c : info.verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  // /api/v1/... or /apis/<group>/<version>/...
  if (i < parts.size() && parts[i] == "api") {
    if (parts.size() < i + 3) return info;  // discovery: /api, /api/v1
    info.version = std::string(parts[i + 1]);
    i += 2;
  } else if (i < parts.size() && parts[i] == "apis") {
    if (parts.size() < i + 4) return info;  // discovery: /apis, /apis/g, /apis/g/v
    info.group = std::string(parts[i + 1]);
    info.version = std::string(parts[i + 2]);
    i += 3;
  } else {
    return info;
  }

  info.is_resource = true;
  std::vector<std::string_view> rest(parts.begin() + static_cast<long>(i), parts.end());
  // namespaces/<ns>/<resource>... addresses a namespaced resource; namespaces/<ns> alone, or
  // with a subresource (status, finalize), addresses the Namespace object itself.
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" &&
      rest[2] != "finalize") {
    info.namespace_ = std::string(rest[1]);
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) {
    return Status(Code::kNotFound, "the server could not find the requested resource");
  }
  info.resource = std::string(rest[0]);
  if (rest.size() >= 2) info.name = std::string(rest[1]);
  if (rest.size() == 3) info.subresource = std::string(rest[2]);
  if (info.resource == "namespaces" && !info.name.empty()) {
    // The Namespace object's own namespace is itself for authorization purposes only.
    info.namespace_.clear();
  }
  info.verb = VerbFor(method, info.name.empty(), watch);
  return info;
}

}  // namespace carrier::apiserver
