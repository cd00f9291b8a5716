#pragma once
// For the watch cache's conformance runs: the suite's keys ("/c/k", "/lease/a") have one path
// segment before the name, so each such prefix is made a cached collection ("/c/").
#include <optional>
#include <string>
#include <string_view>

namespace carrier::storage::testing {

inline std::optional<std::string> FirstSegment(std::string_view key) {
  if (key.size() < 2 || key[0] != '/') return std::nullopt;
  size_t slash = key.find('/', 1);
  if (slash == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, slash + 1));
}

}  // namespace carrier::storage::testing
