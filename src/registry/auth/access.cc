#include "registry/auth/access.h"

#include <algorithm>

#include "registry/reference.h"

namespace carrier::registry::auth {
namespace {

constexpr size_t kMaxScopeLength = 8 << 10;
constexpr std::string_view kRepositoryActions[] = {"pull", "push", "delete"};

bool IsResourceTypeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// resourcetype: [a-z0-9]+ optionally followed by "(" [a-z0-9]+ ")", e.g. "repository(plugin)".
bool IsValidResourceType(std::string_view type) {
  size_t i = 0;
  while (i < type.size() && IsResourceTypeChar(type[i])) ++i;
  if (i == 0) return false;
  if (i == type.size()) return true;
  if (type[i] != '(' || type.back() != ')' || type.size() - i < 3) return false;
  for (char c : type.substr(i + 1, type.size() - i - 2)) {
    if (!IsResourceTypeChar(c)) return false;
  }
  return true;
}

bool IsValidAction(std::string_view action) {
  if (action.empty() || action.size() > 32) return false;
  return action == "*" || std::all_of(action.begin(), action.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || c == '-' || c == '_';
         });
}

Result<Access> ParseOne(std::string_view text) {
  size_t first = text.find(':');
  size_t last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return InvalidArgument("scope \"" + std::string(text.substr(0, 200)) +
                           "\" is not <type>:<name>:<actions>");
  }
  Access access;
  access.type = std::string(text.substr(0, first));
  access.name = std::string(text.substr(first + 1, last - first - 1));
  if (!IsValidResourceType(access.type)) {
    return InvalidArgument("scope has an invalid resource type \"" +
                           std::string(access.type.substr(0, 64)) + "\"");
  }
  if (access.type == "repository" && !IsValidRepositoryName(access.name)) {
    return InvalidArgument("scope names an invalid repository \"" +
                           std::string(access.name.substr(0, 255)) + "\"");
  }
  if (access.name.empty()) return InvalidArgument("scope has an empty resource name");
  std::string_view actions = text.substr(last + 1);
  size_t start = 0;
  while (start <= actions.size()) {
    size_t comma = actions.find(',', start);
    std::string_view action = actions.substr(start, comma - start);
    if (!IsValidAction(action)) {
      return InvalidArgument("scope has an invalid action \"" + std::string(action.substr(0, 32)) +
                             "\"");
    }
    if (std::find(access.actions.begin(), access.actions.end(), action) == access.actions.end()) {
      access.actions.emplace_back(action);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return access;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::string Access::ToString() const {
  std::string out = type + ":" + name + ":";
  for (size_t i = 0; i < actions.size(); ++i) {
    if (i > 0) out += ",";
    out += actions[i];
  }
  return out;
}

Result<std::vector<Access>> ParseScope(std::string_view scope) {
  if (scope.size() > kMaxScopeLength) return InvalidArgument("scope is longer than 8 KiB");
  std::vector<Access> out;
  size_t start = 0;
  while (start < scope.size()) {
    size_t space = scope.find(' ', start);
    std::string_view item = scope.substr(start, space - start);
    if (!item.empty()) {
      Result<Access> access = ParseOne(item);
      if (!access.ok()) return access.status();
      out.push_back(std::move(access).value());
    }
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return out;
}

bool GlobMatches(std::string_view glob, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, never recursive.
  size_t g = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || (glob[g] != '*' && glob[g] == text[t]))) {
      ++g;
      ++t;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool Permissions::Holds(std::string_view user, std::string_view type, std::string_view name,
                        std::string_view action) const {
  const bool repository = type == "repository";
  const bool catalog = type == "registry" && name == "catalog" && action == "*";
  if (!repository && !catalog) return false;
  if (repository && std::find(std::begin(kRepositoryActions), std::end(kRepositoryActions),
                              action) == std::end(kRepositoryActions)) {
    return false;
  }
  if (user.empty()) return anonymous_read_ && repository && action == "pull";
  if (rules_.empty()) return true;
  for (const AccessRule& rule : rules_) {
    if (!Contains(rule.users, user) && !Contains(rule.users, "*")) continue;
    if (catalog) {
      if (rule.repository_glob == "*" &&
          (Contains(rule.actions, "pull") || Contains(rule.actions, "*"))) {
        return true;
      }
      continue;
    }
    if (!Contains(rule.actions, action) && !Contains(rule.actions, "*")) continue;
    if (GlobMatches(rule.repository_glob, name)) return true;
  }
  return false;
}

std::vector<std::string> Permissions::Grant(std::string_view user, const Access& requested) const {
  std::vector<std::string> granted;
  auto add = [&](std::string_view action) {
    if (!Contains(granted, action) && Holds(user, requested.type, requested.name, action)) {
      granted.emplace_back(action);
    }
  };
  for (const std::string& action : requested.actions) {
    if (action == "*" && requested.type == "repository") {
      for (std::string_view a : kRepositoryActions) add(a);
    } else {
      add(action);
    }
  }
  return granted;
}

bool Permissions::Covers(std::string_view user, const std::vector<Access>& needed) const {
  for (const Access& access : needed) {
    for (const std::string& action : access.actions) {
      if (!Holds(user, access.type, access.name, action)) return false;
    }
  }
  return true;
}

bool GrantedCovers(const std::vector<Access>& granted, const std::vector<Access>& needed) {
  for (const Access& need : needed) {
    for (const std::string& action : need.actions) {
      bool held = std::any_of(granted.begin(), granted.end(), [&](const Access& g) {
        return g.type == need.type && g.name == need.name &&
               (Contains(g.actions, action) || Contains(g.actions, "*"));
      });
      if (!held) return false;
    }
  }
  return true;
}

}  // namespace carrier::registry::auth
