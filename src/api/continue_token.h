#pragma once
// List continue tokens, encoded as Kubernetes encodes them: unpadded URL-safe base64 of
// {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key>"}, where `start` is the next key to
// read relative to the listed prefix. Decoding rejects anything malformed (bad base64, bad
// JSON, another version, revision ≤ 0, empty key, a key that is not a clean path — no
// "..", "." or empty segments) with a 400 BadRequest "continue key is not valid: …".
// Whether the revision was compacted (410 Expired) is the caller's decision.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::api {

struct ContinueToken {
  int64_t revision;
  std::string start_key;  // full store key: key_prefix + relative start
};

// `start_key` must begin with `key_prefix`; the token carries the rest.
std::string EncodeContinueToken(int64_t revision, std::string_view start_key,
                                std::string_view key_prefix);

Result<ContinueToken> DecodeContinueToken(std::string_view token, std::string_view key_prefix);

// Unpadded URL-safe base64 (RFC 4648 §5), as Go's base64.RawURLEncoding.
std::string Base64RawUrlEncode(std::string_view data);
Result<std::string> Base64RawUrlDecode(std::string_view text);

}  // namespace carrier::api
