#include "api/continue_token.h"

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kVersion = "meta.k8s.io/v1";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

Status Invalid(std::string_view why) {
  std::string msg = "continue key is not valid";
  if (!why.empty()) {
    msg += ": ";
    msg += why;
  }
  return Status(Code::kBadRequest, std::move(msg));
}

// A relative start key must be a clean path: no empty, "." or ".." segments, so a client
// cannot walk out of the listed prefix.
bool IsCleanRelativePath(std::string_view key) {
  if (key.empty() || key.front() == '/') return false;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t slash = key.find('/', start);
    std::string_view seg = key.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::string Base64RawUrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) | static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> Base64RawUrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return Invalid("illegal base64 data: bad length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int v = DecodeChar(text[i]);
    if (v < 0) return Invalid("illegal base64 data at input byte " + std::to_string(i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero (canonical encoding, as Go's strict decoder requires).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return Invalid("illegal base64 data: non-zero padding bits");
  return out;
}

std::string EncodeContinueToken(int64_t revision, std::string_view start_key,
                                std::string_view key_prefix) {
  if (start_key.substr(0, key_prefix.size()) == key_prefix) start_key.remove_prefix(key_prefix.size());
  json::object token;
  token["v"] = kVersion;
  token["rv"] = revision;
  token["start"] = start_key;
  return Base64RawUrlEncode(json::serialize(token));
}

Result<ContinueToken> DecodeContinueToken(std::string_view text, std::string_view key_prefix) {
  Result<std::string> raw = Base64RawUrlDecode(text);
  if (!raw.ok()) return raw.status();
  boost::system::error_code ec;
  json::value v = json::parse(*raw, ec);
  if (ec) return Invalid(ec.message());
  const json::object* obj = v.if_object();
  if (obj == nullptr) return Invalid("not a JSON object");
  const json::value* version = obj->if_contains("v");
  if (version == nullptr || !version->is_string() || version->get_string() != kVersion)
    return Invalid("server does not recognize this encoded version");
  const json::value* rv = obj->if_contains("rv");
  if (rv == nullptr || !rv->is_int64() || rv->get_int64() <= 0)
    return Invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  const json::value* start = obj->if_contains("start");
  if (start == nullptr || !start->is_string() || start->get_string().empty())
    return Invalid("encoded start key empty (version meta.k8s.io/v1)");
  std::string_view relative = start->get_string();
  if (!IsCleanRelativePath(relative)) return Invalid(std::string(relative));
  return ContinueToken{rv->get_int64(), std::string(key_prefix) + std::string(relative)};
}

}  // namespace carrier::api
