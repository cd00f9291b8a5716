#pragma once
// Who may do what on the registry: htpasswd (bcrypt) users, the Docker token flow
// (WWW-Authenticate: Bearer realm=…,service=…,scope=…) with per-repository pull/push rules,
// and optional anonymous read. The HTTP server asks Authorize() for every request and serves
// the token endpoint through IssueToken(); it knows nothing else about credentials.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::registry::auth {

// One item of a Docker token scope: "repository:<name>:pull,push" or "registry:catalog:*".
struct Access {
  std::string type;  // "repository" or "registry"
  std::string name;  // repository name, or "catalog"
  std::vector<std::string> actions;  // "pull", "push", "delete", "*"
};

// Parses a scope string (several scopes may be space-separated).
Result<std::vector<Access>> ParseScope(std::string_view scope);

// A rule granting actions on repositories matching a glob (e.g. "openshift/*") to users or
// groups; "*" matches every user.
struct AccessRule {
  std::string repository_glob;
  std::vector<std::string> users;
  std::vector<std::string> actions;
};

struct AuthConfig {
  std::string htpasswd_path;      // empty: no authentication at all (everyone may do all)
  bool anonymous_read = false;    // pull without credentials
  bool token_auth = false;        // challenge with Bearer and serve tokens; else Basic
  std::string token_realm;        // absolute URL of the token endpoint, e.g. https://h:5000/token
  std::string service;            // the service name in challenges and tokens
  std::string token_key_path;     // PEM private key signing tokens (created if missing)
  int token_ttl_seconds = 300;
  std::vector<AccessRule> rules;  // empty: every authenticated user may do everything
};

struct AuthDecision {
  bool allowed = false;
  std::string user;              // authenticated user ("" when anonymous)
  int http_status = 401;         // 401 (no or bad credentials) or 403 (not permitted)
  std::string error_code;        // "UNAUTHORIZED" or "DENIED" (OCI error codes)
  std::string message;
  std::string www_authenticate;  // the challenge header value when http_status is 401
};

struct TokenResponse {
  int http_status = 200;
  std::string body;  // JSON: {"token":…,"access_token":…,"expires_in":…,"issued_at":…}
};

class RegistryAuth {
 public:
  static Result<std::unique_ptr<RegistryAuth>> Create(const AuthConfig& config);
  virtual ~RegistryAuth() = default;

  // Decides a request needing `needed` access. `authorization` is the raw Authorization
  // header value ("" when absent).
  virtual AuthDecision Authorize(std::string_view authorization,
                                 const std::vector<Access>& needed) = 0;

  // The token endpoint (GET /token?service=…&scope=…): authenticates the Basic credentials
  // (or anonymous) and grants the subset of the requested scopes the rules allow.
  virtual TokenResponse IssueToken(std::string_view authorization, std::string_view service,
                                   const std::vector<std::string>& scopes) = 0;
};

}  // namespace carrier::registry::auth
