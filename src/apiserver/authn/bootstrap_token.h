#pragma once
// Bootstrap tokens, for machines joining a cluster: "<id>.<secret>" (6 and 16 characters of
// [a-z0-9]) backed by a Secret "bootstrap-token-<id>" of type bootstrap.kubernetes.io/token
// in kube-system, whose data holds token-id, token-secret, optional expiration (RFC 3339),
// usage-bootstrap-authentication ("true" to allow authentication) and auth-extra-groups
// (comma-separated, each "system:bootstrappers:..."). The user is system:bootstrap:<id> in
// system:bootstrappers, the extra groups and system:authenticated.

#include <chrono>
#include <optional>
#include <string_view>

#include "apiserver/authn/object_lookup.h"
#include "apiserver/user_info.h"
#include "base/status.h"

namespace carrier::apiserver::authn {

// True when `token` has the bootstrap-token shape (not that it is valid).
bool LooksLikeBootstrapToken(std::string_view token);

// kUnauthorized unless a live, unexpired Secret allows authentication with this token.
Result<UserInfo> AuthenticateBootstrapToken(std::string_view token, const ObjectLookup& lookup,
                                            std::chrono::system_clock::time_point now);

// Parses an RFC 3339 timestamp ("2026-12-01T10:00:00Z", offsets and fractions allowed).
// Seconds precision, so that far-future times (year 2999) do not overflow.
std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text);

}  // namespace carrier::apiserver::authn
