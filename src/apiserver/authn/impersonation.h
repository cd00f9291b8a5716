#pragma once
// Impersonation (Kubernetes' Impersonate-* headers): a requester acts as another user.
//   Impersonate-User: <name>           required when any other Impersonate-* header is sent
//   Impersonate-Group: <group>         repeatable
//   Impersonate-Uid: <uid>
//   Impersonate-Extra-<key>: <value>   repeatable; <key> is percent-encoded, read lower-cased
// Malformed headers are kBadRequest. Each thing impersonated needs the `impersonate` verb,
// decided by an ImpersonationAuthorizer (RBAC supplies it; by default only system:masters).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/user_info.h"
#include "base/status.h"
#include "http/server.h"

namespace carrier::apiserver::authn {

struct ImpersonationRequest {
  std::string user;
  std::vector<std::string> groups;
  std::optional<std::string> uid;
  std::map<std::string, std::vector<std::string>> extra;
};

// nullopt when the request carries no Impersonate-* header.
Result<std::optional<ImpersonationRequest>> ParseImpersonation(const http::Headers& headers);

// One authorization question: may `requester` impersonate `name` of `resource`?
// resource is users, groups, serviceaccounts (group "", with a namespace), uids or
// userextras (group authentication.k8s.io; for userextras the subresource is the key).
struct ImpersonationAttributes {
  std::string verb = "impersonate";
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
};
using ImpersonationAuthorizer =
    std::function<bool(const UserInfo& requester, const ImpersonationAttributes& what)>;

// The default until RBAC lands: members of system:masters may impersonate anyone.
bool MastersMayImpersonate(const UserInfo& requester, const ImpersonationAttributes& what);

// The impersonated user, or kForbidden naming the first thing the requester may not
// impersonate.
Result<UserInfo> Impersonate(const UserInfo& requester, const ImpersonationRequest& request,
                             const ImpersonationAuthorizer& authorize);

}  // namespace carrier::apiserver::authn
