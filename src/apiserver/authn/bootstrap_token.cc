#include "apiserver/authn/bootstrap_token.h"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <ctime>

#include "base/base64.h"

namespace carrier::apiserver::authn {

namespace json = boost::json;

namespace {

constexpr std::string_view kSecretType = "bootstrap.kubernetes.io/token";
constexpr std::string_view kExtraGroupPrefix = "system:bootstrappers:";

Status Unauthorized() { return Status(Code::kUnauthorized, "invalid bootstrap token"); }

bool IsTokenChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A data field of the Secret: `data` (base64) first, then `stringData` (plain text).
std::optional<std::string> Field(const json::object& secret, std::string_view key) {
  if (auto* data = secret.if_contains("data"); data && data->is_object()) {
    if (auto* v = data->as_object().if_contains(key); v && v->is_string()) {
      return Base64Decode(v->get_string());
    }
  }
  if (auto* data = secret.if_contains("stringData"); data && data->is_object()) {
    if (auto* v = data->as_object().if_contains(key); v && v->is_string()) {
      return std::string(v->get_string());
    }
  }
  return std::nullopt;
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view s) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !ParseDigits(s, 0, 4, year) || s[4] != '-' || !ParseDigits(s, 5, 2, month) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !ParseDigits(s, 11, 2, hour) || s[13] != ':' || !ParseDigits(s, 14, 2, minute) ||
      s[16] != ':' || !ParseDigits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t digits = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == digits) return std::nullopt;
  }
  long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const int64_t t = static_cast<int64_t>(timegm(&tm)) - offset;
  return std::chrono::sys_seconds(std::chrono::seconds(t));
}

bool LooksLikeBootstrapToken(std::string_view token) {
  if (token.size() != 23 || token[6] != '.') return false;
  for (size_t i = 0; i < token.size(); ++i) {
    if (i != 6 && !IsTokenChar(token[i])) return false;
  }
  return true;
}

Result<UserInfo> AuthenticateBootstrapToken(std::string_view token, const ObjectLookup& lookup,
                                            std::chrono::system_clock::time_point now) {
  if (!LooksLikeBootstrapToken(token)) return Unauthorized();
  const std::string id(token.substr(0, 6));
  const std::string secret_part(token.substr(7));
  auto secret = lookup("secrets", "kube-system", "bootstrap-token-" + id);
  if (!secret) return Unauthorized();
  auto* type = secret->if_contains("type");
  if (type == nullptr || !type->is_string() || type->get_string() != kSecretType) {
    return Unauthorized();
  }
  if (auto* meta = secret->if_contains("metadata");
      meta && meta->is_object() && meta->as_object().if_contains("deletionTimestamp")) {
    return Unauthorized();
  }
  auto stored_id = Field(*secret, "token-id");
  auto stored_secret = Field(*secret, "token-secret");
  if (!stored_id || !stored_secret || *stored_id != id ||
      stored_secret->size() != secret_part.size() ||
      CRYPTO_memcmp(stored_secret->data(), secret_part.data(), secret_part.size()) != 0) {
    return Unauthorized();
  }
  auto usage = Field(*secret, "usage-bootstrap-authentication");
  if (!usage || *usage != "true") return Unauthorized();
  if (auto expiration = Field(*secret, "expiration")) {
    auto when = ParseRfc3339(*expiration);
    if (!when || std::chrono::floor<std::chrono::seconds>(now) >= *when) return Unauthorized();
  }
  UserInfo user;
  user.name = "system:bootstrap:" + id;
  user.groups = {"system:bootstrappers"};
  if (auto extra = Field(*secret, "auth-extra-groups")) {
    std::string_view rest = *extra;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view group = rest.substr(0, comma);
      while (!group.empty() && group.front() == ' ') group.remove_prefix(1);
      while (!group.empty() && group.back() == ' ') group.remove_suffix(1);
      if (!group.empty()) {
        // A malformed group list makes the whole token unusable, as in Kubernetes.
        if (group.substr(0, kExtraGroupPrefix.size()) != kExtraGroupPrefix) return Unauthorized();
        user.groups.emplace_back(group);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  user.groups.push_back("system:authenticated");
  return user;
}

}  // namespace carrier::apiserver::authn
