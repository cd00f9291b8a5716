#pragma once
// JSON Web Tokens (RFC 7519) in compact JWS serialization (RFC 7515), signed with RS256
// (RSASSA-PKCS1-v1_5 over SHA-256) or ES256 (ECDSA P-256 over SHA-256, signature r||s as
// RFC 7518 §3.4 defines). Any other algorithm, "none" included, is refused. Parsing checks
// structure only; claims are the caller's to judge after the signature verifies.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::apiserver::authn {

// Tokens longer than this are refused before any decoding.
inline constexpr size_t kMaxJwtBytes = 16 * 1024;

struct Jwt {
  std::string algorithm;  // the header's "alg"
  std::string key_id;     // the header's "kid" ("" when absent)
  boost::json::object claims;
  std::string signing_input;  // "<header>.<payload>" exactly as received
  std::string signature;      // the decoded signature bytes
};

// kUnauthorized for anything that is not three base64url parts with JSON object header and
// payload, or whose algorithm is not RS256/ES256.
Result<Jwt> ParseJwt(std::string_view token);

// True when `token` has the shape of a JWS (two dots, base64url characters only).
bool LooksLikeJwt(std::string_view token);

// kUnauthorized unless the signature verifies with `public_key_pem` (a PEM public key of the
// algorithm's type).
Status VerifyJwtSignature(const Jwt& jwt, const std::string& public_key_pem);

// Signs `claims` with a PEM private key: ES256 for an EC P-256 key, RS256 for an RSA key.
Result<std::string> SignJwt(const boost::json::object& claims, const std::string& private_key_pem,
                            const std::string& key_id);

// A new EC P-256 private key (PEM) for ES256 signing.
Result<std::string> GenerateSigningKey();
// The PEM public key of a PEM private key.
Result<std::string> PublicKeyPem(const std::string& private_key_pem);
// A stable key id: base64url(SHA-256(DER SubjectPublicKeyInfo)).
Result<std::string> KeyIdOf(const std::string& public_key_pem);

}  // namespace carrier::apiserver::authn
