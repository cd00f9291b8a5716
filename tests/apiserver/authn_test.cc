// Authenticators: JWT parsing and signatures, service-account and bootstrap tokens,
// impersonation headers, and the per-cluster union.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/authn/impersonation.h"
#include "apiserver/authn/jwt.h"
#include "apiserver/authn/request_authenticator.h"
#include "apiserver/authn/service_account_token.h"
#include "apiserver/authn/token_request_protobuf.h"
#include "base/base64.h"
#include "base/x509.h"

namespace carrier::apiserver::authn {
namespace {

namespace json = boost::json;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

std::string RsaKey() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

std::string Key() {
  auto key = GenerateSigningKey();
  EXPECT_TRUE(key.ok());
  return *key;
}

std::string Pub(const std::string& key) {
  auto pub = PublicKeyPem(key);
  EXPECT_TRUE(pub.ok());
  return *pub;
}

TEST(JwtTest, SignsAndVerifiesEs256AndRs256) {
  for (const std::string& key : {Key(), RsaKey()}) {
    json::object claims{{"sub", "x"}};
    auto token = SignJwt(claims, key, "kid1");
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    auto jwt = ParseJwt(*token);
    ASSERT_TRUE(jwt.ok()) << jwt.status().ToString();
    EXPECT_EQ(jwt->key_id, "kid1");
    EXPECT_EQ(jwt->claims.at("sub").as_string(), "x");
    EXPECT_TRUE(VerifyJwtSignature(*jwt, Pub(key)).ok());
    EXPECT_EQ(VerifyJwtSignature(*jwt, Pub(Key())).code(), Code::kUnauthorized);
  }
}

TEST(JwtTest, RefusesAlgNoneAndMalformedTokens) {
  const std::string none_header = Base64RawUrlEncode(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = Base64RawUrlEncode(R"({"sub":"x"})");
  EXPECT_EQ(ParseJwt(none_header + "." + payload + ".").status().code(), Code::kUnauthorized);
  EXPECT_EQ(ParseJwt(none_header + "." + payload + ".c2ln").status().code(), Code::kUnauthorized);
  const std::string hs = Base64RawUrlEncode(R"({"alg":"HS256"})");
  EXPECT_EQ(ParseJwt(hs + "." + payload + ".c2ln").status().code(), Code::kUnauthorized);
  for (std::string bad : std::vector<std::string>{"", ".", "..", "a.b", "a.b.c.d", "!!.b.c",
                                                 "e30.e30.e30", std::string(kMaxJwtBytes + 1, 'a')}) {
    EXPECT_EQ(ParseJwt(bad).status().code(), Code::kUnauthorized) << bad.substr(0, 40);
  }
  // An ES256 header on an RSA key (algorithm confusion) does not verify.
  const std::string rsa = RsaKey();
  auto token = SignJwt(json::object{{"a", 1}}, rsa, "");
  auto jwt = ParseJwt(*token);
  ASSERT_TRUE(jwt.ok());
  jwt->algorithm = "ES256";
  EXPECT_EQ(VerifyJwtSignature(*jwt, Pub(rsa)).code(), Code::kUnauthorized);
  // A truncated signature does not verify.
  auto cut = ParseJwt(token->substr(0, token->size() - 4));
  if (cut.ok()) {
    EXPECT_EQ(VerifyJwtSignature(*cut, Pub(rsa)).code(), Code::kUnauthorized);
  }
}

struct Objects {
  std::map<std::string, json::object> items;  // "<resource>/<ns>/<name>"
  ObjectLookup lookup() {
    return [this](std::string_view r, std::string_view ns, std::string_view name)
               -> std::optional<json::object> {
      auto it = items.find(std::string(r) + "/" + std::string(ns) + "/" + std::string(name));
      if (it == items.end()) return std::nullopt;
      return it->second;
    };
  }
  void Add(const std::string& r, const std::string& ns, const std::string& name,
           const std::string& uid) {
    items[r + "/" + ns + "/" + name] =
        json::object{{"metadata", json::object{{"name", name}, {"namespace", ns}, {"uid", uid}}}};
  }
};

ServiceAccountTokenSpec Spec() {
  ServiceAccountTokenSpec spec;
  spec.issuer = "https://issuer";
  spec.audiences = {"https://issuer"};
  spec.ns = "team";
  spec.name = "robot";
  spec.uid = "uid-1";
  spec.issued_at = Clock::now();
  return spec;
}

TEST(ServiceAccountTokenTest, AuthenticatesWhileTheAccountExists) {
  const std::string key = Key();
  Objects objects;
  objects.Add("serviceaccounts", "team", "robot", "uid-1");
  auto token = IssueServiceAccountToken(Spec(), key);
  ASSERT_TRUE(token.ok());
  ServiceAccountVerifier verifier{"https://issuer", {Pub(key)}, {}};
  auto got = AuthenticateServiceAccountToken(*token, verifier, objects.lookup(), Clock::now());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user.name, "system:serviceaccount:team:robot");
  EXPECT_EQ(got->user.uid, "uid-1");
  EXPECT_EQ(got->user.groups, (std::vector<std::string>{"system:serviceaccounts",
                                                        "system:serviceaccounts:team",
                                                        "system:authenticated"}));
  // Recreated with another uid, or gone: the token is dead.
  objects.Add("serviceaccounts", "team", "robot", "uid-2");
  EXPECT_EQ(AuthenticateServiceAccountToken(*token, verifier, objects.lookup(), Clock::now())
                .status().code(), Code::kUnauthorized);
  objects.items.clear();
  EXPECT_EQ(AuthenticateServiceAccountToken(*token, verifier, objects.lookup(), Clock::now())
                .status().code(), Code::kUnauthorized);
}

TEST(ServiceAccountTokenTest, RefusesExpiredWrongAudienceIssuerAndKey) {
  const std::string key = Key();
  Objects objects;
  objects.Add("serviceaccounts", "team", "robot", "uid-1");
  ServiceAccountVerifier verifier{"https://issuer", {Pub(key)}, {}};
  auto check = [&](const ServiceAccountTokenSpec& spec, const std::string& signing_key,
                   Clock::time_point now) {
    auto token = IssueServiceAccountToken(spec, signing_key);
    EXPECT_TRUE(token.ok());
    return AuthenticateServiceAccountToken(*token, verifier, objects.lookup(), now).status().code();
  };
  auto spec = Spec();
  EXPECT_EQ(check(spec, key, Clock::now()), Code::kOk);
  EXPECT_EQ(check(spec, key, Clock::now() + seconds(3600 + 61)), Code::kUnauthorized);  // expired
  EXPECT_EQ(check(spec, key, Clock::now() - seconds(120)), Code::kUnauthorized);  // not yet
  EXPECT_EQ(check(spec, Key(), Clock::now()), Code::kUnauthorized);  // another cluster's key
  spec.audiences = {"vault"};
  EXPECT_EQ(check(spec, key, Clock::now()), Code::kUnauthorized);
  spec = Spec();
  spec.issuer = "https://elsewhere";
  EXPECT_EQ(check(spec, key, Clock::now()), Code::kUnauthorized);
  // A bound pod must still exist with its uid.
  spec = Spec();
  spec.bound = BoundObject{"Pod", "web", "pod-uid"};
  EXPECT_EQ(check(spec, key, Clock::now()), Code::kUnauthorized);
  objects.Add("pods", "team", "web", "pod-uid");
  EXPECT_EQ(check(spec, key, Clock::now()), Code::kOk);
}

json::object BootstrapSecret(const std::string& id, const std::string& secret,
                             json::object extra = {}) {
  json::object data{{"token-id", Base64Encode(id)},
                    {"token-secret", Base64Encode(secret)},
                    {"usage-bootstrap-authentication", Base64Encode("true")}};
  for (auto& [k, v] : extra) data[k] = Base64Encode(std::string(v.as_string()));
  return json::object{{"type", "bootstrap.kubernetes.io/token"},
                      {"metadata", json::object{{"name", "bootstrap-token-" + id}}},
                      {"data", std::move(data)}};
}

TEST(BootstrapTokenTest, AuthenticatesLiveTokens) {
  Objects objects;
  objects.items["secrets/kube-system/bootstrap-token-abcdef"] = BootstrapSecret(
      "abcdef", "0123456789abcdef",
      json::object{{"auth-extra-groups", "system:bootstrappers:worker"},
                   {"expiration", "2999-01-01T00:00:00Z"}});
  auto user = AuthenticateBootstrapToken("abcdef.0123456789abcdef", objects.lookup(), Clock::now());
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->name, "system:bootstrap:abcdef");
  EXPECT_EQ(user->groups, (std::vector<std::string>{"system:bootstrappers",
                                                    "system:bootstrappers:worker",
                                                    "system:authenticated"}));
  for (const char* bad : {"abcdef.0123456789abcdee", "abcdee.0123456789abcdef", "abcdef",
                          "ABCDEF.0123456789abcdef", "abcdef.0123456789abcdef0"}) {
    EXPECT_EQ(AuthenticateBootstrapToken(bad, objects.lookup(), Clock::now()).status().code(),
              Code::kUnauthorized) << bad;
  }
}

TEST(BootstrapTokenTest, RefusesExpiredUnusableAndMistypedSecrets) {
  const std::string token = "abcdef.0123456789abcdef";
  auto refused = [&](json::object secret) {
    Objects objects;
    objects.items["secrets/kube-system/bootstrap-token-abcdef"] = std::move(secret);
    return AuthenticateBootstrapToken(token, objects.lookup(), Clock::now()).status().code() ==
           Code::kUnauthorized;
  };
  EXPECT_TRUE(refused(BootstrapSecret("abcdef", "0123456789abcdef",
                                      json::object{{"expiration", "2000-01-01T00:00:00Z"}})));
  EXPECT_TRUE(refused(BootstrapSecret("abcdef", "0123456789abcdef",
                                      json::object{{"expiration", "garbage"}})));
  EXPECT_TRUE(refused(BootstrapSecret("abcdef", "0123456789abcdef",
                                      json::object{{"usage-bootstrap-authentication", "false"}})));
  EXPECT_TRUE(refused(BootstrapSecret("abcdef", "0123456789abcdef",
                                      json::object{{"auth-extra-groups", "system:masters"}})));
  auto opaque = BootstrapSecret("abcdef", "0123456789abcdef");
  opaque["type"] = "Opaque";
  EXPECT_TRUE(refused(opaque));
}

TEST(BootstrapTokenTest, ParsesRfc3339) {
  auto t = ParseRfc3339("2026-12-01T10:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch().count(), 1796119200);
  auto offset = ParseRfc3339("2026-12-01T12:00:00.5+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, *t);
  auto far = ParseRfc3339("2999-01-01T00:00:00Z");
  ASSERT_TRUE(far);
  EXPECT_GT(*far, *t);
  for (const char* bad : {"", "2026-12-01", "2026-13-01T00:00:00Z", "2026-12-01T00:00:00",
                          "2026-12-01T00:00:00Zjunk", "2026-12-01T00:00:00+2"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(ImpersonationTest, ParsesHeaders) {
  http::Headers none{{"Accept", "application/json"}};
  auto parsed = ParseImpersonation(none);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(*parsed);
  http::Headers full{{"Impersonate-User", "jane"},
                     {"impersonate-group", "dev"},
                     {"Impersonate-Group", "ops"},
                     {"Impersonate-Uid", "u1"},
                     {"Impersonate-Extra-Scopes%2FOne", "a"},
                     {"Impersonate-Extra-scopes%2fone", "b"}};
  parsed = ParseImpersonation(full);
  ASSERT_TRUE(parsed.ok() && *parsed);
  EXPECT_EQ((*parsed)->user, "jane");
  EXPECT_EQ((*parsed)->groups, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ((*parsed)->uid, "u1");
  EXPECT_EQ((*parsed)->extra.at("scopes/one"), (std::vector<std::string>{"a", "b"}));
  for (const http::Headers& bad :
       {http::Headers{{"Impersonate-Group", "dev"}}, http::Headers{{"Impersonate-User", ""}},
        http::Headers{{"Impersonate-User", "a"}, {"Impersonate-User", "b"}},
        http::Headers{{"Impersonate-User", "a"}, {"Impersonate-Extra-%zz", "v"}},
        http::Headers{{"Impersonate-User", "a"}, {"Impersonate-Extra-", "v"}},
        http::Headers{{"Impersonate-User", "a"}, {"Impersonate-Whatever", "v"}},
        http::Headers{{"Impersonate-User", "a\x01"}}}) {
    EXPECT_EQ(ParseImpersonation(bad).status().code(), Code::kBadRequest);
  }
}

TEST(ImpersonationTest, AsksTheAuthorizerForEachThing) {
  UserInfo admin{"admin", "", {"system:masters"}, {}};
  UserInfo dev{"dev", "", {"devs"}, {}};
  ImpersonationRequest request{"system:serviceaccount:team:robot", {"extra-group"}, "u1",
                               {{"k", {"v"}}}};
  auto as = Impersonate(admin, request, MastersMayImpersonate);
  ASSERT_TRUE(as.ok()) << as.status().ToString();
  EXPECT_EQ(as->name, "system:serviceaccount:team:robot");
  EXPECT_EQ(as->uid, "u1");
  EXPECT_TRUE(as->InGroup("system:serviceaccounts:team"));
  EXPECT_TRUE(as->InGroup("extra-group"));
  EXPECT_TRUE(as->InGroup("system:authenticated"));
  EXPECT_EQ(Impersonate(dev, request, MastersMayImpersonate).status().code(), Code::kForbidden);
  std::vector<std::string> asked;
  auto record = [&](const UserInfo&, const ImpersonationAttributes& a) {
    asked.push_back(a.api_group + "/" + a.resource + "/" + a.subresource + "/" + a.ns + "/" + a.name);
    return true;
  };
  ASSERT_TRUE(Impersonate(dev, request, record).ok());
  EXPECT_EQ(asked, (std::vector<std::string>{"/serviceaccounts//team/robot", "/groups///extra-group",
                                             "authentication.k8s.io/uids///u1",
                                             "authentication.k8s.io/userextras/k//v"}));
  EXPECT_EQ(Impersonate(admin, {"system:serviceaccount:bad", {}, {}, {}}, MastersMayImpersonate)
                .status().code(), Code::kBadRequest);
}

http::Request WithBearer(const std::string& token) {
  http::Request r;
  r.headers.push_back({"Authorization", "Bearer " + token});
  return r;
}

TEST(ClusterAuthenticatorTest, UnionOfCertificatesAndTokensOfOneCluster) {
  auto ca_a = x509::CreateCertificateAuthority("a");
  auto ca_b = x509::CreateCertificateAuthority("b");
  auto management = x509::CreateCertificateAuthority("management");
  const std::string key_a = Key(), key_b = Key();
  auto superusers = ClientCertificateAuthenticator::Create(management->cert_pem, "system:masters");
  ASSERT_TRUE(superusers.ok());
  std::shared_ptr<const ClientCertificateAuthenticator> shared_superusers(std::move(*superusers));
  auto a = ClusterAuthenticator::Create({ca_a->cert_pem, {Pub(key_a)}, "https://a", {}}, shared_superusers);
  auto b = ClusterAuthenticator::Create({ca_b->cert_pem, {Pub(key_b)}, "https://b", {}}, shared_superusers);
  ASSERT_TRUE(a.ok() && b.ok());
  Objects objects;
  objects.Add("serviceaccounts", "team", "robot", "uid-1");
  objects.items["secrets/kube-system/bootstrap-token-abcdef"] =
      BootstrapSecret("abcdef", "0123456789abcdef");
  const auto now = Clock::now();

  http::Request cert_a;
  cert_a.peer_certificate_pem = x509::IssueCertificate(*ca_a, {"alice", {"dev"}, {}, false, true})->cert_pem;
  EXPECT_EQ((*a)->Authenticate(cert_a, objects.lookup(), now)->name, "alice");
  EXPECT_EQ((*b)->Authenticate(cert_a, objects.lookup(), now).status().code(), Code::kUnauthorized);

  auto spec = Spec();
  spec.issuer = "https://a";
  spec.audiences = {"https://a"};
  auto token_a = IssueServiceAccountToken(spec, key_a);
  EXPECT_EQ((*a)->Authenticate(WithBearer(*token_a), objects.lookup(), now)->name,
            "system:serviceaccount:team:robot");
  EXPECT_EQ((*b)->Authenticate(WithBearer(*token_a), objects.lookup(), now).status().code(),
            Code::kUnauthorized);

  // The management plane's masters are admitted everywhere; its other users are not.
  http::Request root_admin, root_user;
  root_admin.peer_certificate_pem =
      x509::IssueCertificate(*management, {"system:admin", {"system:masters"}, {}, false, true})->cert_pem;
  root_user.peer_certificate_pem =
      x509::IssueCertificate(*management, {"bob", {"dev"}, {}, false, true})->cert_pem;
  EXPECT_EQ((*b)->Authenticate(root_admin, objects.lookup(), now)->name, "system:admin");
  EXPECT_EQ((*b)->Authenticate(root_user, objects.lookup(), now).status().code(), Code::kUnauthorized);

  EXPECT_EQ((*a)->Authenticate(WithBearer("abcdef.0123456789abcdef"), objects.lookup(), now)->name,
            "system:bootstrap:abcdef");
  http::Request nothing, basic, huge;
  basic.headers.push_back({"Authorization", "Basic YTpi"});
  huge.headers.push_back({"Authorization", "Bearer " + std::string(kMaxAuthorizationBytes, 'a')});
  for (const auto* r : {&nothing, &basic, &huge}) {
    EXPECT_EQ((*a)->Authenticate(*r, objects.lookup(), now).status().code(), Code::kUnauthorized);
  }
  http::Request garbage_cert;
  garbage_cert.peer_certificate_pem = cert_a.peer_certificate_pem.substr(0, 200);
  EXPECT_EQ((*a)->Authenticate(garbage_cert, objects.lookup(), now).status().code(),
            Code::kUnauthorized);
}

TEST(AuthenticatorCacheTest, LoadsOncePerClusterUntilForgotten) {
  auto ca = x509::CreateCertificateAuthority("a");
  int loads = 0;
  AuthenticatorCache cache([&](const std::string& cluster)
                               -> Result<std::shared_ptr<const ClusterAuthenticator>> {
    ++loads;
    if (cluster == "missing") return NotFound("no such cluster");
    return ClusterAuthenticator::Create({ca->cert_pem, {}, "https://" + cluster, {}}, nullptr);
  });
  ASSERT_TRUE(cache.Get("a").ok());
  ASSERT_TRUE(cache.Get("a").ok());
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(cache.Get("missing").status().code(), Code::kNotFound);
  cache.Forget("a");
  ASSERT_TRUE(cache.Get("a").ok());
  EXPECT_EQ(loads, 3);
}

}  // namespace
}  // namespace carrier::apiserver::authn

namespace carrier::apiserver::authn {
namespace {

// What kubectl 1.33 sends for `kubectl create token default --audience vault --duration 20m
// --bound-object-kind Pod --bound-object-name web`.
const std::string kKubectlTokenRequest(
    "k8s\0\x0a\x28\x0a\x18" "authentication.k8s.io/v1\x12\x0cTokenRequest\x12\x36\x0a\x10\x0a\x00"
    "\x12\x00\x1a\x00\x22\x00\x2a\x00\x32\x00\x38\x00\x42\x00\x12\x1c\x0a\x05vault\x1a\x10\x0a"
    "\x03Pod\x12\x02v1\x1a\x03web\x22\x00\x20\xb0\x09\x1a\x04\x0a\x00\x12\x00\x1a\x00\x22\x00",
    106);

TEST(TokenRequestProtobufTest, ReadsWhatKubectlSends) {
  EXPECT_TRUE(IsKubernetesProtobuf("application/vnd.kubernetes.protobuf"));
  EXPECT_TRUE(IsKubernetesProtobuf("application/vnd.kubernetes.protobuf; charset=x"));
  EXPECT_FALSE(IsKubernetesProtobuf("application/json"));
  auto request = DecodeProtobufTokenRequest(kKubectlTokenRequest);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(boost::json::serialize(*request),
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{)"
            R"("boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web","uid":""},)"
            R"("expirationSeconds":1200,"audiences":["vault"]}})");
  // Every truncation is malformed or a shorter valid message, never a crash.
  for (size_t n = 0; n < kKubectlTokenRequest.size(); ++n) {
    (void)DecodeProtobufTokenRequest(kKubectlTokenRequest.substr(0, n));
  }
  EXPECT_EQ(DecodeProtobufTokenRequest("{}").status().code(), Code::kBadRequest);
  EXPECT_EQ(DecodeProtobufTokenRequest(std::string("k8s\0\x0a\x7f", 6)).status().code(),
            Code::kBadRequest);
}

}  // namespace
}  // namespace carrier::apiserver::authn
