#pragma once
// Base64 (RFC 4648 §4, padded) and base64url without padding (§5, as Go's
// base64.RawURLEncoding: JWTs, continue tokens). Decoders are strict: a character outside
// the alphabet, bad padding or non-zero trailing bits is an error (nullopt).

#include <optional>
#include <string>
#include <string_view>

namespace carrier {

std::string Base64Encode(std::string_view data);
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64RawUrlEncode(std::string_view data);
std::optional<std::string> Base64RawUrlDecode(std::string_view text);

}  // namespace carrier
