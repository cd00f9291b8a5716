#include "apiserver/authn/impersonation.h"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <cctype>

namespace carrier::apiserver::authn {

namespace {

constexpr std::string_view kUser = "Impersonate-User";
constexpr std::string_view kGroup = "Impersonate-Group";
constexpr std::string_view kUid = "Impersonate-Uid";
constexpr std::string_view kExtraPrefix = "Impersonate-Extra-";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

Status BadRequest(std::string why) { return Status(Code::kBadRequest, "impersonation: " + why); }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

bool HasControlCharacters(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Result<std::optional<ImpersonationRequest>> ParseImpersonation(const http::Headers& headers) {
  ImpersonationRequest request;
  bool any = false, has_user = false;
  for (const auto& [name, value] : headers) {
    if (!StartsWithIgnoreCase(name, "Impersonate-")) continue;
    any = true;
    if (HasControlCharacters(value)) return BadRequest("header " + name + " has control characters");
    if (boost::beast::iequals(name, kUser)) {
      if (has_user) return BadRequest("more than one " + std::string(kUser) + " header");
      if (value.empty()) return BadRequest(std::string(kUser) + " is empty");
      request.user = value;
      has_user = true;
    } else if (boost::beast::iequals(name, kGroup)) {
      if (value.empty()) return BadRequest(std::string(kGroup) + " is empty");
      request.groups.push_back(value);
    } else if (boost::beast::iequals(name, kUid)) {
      if (request.uid) return BadRequest("more than one " + std::string(kUid) + " header");
      if (value.empty()) return BadRequest(std::string(kUid) + " is empty");
      request.uid = value;
    } else if (StartsWithIgnoreCase(name, kExtraPrefix)) {
      auto key = http::PercentDecode(std::string_view(name).substr(kExtraPrefix.size()));
      if (!key || key->empty()) return BadRequest("malformed header " + name);
      request.extra[Lower(*key)].push_back(value);
    } else {
      return BadRequest("unknown header " + name);
    }
  }
  if (!any) return std::optional<ImpersonationRequest>();
  if (!has_user) {
    return BadRequest("requested " + std::string(kGroup) + ", " + std::string(kUid) + " or " +
                      std::string(kExtraPrefix) + "* without " + std::string(kUser));
  }
  return std::optional<ImpersonationRequest>(std::move(request));
}

bool MastersMayImpersonate(const UserInfo& requester, const ImpersonationAttributes&) {
  return requester.InGroup("system:masters");
}

Result<UserInfo> Impersonate(const UserInfo& requester, const ImpersonationRequest& request,
                             const ImpersonationAuthorizer& authorize) {
  auto deny = [&](const ImpersonationAttributes& a) {
    std::string what = a.resource == "userextras" ? "userextras/" + a.subresource : a.resource;
    std::string message = "User \"" + requester.name + "\" cannot impersonate resource \"" +
                          what + "\" in API group \"" + a.api_group + "\"";
    if (!a.ns.empty()) message += " in the namespace \"" + a.ns + "\"";
    return Status(Code::kForbidden, a.resource + " \"" + a.name + "\" is forbidden: " + message);
  };
  std::vector<ImpersonationAttributes> checks;
  UserInfo user;
  user.name = request.user;
  if (request.user.rfind(kServiceAccountPrefix, 0) == 0) {
    std::string_view rest = std::string_view(request.user).substr(kServiceAccountPrefix.size());
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
        rest.find(':', colon + 1) != std::string_view::npos) {
      return Status(Code::kBadRequest,
                    "impersonation: malformed service account user \"" + request.user + "\"");
    }
    ImpersonationAttributes a;
    a.resource = "serviceaccounts";
    a.ns = std::string(rest.substr(0, colon));
    a.name = std::string(rest.substr(colon + 1));
    checks.push_back(a);
    user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + a.ns};
  } else {
    ImpersonationAttributes a;
    a.resource = "users";
    a.name = request.user;
    checks.push_back(a);
  }
  for (const auto& group : request.groups) {
    ImpersonationAttributes a;
    a.resource = "groups";
    a.name = group;
    checks.push_back(a);
    if (std::find(user.groups.begin(), user.groups.end(), group) == user.groups.end()) {
      user.groups.push_back(group);
    }
  }
  if (request.uid) {
    ImpersonationAttributes a;
    a.api_group = "authentication.k8s.io";
    a.resource = "uids";
    a.name = *request.uid;
    checks.push_back(a);
    user.uid = *request.uid;
  }
  for (const auto& [key, values] : request.extra) {
    for (const auto& value : values) {
      ImpersonationAttributes a;
      a.api_group = "authentication.k8s.io";
      a.resource = "userextras";
      a.subresource = key;
      a.name = value;
      checks.push_back(a);
    }
  }
  for (const auto& check : checks) {
    if (!authorize || !authorize(requester, check)) return deny(check);
  }
  user.extra = request.extra;
  if (user.name == "system:anonymous") {
    if (!user.InGroup("system:unauthenticated")) user.groups.push_back("system:unauthenticated");
  } else if (!user.InGroup("system:authenticated")) {
    user.groups.push_back("system:authenticated");
  }
  return user;
}

}  // namespace carrier::apiserver::authn
