#pragma once
// Service-account tokens: JWTs a logical cluster signs with its own key. Claims follow
// Kubernetes' bound tokens: iss, sub (system:serviceaccount:<ns>:<name>), aud, exp, nbf, iat
// and "kubernetes.io": {namespace, serviceaccount {name, uid}, pod {name, uid}}.
// A token authenticates only while its service account (and bound pod) still exists with
// the uid the token names.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/authn/object_lookup.h"
#include "apiserver/user_info.h"
#include "base/status.h"

namespace carrier::apiserver::authn {

struct BoundObject {
  std::string kind;  // "Pod" or "Secret"
  std::string name;
  std::string uid;
};

struct ServiceAccountTokenSpec {
  std::string issuer;
  std::vector<std::string> audiences;
  std::string ns;
  std::string name;
  std::string uid;
  std::optional<BoundObject> bound;
  std::chrono::system_clock::time_point issued_at;
  std::chrono::seconds lifetime{3600};
};

// Signs a token for `spec` with the cluster's PEM private key.
Result<std::string> IssueServiceAccountToken(const ServiceAccountTokenSpec& spec,
                                             const std::string& private_key_pem);

// The user a service account is: system:serviceaccount:<ns>:<name>, groups
// system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated.
UserInfo ServiceAccountUser(const std::string& ns, const std::string& name, const std::string& uid);

struct ServiceAccountVerifier {
  std::string issuer;
  std::vector<std::string> public_keys_pem;  // any of them may have signed
  // Accepted audiences (one must be in the token's aud); the issuer when empty.
  std::vector<std::string> audiences;
};

// The authenticated user and the audiences of the token that matched, or kUnauthorized.
struct ServiceAccountAuthentication {
  UserInfo user;
  std::vector<std::string> audiences;
};
Result<ServiceAccountAuthentication> AuthenticateServiceAccountToken(
    std::string_view token, const ServiceAccountVerifier& verifier, const ObjectLookup& lookup,
    std::chrono::system_clock::time_point now);

}  // namespace carrier::apiserver::authn
