#pragma once
// The authenticators of one logical cluster, composed as a union (the first that
// recognises the credential decides): the cluster's x509 client CA, then bearer tokens —
// service-account JWTs signed with the cluster's key and bootstrap tokens from its
// kube-system Secrets. Built from the cluster's keys; immutable, so requests share it.
// AuthenticatorCache builds them lazily per cluster and keeps them (no per-cluster threads).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "apiserver/authn/client_certificate.h"
#include "apiserver/authn/object_lookup.h"
#include "apiserver/user_info.h"
#include "base/status.h"
#include "http/server.h"

namespace carrier::apiserver::authn {

// What a cluster's authenticators need of its credentials (public material only).
struct ClusterKeys {
  std::string client_ca_pem;
  std::vector<std::string> service_account_public_keys_pem;
  std::string issuer;                  // of its service-account tokens
  std::vector<std::string> audiences;  // accepted token audiences (the issuer when empty)
};

// Requests at most this long in Authorization are refused without parsing.
inline constexpr size_t kMaxAuthorizationBytes = 16 * 1024;

struct TokenAuthentication {
  UserInfo user;
  std::vector<std::string> audiences;  // the audiences the token was valid for
};

class ClusterAuthenticator {
 public:
  // `superusers` (may be null) is consulted after the cluster's own CA: the management
  // plane's system:masters certificates, admitted at every cluster.
  static Result<std::shared_ptr<const ClusterAuthenticator>> Create(
      const ClusterKeys& keys, std::shared_ptr<const ClientCertificateAuthenticator> superusers);

  // kUnauthorized when the request carries no credential this cluster accepts (an absent
  // credential is kUnauthorized too; the caller decides about anonymous access).
  Result<UserInfo> Authenticate(const http::Request& request, const ObjectLookup& lookup,
                                std::chrono::system_clock::time_point now) const;

  // A bearer token alone (TokenReview). `audiences` overrides the accepted audiences when
  // not empty.
  Result<TokenAuthentication> AuthenticateToken(std::string_view token,
                                                const std::vector<std::string>& audiences,
                                                const ObjectLookup& lookup,
                                                std::chrono::system_clock::time_point now) const;

  const ClusterKeys& keys() const { return keys_; }

 private:
  ClusterAuthenticator() = default;
  ClusterKeys keys_;
  std::unique_ptr<ClientCertificateAuthenticator> certificates_;
  std::shared_ptr<const ClientCertificateAuthenticator> superusers_;
};

// The bearer token of an Authorization header ("" when there is none); kUnauthorized when
// the header is present but not a well-formed bearer credential.
Result<std::string> BearerToken(const http::Request& request);

class AuthenticatorCache {
 public:
  using Loader = std::function<Result<std::shared_ptr<const ClusterAuthenticator>>(
      const std::string& cluster)>;
  explicit AuthenticatorCache(Loader loader) : loader_(std::move(loader)) {}

  Result<std::shared_ptr<const ClusterAuthenticator>> Get(const std::string& cluster);
  // Drops a cluster's entry (deleted, or its credentials replaced).
  void Forget(const std::string& cluster);

 private:
  Loader loader_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ClusterAuthenticator>, std::less<>> entries_;
  uint64_t generation_ = 0;  // bumped by Forget
};

}  // namespace carrier::apiserver::authn
