#include "apiserver/authn/service_account_token.h"

#include <boost/json.hpp>

#include <algorithm>

#include "apiserver/authn/jwt.h"

namespace carrier::apiserver::authn {

namespace json = boost::json;

namespace {

// Tolerated clock difference for exp and nbf (Kubernetes allows a minute of skew).
constexpr std::chrono::seconds kLeeway{60};

Status Unauthorized(std::string why) {
  return Status(Code::kUnauthorized, "invalid service account token: " + why);
}

int64_t Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string StringAt(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* ObjectAt(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::optional<int64_t> IntAt(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= INT64_MAX) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) {
    const double d = v->get_double();
    // NumericDate may be fractional; out-of-range values are not times.
    if (!(d > -9.0e18 && d < 9.0e18)) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::string UidOf(const json::object& obj) {
  auto* meta = ObjectAt(obj, "metadata");
  return meta ? StringAt(*meta, "uid") : std::string();
}

bool BeingDeleted(const json::object& obj) {
  auto* meta = ObjectAt(obj, "metadata");
  return meta && meta->if_contains("deletionTimestamp");
}

}  // namespace

UserInfo ServiceAccountUser(const std::string& ns, const std::string& name, const std::string& uid) {
  UserInfo user;
  user.name = "system:serviceaccount:" + ns + ":" + name;
  user.uid = uid;
  user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"};
  return user;
}

Result<std::string> IssueServiceAccountToken(const ServiceAccountTokenSpec& spec,
                                             const std::string& private_key_pem) {
  const int64_t iat = Seconds(spec.issued_at);
  json::object k8s{{"namespace", spec.ns},
                   {"serviceaccount", json::object{{"name", spec.name}, {"uid", spec.uid}}}};
  if (spec.bound) {
    std::string field = spec.bound->kind == "Pod" ? "pod" : "secret";
    k8s[field] = json::object{{"name", spec.bound->name}, {"uid", spec.bound->uid}};
  }
  json::object claims{{"iss", spec.issuer},
                      {"sub", "system:serviceaccount:" + spec.ns + ":" + spec.name},
                      {"aud", json::value_from(spec.audiences)},
                      {"iat", iat},
                      {"nbf", iat},
                      {"exp", iat + spec.lifetime.count()},
                      {"kubernetes.io", std::move(k8s)}};
  auto public_key = PublicKeyPem(private_key_pem);
  if (!public_key.ok()) return public_key.status();
  auto kid = KeyIdOf(*public_key);
  if (!kid.ok()) return kid.status();
  return SignJwt(claims, private_key_pem, *kid);
}

Result<ServiceAccountAuthentication> AuthenticateServiceAccountToken(
    std::string_view token, const ServiceAccountVerifier& verifier, const ObjectLookup& lookup,
    std::chrono::system_clock::time_point now) {
  auto jwt = ParseJwt(token);
  if (!jwt.ok()) return jwt.status();
  bool verified = false;
  for (const auto& key : verifier.public_keys_pem) {
    if (VerifyJwtSignature(*jwt, key).ok()) {
      verified = true;
      break;
    }
  }
  if (!verified) return Unauthorized("the signature does not verify with this cluster's keys");
  const json::object& claims = jwt->claims;
  if (StringAt(claims, "iss") != verifier.issuer) return Unauthorized("wrong issuer");

  // Times: exp is required; nbf and iat, when present, must not be in the future.
  const int64_t t = Seconds(now);
  auto exp = IntAt(claims, "exp");
  if (!exp) return Unauthorized("no expiry");
  if (t - kLeeway.count() > *exp) return Unauthorized("expired");
  if (auto nbf = IntAt(claims, "nbf"); claims.if_contains("nbf") && (!nbf || t + kLeeway.count() < *nbf)) {
    return Unauthorized("not valid yet");
  }
  if (auto iat = IntAt(claims, "iat"); claims.if_contains("iat") && (!iat || t + kLeeway.count() < *iat)) {
    return Unauthorized("issued in the future");
  }

  // Audiences: aud is a string or an array of strings; one must be accepted.
  std::vector<std::string> token_audiences;
  if (auto* aud = claims.if_contains("aud")) {
    if (aud->is_string()) {
      token_audiences.emplace_back(aud->get_string());
    } else if (aud->is_array()) {
      for (const auto& a : aud->get_array()) {
        if (!a.is_string()) return Unauthorized("malformed audience");
        token_audiences.emplace_back(a.get_string());
      }
    } else {
      return Unauthorized("malformed audience");
    }
  }
  const std::vector<std::string> accepted =
      verifier.audiences.empty() ? std::vector<std::string>{verifier.issuer} : verifier.audiences;
  std::vector<std::string> matched;
  for (const auto& a : token_audiences) {
    if (std::find(accepted.begin(), accepted.end(), a) != accepted.end()) matched.push_back(a);
  }
  if (matched.empty()) return Unauthorized("wrong audience");

  const json::object* k8s = ObjectAt(claims, "kubernetes.io");
  if (k8s == nullptr) return Unauthorized("no kubernetes.io claims");
  const std::string ns = StringAt(*k8s, "namespace");
  const json::object* sa = ObjectAt(*k8s, "serviceaccount");
  if (ns.empty() || sa == nullptr) return Unauthorized("no service account");
  const std::string name = StringAt(*sa, "name");
  const std::string uid = StringAt(*sa, "uid");
  if (name.empty() || uid.empty()) return Unauthorized("no service account");
  if (StringAt(claims, "sub") != "system:serviceaccount:" + ns + ":" + name) {
    return Unauthorized("the subject does not name the service account");
  }
  auto account = lookup("serviceaccounts", ns, name);
  if (!account || UidOf(*account) != uid || BeingDeleted(*account)) {
    return Unauthorized("the service account no longer exists");
  }
  UserInfo user = ServiceAccountUser(ns, name, uid);
  for (const auto& [field, resource, kind] :
       {std::tuple{"pod", "pods", "Pod"}, std::tuple{"secret", "secrets", "Secret"}}) {
    const json::object* bound = ObjectAt(*k8s, field);
    if (bound == nullptr) continue;
    const std::string bound_name = StringAt(*bound, "name");
    const std::string bound_uid = StringAt(*bound, "uid");
    auto object = lookup(resource, ns, bound_name);
    if (!object || UidOf(*object) != bound_uid || BeingDeleted(*object)) {
      return Unauthorized(std::string("the bound ") + kind + " no longer exists");
    }
    if (std::string_view(field) == "pod") {
      user.extra["authentication.kubernetes.io/pod-name"] = {bound_name};
      user.extra["authentication.kubernetes.io/pod-uid"] = {bound_uid};
    }
  }
  return ServiceAccountAuthentication{std::move(user), std::move(matched)};
}

}  // namespace carrier::apiserver::authn
