#include "apiserver/authn/request_authenticator.h"

#include <boost/beast/core/string.hpp>

#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/authn/jwt.h"
#include "apiserver/authn/service_account_token.h"

namespace carrier::apiserver::authn {

namespace {

Status Unauthorized() { return Status(Code::kUnauthorized, "Unauthorized"); }

}  // namespace

Result<std::string> BearerToken(const http::Request& request) {
  if (!request.HasHeader("Authorization")) return std::string();
  std::string_view value = request.Header("Authorization");
  if (value.size() > kMaxAuthorizationBytes) return Unauthorized();
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !boost::beast::iequals(value.substr(0, kScheme.size()), kScheme)) {
    return Unauthorized();
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty() || value.find(' ') != std::string_view::npos) return Unauthorized();
  return std::string(value);
}

Result<std::shared_ptr<const ClusterAuthenticator>> ClusterAuthenticator::Create(
    const ClusterKeys& keys, std::shared_ptr<const ClientCertificateAuthenticator> superusers) {
  auto certificates = ClientCertificateAuthenticator::Create(keys.client_ca_pem);
  if (!certificates.ok()) return certificates.status();
  std::shared_ptr<ClusterAuthenticator> a(new ClusterAuthenticator());
  a->keys_ = keys;
  a->certificates_ = std::move(*certificates);
  a->superusers_ = std::move(superusers);
  return std::shared_ptr<const ClusterAuthenticator>(std::move(a));
}

Result<UserInfo> ClusterAuthenticator::Authenticate(const http::Request& request,
                                                    const ObjectLookup& lookup,
                                                    std::chrono::system_clock::time_point now) const {
  if (!request.peer_certificate_pem.empty()) {
    auto user = certificates_->Authenticate(request.peer_certificate_pem);
    if (user.ok()) return user;
    if (superusers_) {
      user = superusers_->Authenticate(request.peer_certificate_pem);
      if (user.ok()) return user;
    }
  }
  auto token = BearerToken(request);
  if (!token.ok()) return token.status();
  if (token->empty()) return Unauthorized();
  auto result = AuthenticateToken(*token, {}, lookup, now);
  if (!result.ok()) return result.status();
  return std::move(result->user);
}

Result<TokenAuthentication> ClusterAuthenticator::AuthenticateToken(
    std::string_view token, const std::vector<std::string>& audiences, const ObjectLookup& lookup,
    std::chrono::system_clock::time_point now) const {
  if (LooksLikeBootstrapToken(token)) {
    auto user = AuthenticateBootstrapToken(token, lookup, now);
    if (!user.ok()) return user.status();
    return TokenAuthentication{std::move(*user), audiences.empty() ? keys_.audiences : audiences};
  }
  if (LooksLikeJwt(token)) {
    ServiceAccountVerifier verifier;
    verifier.issuer = keys_.issuer;
    verifier.public_keys_pem = keys_.service_account_public_keys_pem;
    verifier.audiences = audiences.empty() ? keys_.audiences : audiences;
    auto sa = AuthenticateServiceAccountToken(token, verifier, lookup, now);
    if (!sa.ok()) return sa.status();
    return TokenAuthentication{std::move(sa->user), std::move(sa->audiences)};
  }
  return Unauthorized();
}

Result<std::shared_ptr<const ClusterAuthenticator>> AuthenticatorCache::Get(
    const std::string& cluster) {
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(cluster); it != entries_.end()) return it->second;
    generation = generation_;
  }
  auto built = loader_(cluster);  // outside the lock: may read the store
  if (!built.ok()) return built.status();
  std::lock_guard lock(mu_);
  // A Forget while loading may have made what was read stale: use it, but do not keep it.
  if (generation != generation_) return *built;
  auto [it, inserted] = entries_.emplace(cluster, *built);
  return it->second;
}

void AuthenticatorCache::Forget(const std::string& cluster) {
  std::lock_guard lock(mu_);
  entries_.erase(cluster);
  ++generation_;
}

}  // namespace carrier::apiserver::authn
