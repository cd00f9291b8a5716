#pragma once
// What a user may do: glob matching of repository names and the evaluation of AccessRules.

#include <string>
#include <string_view>
#include <vector>

#include "registry/auth/registry_auth.h"

namespace carrier::registry::auth {

// '*' matches any run of characters (including '/'), '?' exactly one; all else is literal.
bool GlobMatches(std::string_view glob, std::string_view text);

// Evaluates rules for one principal. An empty user is the anonymous principal.
class Permissions {
 public:
  Permissions(const std::vector<AccessRule>& rules, bool anonymous_read)
      : rules_(rules), anonymous_read_(anonymous_read) {}

  // The subset of `requested` actions that `user` holds on the resource, with "*" expanded
  // for repositories to pull, push and delete (in the order requested).
  std::vector<std::string> Grant(std::string_view user, const Access& requested) const;

  // True when every action of every item of `needed` is held.
  bool Covers(std::string_view user, const std::vector<Access>& needed) const;

 private:
  bool Holds(std::string_view user, std::string_view type, std::string_view name,
             std::string_view action) const;
  const std::vector<AccessRule>& rules_;
  bool anonymous_read_;
};

// True when the actions granted in `granted` (a token's claims) cover `needed`.
bool GrantedCovers(const std::vector<Access>& granted, const std::vector<Access>& needed);

}  // namespace carrier::registry::auth
