// libFuzzer target: Docker token scopes and the repository globs of access rules. Whatever
// parses prints back to a string that parses to the same scopes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "registry/auth/access.h"
#include "registry/auth/registry_auth.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::registry::auth;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto scopes = ParseScope(text);
  if (scopes.ok()) {
    std::string printed;
    for (const Access& a : *scopes) printed += (printed.empty() ? "" : " ") + a.ToString();
    auto again = ParseScope(printed);
    Require(again.ok() && *again == *scopes);
  } else {
    Require(!scopes.status().message().empty());
  }

  // The first line is a glob, the rest the text it is matched against.
  size_t newline = text.find('\n');
  if (newline != std::string_view::npos) {
    std::string_view glob = text.substr(0, newline), subject = text.substr(newline + 1);
    bool matched = GlobMatches(glob, subject);
    if (glob == subject && glob.find_first_of("*?") == std::string_view::npos) Require(matched);
    if (glob == "*") Require(matched);
  }
  return 0;
}
