#pragma once
// The authentication API every cluster serves (nothing of it is stored):
//   POST /apis/authentication.k8s.io/v1/tokenreviews                   TokenReview
//   POST /apis/authentication.k8s.io/{v1,v1beta1}/selfsubjectreviews   SelfSubjectReview
//   POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token          TokenRequest
// Other verbs on them are 405. The caller has authenticated and authorized the request.

#include <functional>
#include <memory>

#include "apiserver/authn/object_lookup.h"
#include "apiserver/authn/request_authenticator.h"
#include "apiserver/request_info.h"
#include "apiserver/user_info.h"
#include "http/server.h"

namespace carrier::apiserver::authn {

// TokenRequest's bounds on expirationSeconds (Kubernetes': at least 10 minutes, at most 2^32
// seconds) and its default.
inline constexpr int64_t kMinTokenSeconds = 600;
inline constexpr int64_t kMaxTokenSeconds = int64_t{1} << 32;
inline constexpr int64_t kDefaultTokenSeconds = 3600;

struct AuthenticationApiContext {
  std::shared_ptr<const ClusterAuthenticator> authenticator;  // the request's cluster
  ObjectLookup lookup;                                        // in the request's cluster
  // The cluster's PEM service-account signing key (read only when a token is requested).
  std::function<Result<std::string>()> signing_key;
};

// True when `info` addresses one of the resources above (served by ServeAuthenticationApi).
bool IsAuthenticationApiRequest(const RequestInfo& info);

void ServeAuthenticationApi(std::shared_ptr<http::Exchange> exchange, const RequestInfo& info,
                            const UserInfo& user, AuthenticationApiContext context);

}  // namespace carrier::apiserver::authn
