#include "client/kubeconfig.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "api/yaml_json.h"
#include "base/base64.h"
#include "base/files.h"

namespace carrier::client {

namespace json = boost::json;

namespace {

std::string Field(const json::object* o, std::string_view key) {
  if (o == nullptr) return {};
  const json::value* v = o->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The `field` object of the entry named `name` in list `list` (clusters, users, contexts).
const json::object* Named(const json::object& doc, std::string_view list, const std::string& name,
                          std::string_view field) {
  const json::value* entries = doc.if_contains(list);
  if (entries == nullptr || !entries->is_array()) return nullptr;
  for (const auto& e : entries->get_array()) {
    const json::object* o = e.if_object();
    if (o && Field(o, "name") == name) {
      const json::value* f = o->if_contains(field);
      return f ? f->if_object() : nullptr;
    }
  }
  return nullptr;
}

// Inline base64 data, or the file it names (relative to `dir`).
Result<std::string> DataOrFile(const json::object* o, std::string_view data_key, std::string_view file_key,
                               const std::string& dir) {
  if (std::string data = Field(o, data_key); !data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded) return Status(Code::kInvalidArgument, std::string(data_key) + " is not base64");
    return *decoded;
  }
  std::string file = Field(o, file_key);
  if (file.empty()) return std::string();
  std::filesystem::path p(file);
  if (p.is_relative()) p = std::filesystem::path(dir) / p;
  return ReadFile(p.string());
}

}  // namespace

Result<ClientConfig> ParseKubeconfig(const std::string& text, const std::string& dir,
                                     const std::string& context) {
  auto doc = api::YamlToJson(text);
  if (!doc.ok()) return Status(Code::kInvalidArgument, "not a kubeconfig: " + doc.status().message());
  if (!doc->is_object()) return Status(Code::kInvalidArgument, "not a kubeconfig");
  const json::object& root = doc->get_object();
  const std::string context_name = context.empty() ? Field(&root, "current-context") : context;
  if (context_name.empty()) return Status(Code::kInvalidArgument, "no current-context is set");
  const json::object* ctx = Named(root, "contexts", context_name, "context");
  if (ctx == nullptr) return Status(Code::kInvalidArgument, "context \"" + context_name + "\" not found");
  const json::object* cluster = Named(root, "clusters", Field(ctx, "cluster"), "cluster");
  if (cluster == nullptr || Field(cluster, "server").empty()) {
    return Status(Code::kInvalidArgument, "context \"" + context_name + "\" names no cluster with a server");
  }
  const json::object* user = Named(root, "users", Field(ctx, "user"), "user");

  ClientConfig c;
  c.server = Field(cluster, "server");
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  auto ca = DataOrFile(cluster, "certificate-authority-data", "certificate-authority", dir);
  if (!ca.ok()) return ca.status();
  c.ca_pem = *ca;
  const json::value* insecure = cluster->if_contains("insecure-skip-tls-verify");
  c.insecure_skip_tls_verify = insecure && insecure->is_bool() && insecure->get_bool();
  c.tls_server_name = Field(cluster, "tls-server-name");
  auto cert = DataOrFile(user, "client-certificate-data", "client-certificate", dir);
  if (!cert.ok()) return cert.status();
  auto key = DataOrFile(user, "client-key-data", "client-key", dir);
  if (!key.ok()) return key.status();
  c.cert_pem = *cert;
  c.key_pem = *key;
  c.token = Field(user, "token");
  return c;
}

Result<ClientConfig> LoadKubeconfig(const std::string& explicit_path, const std::string& context) {
  std::string path = explicit_path;
  if (path.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
      std::string list(env);
      path = list.substr(0, list.find(':'));
    } else if (const char* home = std::getenv("HOME")) {
      path = std::string(home) + "/.kube/config";
    }
  }
  if (path.empty() || !std::filesystem::exists(path)) {
    return Status(Code::kNotFound, "no kubeconfig found (use --kubeconfig or set KUBECONFIG)");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto config = ParseKubeconfig(*text, std::filesystem::path(path).parent_path().string(), context);
  if (!config.ok()) return Status(config.status().code(), path + ": " + config.status().message());
  config->source = path;
  return config;
}

}  // namespace carrier::client
