#include "registry/config.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "registry_fixture.h"

namespace carrier::registry {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir("config"); }
  void TearDown() override { fs::remove_all(dir_); }
  void WriteConfig(const std::string& text) {
    fs::create_directories(dir_ / "conf");
    std::ofstream(dir_ / "conf" / "config.yaml") << text;
  }
  fs::path dir_;
};

TEST_F(ConfigTest, InitCreatesTheDocumentedLayout) {
  ASSERT_TRUE(InitRegistryRoot(dir_.string(), "reg.example.com", "admin", "s3cret").ok());
  for (const char* sub : {"certs", "auth", "data", "conf"}) EXPECT_TRUE(fs::is_directory(dir_ / sub));
  EXPECT_TRUE(fs::exists(dir_ / "certs" / "domain.crt"));
  EXPECT_TRUE(fs::exists(dir_ / "certs" / "domain.key"));
  auto config = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 5000);
  EXPECT_TRUE(config->tls);
  EXPECT_EQ(config->hostname, "reg.example.com");
  EXPECT_EQ(config->auth.htpasswd_path, (fs::absolute(dir_) / "auth" / "htpasswd").string());
  EXPECT_EQ(config->data_dir, (dir_ / "data").string());
  EXPECT_EQ(config->auth.token_realm, "https://reg.example.com:5000/token");
  // The htpasswd line is a bcrypt hash of the password.
  std::ifstream in(dir_ / "auth" / "htpasswd");
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line.rfind("admin:$2b$10$", 0), 0u) << line;
  std::string hash = line.substr(6);
  crypt_data data{};
  EXPECT_EQ(std::string(crypt_r("s3cret", hash.c_str(), &data)), hash);
  EXPECT_NE(std::string(crypt_r("wrong", hash.c_str(), &data)), hash);
  // Loading through the config path alone finds the same root.
  auto by_path = LoadRegistryConfig("", (dir_ / "conf" / "config.yaml").string());
  ASSERT_TRUE(by_path.ok());
  EXPECT_EQ(by_path->data_dir, config->data_dir);
}

TEST_F(ConfigTest, ParsesEveryKey) {
  WriteConfig(R"(
listen: "127.0.0.1:5443"
hostname: mirror.lab
threads: 8
tls: {enabled: true, certificate: /etc/reg/tls.crt, key: certs/k.pem}
storage: {data: /srv/data, delete: false}
limits: {max_manifest_bytes: 1000, max_blob_bytes: 2000}
auth:
  htpasswd: auth/htpasswd
  anonymous_read: true
  token: {enabled: true, service: svc, ttl_seconds: 60}
  rules:
    - {repositories: "openshift/*", users: ["*"], actions: [pull]}
gc: {blob_grace_seconds: 10, upload_ttl_seconds: 20}
)");
  auto c = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->address, "127.0.0.1");
  EXPECT_EQ(c->port, 5443);
  EXPECT_EQ(c->threads, 8);
  EXPECT_EQ(c->tls_cert, "/etc/reg/tls.crt");
  EXPECT_EQ(c->tls_key, (dir_ / "certs" / "k.pem").string());
  EXPECT_EQ(c->data_dir, "/srv/data");
  EXPECT_FALSE(c->delete_enabled);
  EXPECT_EQ(c->max_manifest_bytes, 1000u);
  EXPECT_EQ(c->max_blob_bytes, 2000u);
  EXPECT_TRUE(c->auth.anonymous_read);
  EXPECT_TRUE(c->auth.token_auth);
  EXPECT_EQ(c->auth.service, "svc");
  EXPECT_EQ(c->auth.token_realm, "https://mirror.lab:5443/token");
  ASSERT_EQ(c->auth.rules.size(), 1u);
  EXPECT_EQ(c->auth.rules[0].repository_glob, "openshift/*");
  EXPECT_EQ(c->gc.blob_grace.count(), 10);
  RegistryOptions o = ToServerOptions(*c);
  EXPECT_EQ(o.tls_cert_file, "/etc/reg/tls.crt");
  EXPECT_FALSE(o.delete_enabled);
}

TEST_F(ConfigTest, RejectsTyposAndBadValues) {
  WriteConfig("listen: \":5000\"\nstorage: {delet: true}\n");
  auto typo = LoadRegistryConfig(dir_.string(), "");
  EXPECT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("storage.delet"), std::string::npos);
  WriteConfig("listen: \"localhost:99999\"\n");
  EXPECT_FALSE(LoadRegistryConfig(dir_.string(), "").ok());
  WriteConfig("threads: [1\n");
  EXPECT_FALSE(LoadRegistryConfig(dir_.string(), "").ok());
  EXPECT_EQ(LoadRegistryConfig((dir_ / "missing").string(), "").status().code(), Code::kNotFound);
  EXPECT_FALSE(HtpasswdLine("a:b", "p").ok());
}

TEST_F(ConfigTest, RenderedConfigLoadsBack) {
  RegistryConfig c = DefaultRegistryConfig(dir_.string(), "h.example");
  c.port = 5001;
  c.delete_enabled = false;
  fs::create_directories(dir_ / "conf");
  std::ofstream(dir_ / "conf" / "config.yaml") << RenderRegistryConfig(c);
  auto back = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->port, 5001);
  EXPECT_FALSE(back->delete_enabled);
  EXPECT_EQ(back->tls_cert, c.tls_cert);
  EXPECT_TRUE(back->auth.htpasswd_path.empty());
}

TEST_F(ConfigTest, ServesTlsWithTheGeneratedCertificate) {
  ASSERT_TRUE(InitRegistryRoot(dir_.string(), "", "", "").ok());
  auto c = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(c.ok());
  RegistryOptions o = ToServerOptions(*c);
  o.address = "127.0.0.1";
  o.port = 0;
  auto server = RegistryServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_TRUE((*server)->tls());
  http::testing::TestClient client((*server)->port(), true);
  auto r = client.Get("/v2/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(client.alpn(), "http/1.1");
}

TEST_F(ConfigTest, SetListenAddressAcceptsWhatTheListenKeyAccepts) {
  RegistryConfig c = DefaultRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(SetListenAddress(c, "127.0.0.1:0").ok());
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 0);
  ASSERT_TRUE(SetListenAddress(c, "[::1]:5443").ok());
  EXPECT_EQ(c.address, "::1");
  EXPECT_EQ(c.port, 5443);
  ASSERT_TRUE(SetListenAddress(c, ":5000").ok());
  EXPECT_EQ(c.address, "0.0.0.0");
  for (const char* bad : {"5000", "host:", "host:70000", "host:50x0", "host:-1"}) {
    EXPECT_EQ(SetListenAddress(c, bad).code(), Code::kInvalidArgument) << bad;
  }
}

// What `carrier registry serve` and `carrier serve --registry-listen` run: a root made by
// init with a user serves TLS with the generated certificate and asks for credentials.
TEST_F(ConfigTest, StartConfiguredRegistryServesTlsAndAuthentication) {
  ASSERT_TRUE(InitRegistryRoot(dir_.string(), "", "admin", "s3cret").ok());
  auto c = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(SetListenAddress(*c, "127.0.0.1:0").ok());
  auto server = StartConfiguredRegistry(*c);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_TRUE((*server)->tls());
  http::testing::TestClient client((*server)->port(), true);
  auto anonymous = client.Get("/v2/");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  auto authorized = client.Do("GET", "/v2/", {{"Authorization", "Basic YWRtaW46czNjcmV0"}}, "");
  ASSERT_TRUE(authorized.ok());
  EXPECT_EQ(authorized->status, 200);
}

TEST_F(ConfigTest, StartConfiguredRegistryReportsABadHtpasswdFile) {
  WriteConfig("listen: \"127.0.0.1:0\"\ntls: {enabled: false}\nauth: {htpasswd: auth/missing}\n");
  auto c = LoadRegistryConfig(dir_.string(), "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto server = StartConfiguredRegistry(*c);
  EXPECT_FALSE(server.ok());
}

}  // namespace
}  // namespace carrier::registry
