#include "registry/auth/registry_auth.h"

#include <openssl/rand.h>

#include <boost/json.hpp>
#include <ctime>

#include "registry/auth/access.h"
#include "registry/auth/encoding.h"
#include "registry/auth/htpasswd.h"
#include "registry/auth/token.h"

namespace carrier::registry::auth {
namespace {

constexpr std::string_view kIssuer = "carrier-registry";
constexpr std::string_view kDefaultRealm = "carrier-registry";
constexpr size_t kMaxHeaderLength = 16 << 10;
constexpr int kMaxTokenTtlSeconds = 24 * 3600;

// The parsed Authorization header.
struct Credentials {
  enum Kind { kAnonymous, kBasic, kBearer, kMalformed } kind = kAnonymous;
  std::string user;
  std::string password;
  std::string token;
  std::string problem;  // why kMalformed
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Credentials ParseAuthorization(std::string_view header) {
  Credentials c;
  header = Trim(header);
  if (header.empty()) return c;
  c.kind = Credentials::kMalformed;
  if (header.size() > kMaxHeaderLength) {
    c.problem = "Authorization header is too long";
    return c;
  }
  size_t space = header.find(' ');
  std::string_view scheme = header.substr(0, space);
  std::string_view value = space == std::string_view::npos ? "" : Trim(header.substr(space + 1));
  if (EqualsIgnoreCase(scheme, "Basic")) {
    auto decoded = Base64Decode(value);
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      c.problem = "Basic credentials are not base64 of <user>:<password>";
      return c;
    }
    c.user = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
    // Clients without credentials answer a Basic challenge with an empty user and password.
    c.kind = c.user.empty() && c.password.empty() ? Credentials::kAnonymous : Credentials::kBasic;
    return c;
  }
  if (EqualsIgnoreCase(scheme, "Bearer")) {
    if (value.empty()) {
      c.problem = "Bearer credentials carry no token";
      return c;
    }
    c.kind = Credentials::kBearer;
    c.token = std::string(value);
    return c;
  }
  c.problem = "Authorization scheme is neither Basic nor Bearer";
  return c;
}

// A quoted-string for a challenge parameter (RFC 9110 §5.6.4).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  boost::json::object error{{"code", code}, {"message", message}};
  return boost::json::serialize(boost::json::object{{"errors", boost::json::array{error}}});
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string Rfc3339(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string RandomId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::optional<int64_t> AsInt(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  return std::nullopt;
}

// The verified claims the registry relies on.
struct Claims {
  std::string subject;
  std::vector<Access> access;
};

Result<Claims> CheckClaims(std::string_view text, std::string_view service, int64_t now) {
  auto unauthorized = [](std::string m) { return Status(Code::kUnauthorized, std::move(m)); };
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return unauthorized("token claims are not a JSON object");
  const boost::json::object& claims = value.as_object();

  const boost::json::value* iss = claims.if_contains("iss");
  if (iss == nullptr || !iss->is_string() || iss->as_string() != kIssuer) {
    return unauthorized("token was not issued by this registry");
  }
  const boost::json::value* aud = claims.if_contains("aud");
  bool audience_ok = false;
  if (aud != nullptr && aud->is_string()) {
    audience_ok = aud->as_string() == service;
  } else if (aud != nullptr && aud->is_array()) {
    for (const auto& a : aud->as_array()) audience_ok |= a.is_string() && a.as_string() == service;
  }
  if (!audience_ok) return unauthorized("token is not meant for service " + std::string(service));
  auto exp = AsInt(claims.if_contains("exp"));
  if (!exp || *exp <= now) return unauthorized("token has expired");
  auto nbf = AsInt(claims.if_contains("nbf"));
  if (!nbf || *nbf > now) return unauthorized("token is not valid yet");

  Claims out;
  if (const auto* sub = claims.if_contains("sub"); sub != nullptr && sub->is_string()) {
    out.subject = std::string(sub->as_string());
  }
  const boost::json::value* access = claims.if_contains("access");
  if (access == nullptr || !access->is_array()) return unauthorized("token has no access claim");
  for (const auto& item : access->as_array()) {
    const boost::json::object* obj = item.if_object();
    const boost::json::value* type = obj ? obj->if_contains("type") : nullptr;
    const boost::json::value* name = obj ? obj->if_contains("name") : nullptr;
    const boost::json::value* actions = obj ? obj->if_contains("actions") : nullptr;
    if (type == nullptr || !type->is_string() || name == nullptr || !name->is_string() ||
        actions == nullptr || !actions->is_array()) {
      return unauthorized("token has a malformed access claim");
    }
    Access a{std::string(type->as_string()), std::string(name->as_string()), {}};
    for (const auto& action : actions->as_array()) {
      if (!action.is_string()) return unauthorized("token has a malformed access claim");
      a.actions.emplace_back(action.as_string());
    }
    out.access.push_back(std::move(a));
  }
  return out;
}

Status ValidateConfig(const AuthConfig& config) {
  if (config.htpasswd_path.empty()) {
    if (config.token_auth) return InvalidArgument("token authentication needs an htpasswd file");
    return Status::Ok();
  }
  if (config.token_auth) {
    if (!config.token_realm.starts_with("https://") && !config.token_realm.starts_with("http://")) {
      return InvalidArgument("token realm must be an absolute http(s) URL, not \"" +
                             config.token_realm + "\"");
    }
    if (config.service.empty()) return InvalidArgument("token authentication needs a service name");
    if (config.token_key_path.empty()) {
      return InvalidArgument("token authentication needs a signing key path");
    }
    if (config.token_ttl_seconds < 1 || config.token_ttl_seconds > kMaxTokenTtlSeconds) {
      return InvalidArgument("token lifetime must be between 1 second and 24 hours");
    }
  }
  for (const AccessRule& rule : config.rules) {
    if (rule.repository_glob.empty()) return InvalidArgument("access rule has an empty glob");
    if (rule.users.empty()) {
      return InvalidArgument("access rule for \"" + rule.repository_glob + "\" names no users");
    }
    if (rule.actions.empty()) {
      return InvalidArgument("access rule for \"" + rule.repository_glob + "\" grants nothing");
    }
    for (const std::string& action : rule.actions) {
      if (action != "pull" && action != "push" && action != "delete" && action != "*") {
        return InvalidArgument("access rule for \"" + rule.repository_glob +
                               "\" has unknown action \"" + action +
                               "\" (pull, push, delete or *)");
      }
    }
  }
  return Status::Ok();
}

class RegistryAuthImpl final : public RegistryAuth {
 public:
  RegistryAuthImpl(AuthConfig config, std::unique_ptr<Htpasswd> htpasswd,
                   std::unique_ptr<TokenSigner> signer)
      : config_(std::move(config)),
        htpasswd_(std::move(htpasswd)),
        signer_(std::move(signer)),
        permissions_(config_.rules, config_.anonymous_read) {}

  AuthDecision Authorize(std::string_view authorization,
                         const std::vector<Access>& needed) override {
    if (!htpasswd_) return Allowed("");
    Credentials c = ParseAuthorization(authorization);
    switch (c.kind) {
      case Credentials::kMalformed:
        return Challenge(needed, c.problem, "invalid_request");
      case Credentials::kBasic:
        if (!htpasswd_->Verify(c.user, c.password)) {
          return Challenge(needed, "invalid username or password", "");
        }
        if (!permissions_.Covers(c.user, needed)) return Denied(c.user, needed);
        return Allowed(c.user);
      case Credentials::kBearer:
        return AuthorizeBearer(c.token, needed);
      case Credentials::kAnonymous:
        break;
    }
    if (!needed.empty() && permissions_.Covers("", needed)) return Allowed("");
    return Challenge(needed, "authentication required", "");
  }

  TokenResponse IssueToken(std::string_view authorization, std::string_view service,
                           const std::vector<std::string>& scopes) override {
    if (!signer_) return {404, ErrorBody("UNSUPPORTED", "this registry does not issue tokens"), ""};
    if (!service.empty() && service != config_.service) {
      return {
          400,
          ErrorBody("DENIED", "unknown service \"" + std::string(service.substr(0, 200)) + "\""),
          ""};
    }
    Credentials c = ParseAuthorization(authorization);
    std::string user;
    if (c.kind == Credentials::kBasic) {
      if (!htpasswd_->Verify(c.user, c.password)) {
        return {401, ErrorBody("UNAUTHORIZED", "invalid username or password"), BasicChallenge()};
      }
      user = c.user;
    } else if (c.kind == Credentials::kAnonymous && config_.anonymous_read) {
      user = "";
    } else {
      std::string why = c.kind == Credentials::kMalformed ? c.problem
                        : c.kind == Credentials::kBearer
                            ? "the token endpoint takes Basic credentials"
                            : "authentication required";
      return {401, ErrorBody("UNAUTHORIZED", why), BasicChallenge()};
    }

    boost::json::array access;
    for (const std::string& scope : scopes) {
      Result<std::vector<Access>> parsed = ParseScope(scope);
      if (!parsed.ok()) return {400, ErrorBody("DENIED", parsed.status().message()), ""};
      for (const Access& requested : *parsed) {
        std::vector<std::string> granted = permissions_.Grant(user, requested);
        if (granted.empty()) continue;
        boost::json::array actions;
        for (const std::string& a : granted) actions.emplace_back(a);
        access.push_back(boost::json::object{
            {"type", requested.type}, {"name", requested.name}, {"actions", std::move(actions)}});
      }
    }
    const int64_t now = Now();
    boost::json::object claims{{"iss", kIssuer},
                               {"sub", user},
                               {"aud", config_.service},
                               {"exp", now + config_.token_ttl_seconds},
                               {"nbf", now},
                               {"iat", now},
                               {"jti", RandomId()},
                               {"access", std::move(access)}};
    Result<std::string> token = signer_->Sign(boost::json::serialize(claims));
    if (!token.ok()) return {500, ErrorBody("UNKNOWN", token.status().message()), ""};
    boost::json::object body{{"token", *token},
                             {"access_token", *token},
                             {"expires_in", config_.token_ttl_seconds},
                             {"issued_at", Rfc3339(now)}};
    return {200, boost::json::serialize(body), ""};
  }

 private:
  int64_t Now() const {
    return UnixSeconds(config_.clock ? config_.clock() : std::chrono::system_clock::now());
  }

  AuthDecision AuthorizeBearer(const std::string& token, const std::vector<Access>& needed) {
    if (!signer_) return Challenge(needed, "this registry takes Basic credentials", "");
    Result<std::string> text = signer_->Verify(token);
    if (!text.ok()) return Challenge(needed, text.status().message(), "invalid_token");
    Result<Claims> claims = CheckClaims(*text, config_.service, Now());
    if (!claims.ok()) return Challenge(needed, claims.status().message(), "invalid_token");
    if (!GrantedCovers(claims->access, needed)) {
      return Challenge(needed, "token does not grant the access this request needs",
                       "insufficient_scope");
    }
    return Allowed(claims->subject);
  }

  static AuthDecision Allowed(std::string user) {
    AuthDecision d;
    d.allowed = true;
    d.user = std::move(user);
    d.http_status = 200;
    return d;
  }

  static AuthDecision Denied(const std::string& user, const std::vector<Access>& needed) {
    AuthDecision d;
    d.user = user;
    d.http_status = 403;
    d.error_code = "DENIED";
    d.message = "user \"" + user + "\" may not";
    for (const Access& a : needed) d.message += " " + a.ToString();
    return d;
  }

  std::string BasicChallenge() const {
    return "Basic realm=" + Quote(config_.service.empty() ? kDefaultRealm : config_.service);
  }

  AuthDecision Challenge(const std::vector<Access>& needed, std::string message,
                         std::string_view error) const {
    AuthDecision d;
    d.http_status = 401;
    d.error_code = "UNAUTHORIZED";
    d.message = std::move(message);
    if (!config_.token_auth) {
      d.www_authenticate = BasicChallenge();
      return d;
    }
    d.www_authenticate =
        "Bearer realm=" + Quote(config_.token_realm) + ",service=" + Quote(config_.service);
    if (!needed.empty()) {
      std::string scope;
      for (const Access& a : needed) scope += (scope.empty() ? "" : " ") + a.ToString();
      d.www_authenticate += ",scope=" + Quote(scope);
    }
    if (!error.empty()) d.www_authenticate += ",error=" + Quote(error);
    return d;
  }

  AuthConfig config_;
  std::unique_ptr<Htpasswd> htpasswd_;
  std::unique_ptr<TokenSigner> signer_;
  Permissions permissions_;
};

}  // namespace

Result<std::unique_ptr<RegistryAuth>> RegistryAuth::Create(const AuthConfig& config) {
  CARRIER_RETURN_IF_ERROR(ValidateConfig(config));
  std::unique_ptr<Htpasswd> htpasswd;
  std::unique_ptr<TokenSigner> signer;
  if (!config.htpasswd_path.empty()) {
    Result<std::unique_ptr<Htpasswd>> loaded = Htpasswd::Load(config.htpasswd_path);
    if (!loaded.ok()) return loaded.status();
    htpasswd = std::move(loaded).value();
    if (config.token_auth) {
      Result<std::unique_ptr<TokenSigner>> key = TokenSigner::LoadOrCreate(config.token_key_path);
      if (!key.ok()) return key.status();
      signer = std::move(key).value();
    }
  }
  return std::unique_ptr<RegistryAuth>(
      new RegistryAuthImpl(config, std::move(htpasswd), std::move(signer)));
}

}  // namespace carrier::registry::auth
