#pragma once
// Who may do what on the registry: htpasswd (bcrypt) users, the Docker token flow
// (WWW-Authenticate: Bearer realm=…,service=…,scope=…) with per-repository pull/push/delete
// rules, and optional anonymous read. The HTTP server asks Authorize() for every request and
// serves the token endpoint through IssueToken(); it knows nothing else about credentials.
// Both calls are thread-safe, take untrusted header values and never crash on them.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::registry::auth {

// One item of a Docker token scope: "repository:<name>:pull,push" or "registry:catalog:*".
struct Access {
  std::string type;                  // "repository" or "registry"
  std::string name;                  // repository name, or "catalog"
  std::vector<std::string> actions;  // "pull", "push", "delete", "*"

  std::string ToString() const;  // back to "<type>:<name>:<a>,<b>"
  bool operator==(const Access&) const = default;
};

// Parses a scope string (several scopes may be space-separated). Repository names must be
// valid; unknown actions are kept (and never granted).
Result<std::vector<Access>> ParseScope(std::string_view scope);

// A rule granting actions ("pull", "push", "delete" or "*" for all three) on repositories
// matching a glob to users. In the glob '*' matches any run of characters (including '/')
// and '?' one character; "openshift/*" covers every repository under openshift/. In users,
// "*" matches every authenticated user. The catalog (registry:catalog:*) is granted to users
// holding pull on the glob "*".
struct AccessRule {
  std::string repository_glob;
  std::vector<std::string> users;
  std::vector<std::string> actions;
};

struct AuthConfig {
  std::string htpasswd_path;    // empty: no authentication at all (everyone may do all)
  bool anonymous_read = false;  // pull without credentials
  bool token_auth = false;      // challenge with Bearer and serve tokens; else Basic
  std::string token_realm;      // absolute URL of the token endpoint, e.g. https://h:5000/token
  std::string service;          // the service name in challenges and tokens
  std::string token_key_path;   // PEM private key (EC P-256 → ES256, RSA → RS256) signing
                                // tokens; an EC P-256 key is created (mode 0600) if missing
  int token_ttl_seconds = 300;
  std::vector<AccessRule> rules;  // empty: every authenticated user may do everything
  // Time source for token issue and expiry; empty means the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct AuthDecision {
  bool allowed = false;
  std::string user;        // authenticated user ("" when anonymous)
  int http_status = 401;   // 401 (no or bad credentials) or 403 (not permitted)
  std::string error_code;  // "UNAUTHORIZED" or "DENIED" (OCI error codes)
  std::string message;
  std::string www_authenticate;  // the challenge header value when http_status is 401
};

struct TokenResponse {
  int http_status = 200;
  std::string body;              // 200: {"token":…,"access_token":…,"expires_in":…,
                                 // "issued_at":…}; otherwise an OCI error body
  std::string www_authenticate;  // Basic challenge when http_status is 401
};

class RegistryAuth {
 public:
  // Loads the htpasswd file (only bcrypt hashes: $2y$, $2b$, $2a$) and, with token_auth,
  // the signing key. kInvalidArgument for a bad configuration or file.
  static Result<std::unique_ptr<RegistryAuth>> Create(const AuthConfig& config);
  virtual ~RegistryAuth() = default;

  // Decides a request needing `needed` access (empty for the base endpoint /v2/, which any
  // authenticated user may reach). `authorization` is the raw Authorization header value
  // ("" when absent). Basic credentials are accepted in both modes; an all-empty Basic
  // credential counts as anonymous. With a Bearer token lacking the needed access the answer
  // is 401 with error="insufficient_scope" so that clients fetch a wider token; an
  // authenticated Basic user lacking it gets 403 DENIED. The htpasswd file is re-read when it
  // changes on disk.
  virtual AuthDecision Authorize(std::string_view authorization,
                                 const std::vector<Access>& needed) = 0;

  // The token endpoint (GET /token?service=…&scope=…): authenticates the Basic credentials
  // (or anonymous, when anonymous_read) and grants the subset of the requested scopes the
  // rules allow. `scopes` are the raw values of the scope parameters.
  virtual TokenResponse IssueToken(std::string_view authorization, std::string_view service,
                                   const std::vector<std::string>& scopes) = 0;
};

}  // namespace carrier::registry::auth
