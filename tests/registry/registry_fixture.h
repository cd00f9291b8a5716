#pragma once
// An in-process registry on an ephemeral loopback port with a fresh data folder, plus
// helpers to push blobs and manifests through the HTTP API.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>

#include "http/test_client.h"
#include "registry/reference.h"
#include "registry/registry_server.h"

namespace carrier::registry::testing {

using http::testing::ClientResponse;
using http::testing::TestClient;

inline std::filesystem::path TempDir(const std::string& tag) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("carrier-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string Descriptor(const std::string& media_type, const std::string& data) {
  boost::json::object d{{"mediaType", media_type},
                        {"digest", ComputeDigest("sha256", data).ToString()},
                        {"size", data.size()}};
  return boost::json::serialize(d);
}

// An OCI image manifest for a config and layers already pushed (by content).
inline std::string ImageManifest(const std::string& config, const std::vector<std::string>& layers,
                                 const std::string& extra_fields = "") {
  std::string m = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                  "\"config\":" +
                  Descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[";
  for (size_t i = 0; i < layers.size(); ++i) {
    if (i) m += ",";
    m += Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layers[i]);
  }
  m += "]" + extra_fields + "}";
  return m;
}


class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override { Start(true); }
  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(bool delete_enabled, std::shared_ptr<auth::RegistryAuth> auth = nullptr) {
    client_.reset();
    server_.reset();
    if (dir_.empty()) dir_ = TempDir("registry");
    RegistryOptions opt;
    opt.data_dir = (dir_ / "data").string();
    opt.address = "127.0.0.1";
    opt.port = 0;
    opt.threads = 2;
    opt.delete_enabled = delete_enabled;
    opt.max_manifest_bytes = 1 << 20;
    opt.auth = std::move(auth);
    auto s = RegistryServer::Start(opt);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    client_ = std::make_unique<TestClient>(server_->port());
  }

  ClientResponse Do(std::string_view method, std::string_view target,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    std::string body = "") {
    auto r = client_->Do(method, target, std::move(headers), std::move(body));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : ClientResponse{};
  }

  // The "code" of the first error in an OCI error body ("" when none).
  static std::string ErrorCode(const ClientResponse& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) return "";
    auto* errors = v.as_object().if_contains("errors");
    if (!errors || !errors->is_array() || errors->as_array().empty()) return "";
    auto* code = errors->as_array()[0].as_object().if_contains("code");
    return code && code->is_string() ? std::string(code->as_string()) : "";
  }

  // Pushes a blob with POST + PUT; returns its digest.
  std::string PushBlob(const std::string& repo, const std::string& data) {
    std::string digest = ComputeDigest("sha256", data).ToString();
    auto start = Do("POST", "/v2/" + repo + "/blobs/uploads/");
    EXPECT_EQ(start.status, 202);
    std::string location = start.Header("Location");
    std::string sep = location.find('?') == std::string::npos ? "?" : "&";
    auto put = Do("PUT", location + sep + "digest=" + digest,
                  {{"Content-Type", "application/octet-stream"}}, data);
    EXPECT_EQ(put.status, 201) << put.body;
    return digest;
  }

  ClientResponse PutManifest(const std::string& repo, const std::string& ref,
                             const std::string& manifest,
                             const std::string& media_type =
                                 "application/vnd.oci.image.manifest.v1+json") {
    return Do("PUT", "/v2/" + repo + "/manifests/" + ref, {{"Content-Type", media_type}}, manifest);
  }

  // Pushes config + one layer + manifest under `tag`; returns the manifest digest.
  std::string PushImage(const std::string& repo, const std::string& tag, const std::string& seed) {
    std::string config = "{\"seed\":\"" + seed + "\"}";
    std::string layer = "layer-bytes-" + seed;
    PushBlob(repo, config);
    PushBlob(repo, layer);
    std::string manifest = ImageManifest(config, {layer});
    auto r = PutManifest(repo, tag, manifest);
    EXPECT_EQ(r.status, 201) << r.body;
    return ComputeDigest("sha256", manifest).ToString();
  }

  std::filesystem::path dir_;
  std::unique_ptr<RegistryServer> server_;
  std::unique_ptr<TestClient> client_;
};

}  // namespace carrier::registry::testing
