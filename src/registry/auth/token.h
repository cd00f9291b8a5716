#pragma once
// JSON Web Tokens (RFC 7519) signed with ES256 (EC P-256) or RS256 (RSA ≥ 2048 bits), the
// algorithm following the key. Verification accepts only the key's own algorithm, so
// "none", HMAC or a swapped algorithm never pass.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace carrier::registry::auth {

class TokenSigner {
 public:
  // Reads a PEM private key; when the file does not exist, creates an EC P-256 key there
  // (mode 0600). kInvalidArgument for an unreadable, unsupported or too weak key.
  static Result<std::unique_ptr<TokenSigner>> LoadOrCreate(const std::filesystem::path& path);
  ~TokenSigner();

  std::string_view algorithm() const { return algorithm_; }  // "ES256" or "RS256"
  std::string_view key_id() const { return key_id_; }

  // header.payload.signature for the JSON object text `claims`.
  Result<std::string> Sign(std::string_view claims) const;
  // The claims JSON text of a token whose header names this key's algorithm and whose
  // signature verifies; kUnauthorized otherwise. Claims are not interpreted here.
  Result<std::string> Verify(std::string_view token) const;

 private:
  TokenSigner(evp_pkey_st* key, std::string algorithm, std::string key_id);
  evp_pkey_st* key_;
  std::string algorithm_;
  std::string key_id_;
};

}  // namespace carrier::registry::auth
