#pragma once
// Base64 (RFC 4648 §4, for Basic credentials) and base64url without padding (§5, for JWTs).
// Decoders are strict: bad characters, bad padding or non-zero trailing bits are errors.

#include <optional>
#include <string>
#include <string_view>

namespace carrier::registry::auth {

std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace carrier::registry::auth
