// libFuzzer target: the bearer-token parsers. The input is tried as a compact JWS (parse,
// verify against a fixed key: nothing forged may verify), as a bootstrap token and an RFC 3339
// time, and as the claims of a token signed with the fixed key, which then goes through
// every service-account claim check; and as a protobuf TokenRequest body. None of it may
// crash; what parses stays consistent.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/authn/jwt.h"
#include "apiserver/authn/service_account_token.h"
#include "apiserver/authn/token_request_protobuf.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

struct Keys {
  std::string private_pem;
  std::string public_pem;
};

const Keys& FixedKeys() {
  static const Keys keys = [] {
    Keys k;
    k.private_pem = *carrier::apiserver::authn::GenerateSigningKey();
    k.public_pem = *carrier::apiserver::authn::PublicKeyPem(k.private_pem);
    return k;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::apiserver::authn;
  namespace json = boost::json;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const Keys& keys = FixedKeys();
  const auto now = std::chrono::system_clock::now();

  auto jwt = ParseJwt(text);
  if (jwt.ok()) {
    Require(LooksLikeJwt(text));
    Require(jwt->algorithm == "RS256" || jwt->algorithm == "ES256");
    Require(jwt->signing_input.size() < text.size());
    // Arbitrary input does not carry a valid signature by the fixed key.
    Require(!VerifyJwtSignature(*jwt, keys.public_pem).ok());
  } else {
    Require(jwt.status().code() == carrier::Code::kUnauthorized);
  }

  ObjectLookup lookup = [](std::string_view, std::string_view ns, std::string_view name)
      -> std::optional<json::object> {
    return json::object{{"type", "bootstrap.kubernetes.io/token"},
                        {"metadata", json::object{{"name", name}, {"namespace", ns}, {"uid", "u"}}},
                        {"stringData", json::object{{"token-id", "abcdef"},
                                                    {"token-secret", "0123456789abcdef"},
                                                    {"usage-bootstrap-authentication", "true"}}}};
  };
  auto bootstrap = AuthenticateBootstrapToken(text, lookup, now);
  if (bootstrap.ok()) Require(text == "abcdef.0123456789abcdef");
  (void)ParseRfc3339(text);
  auto request = DecodeProtobufTokenRequest(text);
  if (request.ok()) Require(text.substr(0, 4) == std::string_view("k8s\0", 4));
  (void)DecodeProtobufTypeMeta(text);

  ServiceAccountVerifier verifier{"https://issuer", {keys.public_pem}, {}};
  auto sa = AuthenticateServiceAccountToken(text, verifier, lookup, now);
  Require(!sa.ok());
  if (size <= 4096) {
    auto claims = carrier::api::DecodeJson(text);
    if (claims.ok() && claims->is_object()) {
      auto token = SignJwt(claims->as_object(), keys.private_pem, "");
      Require(token.ok());
      auto reparsed = ParseJwt(*token);
      // Claims that survive a JSON round trip (not 1e310, which decodes to infinity) come
      // back unchanged.
      auto again = carrier::api::DecodeJson(json::serialize(*claims));
      if (again.ok() && *again == *claims) {
        Require(reparsed.ok() && reparsed->claims == claims->as_object());
      }
      auto result = AuthenticateServiceAccountToken(*token, verifier, lookup, now);
      if (result.ok()) Require(result->user.name.rfind("system:serviceaccount:", 0) == 0);
    }
  }
  return 0;
}
