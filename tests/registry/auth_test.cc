#include "registry/auth/registry_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "registry/auth/access.h"
#include "registry/auth/encoding.h"
#include "registry/auth/htpasswd.h"

namespace carrier::registry::auth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Basic(std::string_view user, std::string_view password) {
  // Standard base64 from the url alphabet, padded.
  std::string s = Base64UrlEncode(std::string(user) + ":" + std::string(password));
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4 != 0) s.push_back('=');
  return "Basic " + s;
}

Access Repo(std::string name, std::vector<std::string> actions) {
  return Access{"repository", std::move(name), std::move(actions)};
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/carrier-auth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    htpasswd_ = dir_ / "htpasswd";
    // The real tool, exactly as the documented mirror registry runs it: htpasswd -bBc.
    Run("htpasswd -bBc -C 5 " + htpasswd_.string() + " alice alice-secret");
    Run("htpasswd -bB -C 5 " + htpasswd_.string() + " bob 'bob pass:with colon'");
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void Run(const std::string& command) {
    ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
  }

  AuthConfig BasicConfig() {
    AuthConfig config;
    config.htpasswd_path = htpasswd_.string();
    return config;
  }

  AuthConfig TokenConfig() {
    AuthConfig config = BasicConfig();
    config.token_auth = true;
    config.token_realm = "https://127.0.0.1:5000/token";
    config.service = "carrier-test";
    config.token_key_path = (dir_ / "token.key").string();
    config.clock = [this] { return now_; };
    return config;
  }

  std::unique_ptr<RegistryAuth> Make(const AuthConfig& config) {
    auto auth = RegistryAuth::Create(config);
    EXPECT_TRUE(auth.ok()) << auth.status().ToString();
    return auth.ok() ? std::move(auth).value() : nullptr;
  }

  // Issues a token and returns it ("" on failure, with the response in last_).
  std::string Token(RegistryAuth& auth, std::string_view authorization,
                    std::vector<std::string> scopes) {
    last_ = auth.IssueToken(authorization, "carrier-test", scopes);
    if (last_.http_status != 200) return "";
    boost::json::object body = boost::json::parse(last_.body).as_object();
    EXPECT_EQ(body.at("token"), body.at("access_token"));
    return std::string(body.at("token").as_string());
  }

  // The access claim of a token (decoded without verification, to see what was granted).
  static boost::json::array GrantedAccess(const std::string& token) {
    size_t a = token.find('.'), b = token.find('.', a + 1);
    auto claims = Base64UrlDecode(token.substr(a + 1, b - a - 1));
    return boost::json::parse(*claims).as_object().at("access").as_array();
  }

  fs::path dir_;
  fs::path htpasswd_;
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  TokenResponse last_;
};

TEST(Encoding, Base64IsStrict) {
  EXPECT_EQ(Base64Decode("YWxpY2U6c2VjcmV0"), "alice:secret");
  EXPECT_EQ(Base64Decode("YQ=="), "a");
  EXPECT_EQ(Base64Decode("YWI="), "ab");
  EXPECT_EQ(Base64Decode(""), "");
  for (const char* bad : {"YQ", "YQ=", "Y===", "====", "YR==", "YW I=", "YWJj\n", "Y*==", "=YQ="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("-_9").has_value());  // non-zero trailing bits
  EXPECT_FALSE(Base64UrlDecode("+/8").has_value());
  EXPECT_FALSE(Base64UrlDecode("a").has_value());
}

TEST(Scope, ParsesDockerScopes) {
  auto scopes = ParseScope("repository:openshift/release:pull,push registry:catalog:*");
  ASSERT_TRUE(scopes.ok()) << scopes.status().ToString();
  ASSERT_EQ(scopes->size(), 2u);
  EXPECT_EQ((*scopes)[0], Repo("openshift/release", {"pull", "push"}));
  EXPECT_EQ((*scopes)[1], (Access{"registry", "catalog", {"*"}}));
  EXPECT_EQ((*scopes)[0].ToString(), "repository:openshift/release:pull,push");

  auto plugin = ParseScope("repository(plugin):a/b:pull,pull");
  ASSERT_TRUE(plugin.ok());
  EXPECT_EQ((*plugin)[0].actions, std::vector<std::string>{"pull"});
  EXPECT_TRUE(ParseScope("").ok());
}

TEST(Scope, RejectsMalformed) {
  for (const char* bad :
       {"repository", "repository:a", "repository:A:pull", "repository:a/../b:pull",
        "repository::pull", "Repository:a:pull", "repository:a:", "repository:a:pull,",
        "repository:a:pu ll", "repository(:a:pull", "registry::*", "repository:a:pull,PUSH"}) {
    auto s = ParseScope(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  EXPECT_FALSE(ParseScope(std::string(9000, 'a')).ok());
}

TEST(Glob, Matches) {
  EXPECT_TRUE(GlobMatches("*", "a/b/c"));
  EXPECT_TRUE(GlobMatches("openshift/*", "openshift/release"));
  EXPECT_TRUE(GlobMatches("openshift/*", "openshift/release/x"));
  EXPECT_FALSE(GlobMatches("openshift/*", "openshift"));
  EXPECT_FALSE(GlobMatches("openshift/*", "other/openshift/x"));
  EXPECT_TRUE(GlobMatches("*/busybox", "library/busybox"));
  EXPECT_TRUE(GlobMatches("a?c", "abc"));
  EXPECT_FALSE(GlobMatches("a?c", "ac"));
  EXPECT_TRUE(GlobMatches("exact", "exact"));
  EXPECT_FALSE(GlobMatches("exact", "exactly"));
  EXPECT_TRUE(GlobMatches("a*b*c", "aXXbYYbc"));
  EXPECT_FALSE(GlobMatches("a*b*c", "aXXbYYb"));
  // Pathological patterns stay fast (no exponential backtracking).
  EXPECT_FALSE(GlobMatches("*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST_F(AuthTest, HtpasswdVerifiesBcryptFromTheHtpasswdTool) {
  auto file = Htpasswd::Load(htpasswd_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE((*file)->Verify("alice", "alice-secret"));
  EXPECT_TRUE((*file)->Verify("alice", "alice-secret"));  // the cached path
  EXPECT_TRUE((*file)->Verify("bob", "bob pass:with colon"));
  EXPECT_FALSE((*file)->Verify("alice", "alice-secreT"));
  EXPECT_FALSE((*file)->Verify("alice", ""));
  EXPECT_FALSE((*file)->Verify("alice", std::string("alice-secret\0x", 14)));
  EXPECT_FALSE((*file)->Verify("carol", "alice-secret"));
  EXPECT_FALSE((*file)->Verify("", ""));
}

TEST_F(AuthTest, HtpasswdAcceptsTheBcryptVariantPrefixes) {
  std::ifstream in(htpasswd_);
  std::string line;
  std::getline(in, line);
  std::string hash = line.substr(line.find(':') + 1);
  ASSERT_TRUE(hash.starts_with("$2y$05$"));
  EXPECT_TRUE(BcryptMatches("alice-secret", hash));
  EXPECT_TRUE(BcryptMatches("alice-secret", "$2b$" + hash.substr(4)));
  EXPECT_FALSE(BcryptMatches("alice-secret", "$2b$" + hash.substr(4, 50)));
  EXPECT_FALSE(BcryptMatches("alice-secret", "$1$abc$" + hash.substr(7)));
}

TEST_F(AuthTest, HtpasswdRejectsOtherHashesAndBadLines) {
  fs::path md5 = dir_ / "md5";
  Run("htpasswd -bmc " + md5.string() + " carol pw");
  auto loaded = Htpasswd::Load(md5);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("line 1: user \"carol\" does not have a bcrypt hash"));

  fs::path bad = dir_ / "bad";
  std::ofstream(bad) << "# comment\n\nno-colon-here\n";
  loaded = Htpasswd::Load(bad);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("line 3: expected <user>:<bcrypt hash>"));

  loaded = Htpasswd::Load(dir_ / "missing");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
}

TEST_F(AuthTest, HtpasswdIsReReadWhenItChanges) {
  auto file = Htpasswd::Load(htpasswd_);
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE((*file)->Verify("carol", "carol-pw"));
  auto before = fs::last_write_time(htpasswd_);
  Run("htpasswd -bB -C 5 " + htpasswd_.string() + " carol carol-pw");
  Run("htpasswd -D " + htpasswd_.string() + " alice");
  fs::last_write_time(htpasswd_, before + std::chrono::seconds(2));
  EXPECT_TRUE((*file)->Verify("carol", "carol-pw"));
  EXPECT_FALSE((*file)->Verify("alice", "alice-secret"));

  // A broken new version keeps the previous one in force.
  std::ofstream(htpasswd_, std::ios::app) << "mallory:plaintext\n";
  fs::last_write_time(htpasswd_, before + std::chrono::seconds(4));
  EXPECT_TRUE((*file)->Verify("carol", "carol-pw"));
  EXPECT_FALSE((*file)->Verify("mallory", "plaintext"));
}

TEST_F(AuthTest, NoHtpasswdMeansNoAuthentication) {
  auto auth = Make(AuthConfig{});
  ASSERT_TRUE(auth);
  AuthDecision d = auth->Authorize("", {Repo("a", {"push", "delete"})});
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(auth->Authorize("garbage", {}).allowed);
  EXPECT_EQ(auth->IssueToken("", "", {}).http_status, 404);
}

TEST_F(AuthTest, BasicMode) {
  AuthConfig config = BasicConfig();
  config.service = "mirror";
  auto auth = Make(config);
  ASSERT_TRUE(auth);

  AuthDecision d = auth->Authorize("", {});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.error_code, "UNAUTHORIZED");
  EXPECT_EQ(d.www_authenticate, "Basic realm=\"mirror\"");

  d = auth->Authorize(Basic("alice", "alice-secret"), {});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.user, "alice");
  d = auth->Authorize("basic " + Basic("alice", "alice-secret").substr(6), {Repo("x/y", {"push"})});
  EXPECT_TRUE(d.allowed) << "the scheme is case-insensitive";

  d = auth->Authorize(Basic("alice", "wrong"), {Repo("x", {"pull"})});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.message, "invalid username or password");

  // Without anonymous read, an empty Basic credential (what clients send when they have
  // none) gets the challenge again.
  d = auth->Authorize(Basic("", ""), {Repo("x", {"pull"})});
  EXPECT_EQ(d.http_status, 401);
}

TEST_F(AuthTest, AnonymousRead) {
  AuthConfig config = BasicConfig();
  config.anonymous_read = true;
  auto auth = Make(config);
  ASSERT_TRUE(auth);
  EXPECT_TRUE(auth->Authorize("", {Repo("a/b", {"pull"})}).allowed);
  EXPECT_TRUE(auth->Authorize(Basic("", ""), {Repo("a/b", {"pull"})}).allowed);
  AuthDecision d = auth->Authorize("", {Repo("a/b", {"pull", "push"})});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(auth->Authorize("", {}).http_status, 401) << "the base endpoint asks to log in";
  EXPECT_EQ(auth->Authorize("", {Access{"registry", "catalog", {"*"}}}).http_status, 401);
}

TEST_F(AuthTest, RulesWithGlobs) {
  AuthConfig config = BasicConfig();
  config.rules = {
      {"team/*", {"alice"}, {"pull", "push"}},
      {"*", {"*"}, {"pull"}},
      {"scratch/*", {"bob"}, {"*"}},
  };
  auto auth = Make(config);
  ASSERT_TRUE(auth);
  const std::string alice = Basic("alice", "alice-secret");
  const std::string bob = Basic("bob", "bob pass:with colon");

  EXPECT_TRUE(auth->Authorize(alice, {Repo("team/app", {"pull", "push"})}).allowed);
  EXPECT_TRUE(auth->Authorize(bob, {Repo("team/app", {"pull"})}).allowed);
  AuthDecision d = auth->Authorize(bob, {Repo("team/app", {"pull", "push"})});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.http_status, 403);
  EXPECT_EQ(d.error_code, "DENIED");
  EXPECT_THAT(d.message, HasSubstr("repository:team/app:pull,push"));
  EXPECT_EQ(auth->Authorize(alice, {Repo("team/app", {"delete"})}).http_status, 403);
  EXPECT_TRUE(auth->Authorize(bob, {Repo("scratch/x", {"delete"})}).allowed);
  EXPECT_EQ(auth->Authorize(alice, {Repo("scratch/x", {"push"})}).http_status, 403);
  // The catalog goes with pull on "*".
  EXPECT_TRUE(auth->Authorize(alice, {Access{"registry", "catalog", {"*"}}}).allowed);
  // Every item of a multi-item need must be held.
  EXPECT_EQ(
      auth->Authorize(alice, {Repo("team/app", {"push"}), Repo("other", {"push"})}).http_status,
      403);
}

TEST_F(AuthTest, BadConfigurationsAreRejected) {
  AuthConfig config = BasicConfig();
  config.rules = {{"a/*", {"alice"}, {"write"}}};
  auto auth = RegistryAuth::Create(config);
  ASSERT_FALSE(auth.ok());
  EXPECT_THAT(auth.status().message(), HasSubstr("unknown action \"write\""));

  config = TokenConfig();
  config.token_realm = "/token";
  EXPECT_FALSE(RegistryAuth::Create(config).ok());
  config = TokenConfig();
  config.service = "";
  EXPECT_FALSE(RegistryAuth::Create(config).ok());
  config = TokenConfig();
  config.token_ttl_seconds = 0;
  EXPECT_FALSE(RegistryAuth::Create(config).ok());
  config = AuthConfig{};
  config.token_auth = true;
  EXPECT_FALSE(RegistryAuth::Create(config).ok());
}

TEST_F(AuthTest, TokenFlowGrantsWhatTheRulesAllow) {
  AuthConfig config = TokenConfig();
  config.rules = {{"team/*", {"alice"}, {"*"}}, {"*", {"*"}, {"pull"}}};
  auto auth = Make(config);
  ASSERT_TRUE(auth);

  // The challenge names the realm, the service and the scope the request needs.
  AuthDecision d = auth->Authorize("", {Repo("team/app", {"pull", "push"})});
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.www_authenticate,
            "Bearer realm=\"https://127.0.0.1:5000/token\",service=\"carrier-test\","
            "scope=\"repository:team/app:pull,push\"");
  EXPECT_EQ(auth->Authorize("", {}).www_authenticate,
            "Bearer realm=\"https://127.0.0.1:5000/token\",service=\"carrier-test\"");

  std::string token = Token(*auth, Basic("alice", "alice-secret"),
                            {"repository:team/app:pull,push", "repository:other:pull,push,delete"});
  ASSERT_FALSE(token.empty()) << last_.body;
  boost::json::object body = boost::json::parse(last_.body).as_object();
  EXPECT_EQ(body.at("expires_in").as_int64(), 300);
  EXPECT_EQ(body.at("issued_at").as_string().size(), 20u);  // 2026-01-02T15:04:05Z
  boost::json::array granted = GrantedAccess(token);
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_EQ(boost::json::serialize(granted[0]),
            R"({"type":"repository","name":"team/app","actions":["pull","push"]})");
  EXPECT_EQ(boost::json::serialize(granted[1]),
            R"({"type":"repository","name":"other","actions":["pull"]})");

  const std::string bearer = "Bearer " + token;
  d = auth->Authorize(bearer, {Repo("team/app", {"pull", "push"})});
  EXPECT_TRUE(d.allowed) << d.message;
  EXPECT_EQ(d.user, "alice");
  EXPECT_TRUE(auth->Authorize(bearer, {}).allowed);
  EXPECT_TRUE(auth->Authorize(bearer, {Repo("other", {"pull"})}).allowed);

  d = auth->Authorize(bearer, {Repo("other", {"push"})});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.http_status, 401);
  EXPECT_EQ(d.www_authenticate,
            "Bearer realm=\"https://127.0.0.1:5000/token\",service=\"carrier-test\","
            "scope=\"repository:other:push\",error=\"insufficient_scope\"");
  EXPECT_FALSE(auth->Authorize(bearer, {Repo("team/other", {"pull"})}).allowed);

  // Basic credentials work in token mode too (curl -u).
  EXPECT_TRUE(auth->Authorize(Basic("alice", "alice-secret"), {Repo("team/a", {"push"})}).allowed);
}

TEST_F(AuthTest, TokensExpire) {
  auto auth = Make(TokenConfig());
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, Basic("bob", "bob pass:with colon"), {"repository:a:pull"});
  ASSERT_FALSE(token.empty());
  now_ += std::chrono::seconds(299);
  EXPECT_TRUE(auth->Authorize("Bearer " + token, {Repo("a", {"pull"})}).allowed);
  now_ += std::chrono::seconds(1);
  AuthDecision d = auth->Authorize("Bearer " + token, {Repo("a", {"pull"})});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.message, "token has expired");
  EXPECT_THAT(d.www_authenticate, HasSubstr("error=\"invalid_token\""));
  now_ -= std::chrono::seconds(400);
  EXPECT_EQ(auth->Authorize("Bearer " + token, {Repo("a", {"pull"})}).message,
            "token is not valid yet");
}

TEST_F(AuthTest, TokensForAnotherServiceOrKeyAreRejected) {
  auto auth = Make(TokenConfig());
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, Basic("alice", "alice-secret"), {"repository:a:pull"});
  ASSERT_FALSE(token.empty());

  AuthConfig other_service = TokenConfig();  // same key file, other audience
  other_service.service = "elsewhere";
  auto elsewhere = Make(other_service);
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->Authorize("Bearer " + token, {Repo("a", {"pull"})}).message,
            "token is not meant for service elsewhere");

  AuthConfig other_key = TokenConfig();
  other_key.token_key_path = (dir_ / "other.key").string();
  auto rekeyed = Make(other_key);
  ASSERT_TRUE(rekeyed);
  EXPECT_EQ(rekeyed->Authorize("Bearer " + token, {Repo("a", {"pull"})}).message,
            "token signature does not verify");
  EXPECT_EQ(auth->IssueToken(Basic("alice", "alice-secret"), "elsewhere", {}).http_status, 400);
}

TEST_F(AuthTest, ForgedTokensAreRejected) {
  auto auth = Make(TokenConfig());
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, Basic("bob", "bob pass:with colon"), {"repository:a:pull"});
  ASSERT_FALSE(token.empty());
  size_t a = token.find('.'), b = token.find('.', a + 1);
  std::string claims = *Base64UrlDecode(token.substr(a + 1, b - a - 1));

  // Widen the grant but keep the signature.
  std::string widened = claims;
  widened.replace(widened.find("[\"pull\"]"), 8, "[\"pull\",\"push\"]");
  std::string tampered = token.substr(0, a + 1) + Base64UrlEncode(widened) + token.substr(b);
  EXPECT_EQ(auth->Authorize("Bearer " + tampered, {Repo("a", {"push"})}).message,
            "token signature does not verify");

  // alg "none" with no signature, and HS256 keyed with anything.
  for (const char* alg : {"none", "HS256"}) {
    std::string header = Base64UrlEncode(std::string("{\"alg\":\"") + alg + "\",\"typ\":\"JWT\"}");
    std::string forged =
        header + "." + Base64UrlEncode(widened) + "." + (alg[0] == 'n' ? "" : "c2ln");
    AuthDecision d = auth->Authorize("Bearer " + forged, {Repo("a", {"pull"})});
    EXPECT_FALSE(d.allowed) << alg;
    EXPECT_EQ(d.message, "token is not signed with ES256") << alg;
  }
  EXPECT_FALSE(auth->Authorize("Bearer " + token + ".x", {Repo("a", {"pull"})}).allowed);
  EXPECT_FALSE(auth->Authorize("Bearer " + token.substr(0, token.size() - 2), {}).allowed);
}

TEST_F(AuthTest, RsaKeysSignRs256AndWeakKeysAreRefused) {
  fs::path rsa = dir_ / "rsa.key";
  Run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + rsa.string());
  AuthConfig config = TokenConfig();
  config.token_key_path = rsa.string();
  auto auth = Make(config);
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, Basic("alice", "alice-secret"), {"repository:a:pull"});
  ASSERT_FALSE(token.empty());
  EXPECT_THAT(*Base64UrlDecode(token.substr(0, token.find('.'))), HasSubstr("\"alg\":\"RS256\""));
  EXPECT_TRUE(auth->Authorize("Bearer " + token, {Repo("a", {"pull"})}).allowed);

  fs::path weak = dir_ / "weak.key";
  Run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + weak.string());
  config.token_key_path = weak.string();
  auto refused = RegistryAuth::Create(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("at least 2048 bits"));

  fs::path p384 = dir_ / "p384.key";
  Run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " + p384.string());
  config.token_key_path = p384.string();
  refused = RegistryAuth::Create(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("P-256"));

  fs::path junk = dir_ / "junk.key";
  std::ofstream(junk) << "not a key";
  config.token_key_path = junk.string();
  EXPECT_FALSE(RegistryAuth::Create(config).ok());
}

TEST_F(AuthTest, MissingKeyIsCreatedPrivate) {
  auto auth = Make(TokenConfig());
  ASSERT_TRUE(auth);
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "token.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The same key is used again next time: a token from the first instance still verifies.
  std::string token = Token(*auth, Basic("alice", "alice-secret"), {"repository:a:pull"});
  auto again = Make(TokenConfig());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->Authorize("Bearer " + token, {Repo("a", {"pull"})}).allowed);
}

TEST_F(AuthTest, TokenEndpointAuthentication) {
  auto auth = Make(TokenConfig());
  ASSERT_TRUE(auth);
  TokenResponse r = auth->IssueToken("", "carrier-test", {"repository:a:pull"});
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.www_authenticate, "Basic realm=\"carrier-test\"");
  EXPECT_THAT(r.body, HasSubstr("\"code\":\"UNAUTHORIZED\""));
  EXPECT_EQ(auth->IssueToken(Basic("alice", "x"), "carrier-test", {}).http_status, 401);
  EXPECT_EQ(auth->IssueToken("Bearer abc", "carrier-test", {}).http_status, 401);
  r = auth->IssueToken(Basic("alice", "alice-secret"), "carrier-test", {"repository:A:pull"});
  EXPECT_EQ(r.http_status, 400);
  EXPECT_THAT(r.body, HasSubstr("invalid repository"));
  // Without a service parameter the configured one is used.
  EXPECT_EQ(auth->IssueToken(Basic("alice", "alice-secret"), "", {}).http_status, 200);
}

TEST_F(AuthTest, AnonymousTokensCarryOnlyPull) {
  AuthConfig config = TokenConfig();
  config.anonymous_read = true;
  auto auth = Make(config);
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, "", {"repository:a/b:pull,push", "registry:catalog:*"});
  ASSERT_FALSE(token.empty()) << last_.body;
  boost::json::array granted = GrantedAccess(token);
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_EQ(boost::json::serialize(granted[0]),
            R"({"type":"repository","name":"a/b","actions":["pull"]})");
  AuthDecision d = auth->Authorize("Bearer " + token, {Repo("a/b", {"pull"})});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.user, "");
  EXPECT_FALSE(auth->Authorize("Bearer " + token, {Repo("a/b", {"push"})}).allowed);
}

TEST_F(AuthTest, GarbageHeadersNeverCrashAndNeverPass) {
  AuthConfig config = TokenConfig();
  auto auth = Make(config);
  ASSERT_TRUE(auth);
  std::string token = Token(*auth, Basic("alice", "alice-secret"), {"repository:a:pull"});
  std::vector<std::string> headers = {"Basic",
                                      "Basic ",
                                      "Basic ====",
                                      "Basic YWxpY2U=",
                                      "Basic !!!!",
                                      "Bearer",
                                      "Bearer  ",
                                      "Bearer a.b.c",
                                      "Bearer ...",
                                      "Bearer e30.e30.",
                                      "Negotiate abc",
                                      std::string(20000, 'B'),
                                      "Basic " + std::string(100000, 'A'),
                                      std::string("Basic \0\0\0\0", 10),
                                      "Bearer " + Base64UrlEncode("{\"alg\":\"ES256\"}") + "." +
                                          Base64UrlEncode("[]") + "." + std::string(86, 'A')};
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = token;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    if (mutated != token) headers.push_back("Bearer " + mutated);
    std::string random(rng() % 64, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    headers.push_back(random);
  }
  for (const std::string& h : headers) {
    AuthDecision d = auth->Authorize(h, {Repo("a", {"pull"})});
    EXPECT_FALSE(d.allowed) << h.substr(0, 80);
    EXPECT_EQ(d.http_status, 401);
    TokenResponse r = auth->IssueToken(h, "carrier-test", {"repository:a:pull"});
    EXPECT_NE(r.http_status, 200) << h.substr(0, 80);
  }
}

}  // namespace
}  // namespace carrier::registry::auth
