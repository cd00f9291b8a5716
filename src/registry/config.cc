#include "registry/config.h"

#include <crypt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "http/self_signed.h"

namespace carrier::registry {

namespace fs = std::filesystem;

namespace {

std::string Resolve(const std::string& root, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(root) / path).string();
}

std::string Relative(const std::string& root, const std::string& path) {
  if (path.empty()) return path;
  fs::path p(path), r(root);
  auto rel = p.lexically_relative(r);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return path;
}

Status ParseListen(const std::string& text, std::string& address, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen must be host:port: " + text);
  std::string host = text.substr(0, colon), p = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return InvalidArgument("bad port in listen: " + text);
  }
  address = host.empty() ? "0.0.0.0" : host;
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}

// Rejects keys a section does not know, so a typo never silently falls back to a default.
Status CheckKeys(const YAML::Node& node, const std::string& section,
                 const std::set<std::string>& known) {
  if (!node) return Status::Ok();
  if (!node.IsMap()) return InvalidArgument(section + " must be a mapping");
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (!known.count(key)) return InvalidArgument("unknown key " + section + "." + key);
  }
  return Status::Ok();
}

template <class T>
void Read(const YAML::Node& node, const char* key, T& out) {
  if (node && node[key]) out = node[key].as<T>();
}

Status Apply(const YAML::Node& doc, RegistryConfig& c) {
  CARRIER_RETURN_IF_ERROR(CheckKeys(
      doc, "config", {"listen", "hostname", "threads", "tls", "storage", "limits", "auth", "gc"}));
  if (doc["listen"]) CARRIER_RETURN_IF_ERROR(ParseListen(doc["listen"].as<std::string>(), c.address, c.port));
  Read(doc, "hostname", c.hostname);
  Read(doc, "threads", c.threads);
  if (c.threads < 1 || c.threads > 256) return InvalidArgument("threads must be 1..256");
  auto tls = doc["tls"];
  CARRIER_RETURN_IF_ERROR(CheckKeys(tls, "tls", {"enabled", "certificate", "key"}));
  Read(tls, "enabled", c.tls);
  Read(tls, "certificate", c.tls_cert);
  Read(tls, "key", c.tls_key);
  auto storage = doc["storage"];
  CARRIER_RETURN_IF_ERROR(CheckKeys(storage, "storage", {"data", "delete"}));
  Read(storage, "data", c.data_dir);
  Read(storage, "delete", c.delete_enabled);
  auto limits = doc["limits"];
  CARRIER_RETURN_IF_ERROR(CheckKeys(limits, "limits", {"max_manifest_bytes", "max_blob_bytes"}));
  Read(limits, "max_manifest_bytes", c.max_manifest_bytes);
  Read(limits, "max_blob_bytes", c.max_blob_bytes);
  auto auth = doc["auth"];
  CARRIER_RETURN_IF_ERROR(CheckKeys(auth, "auth", {"htpasswd", "anonymous_read", "token", "rules"}));
  Read(auth, "htpasswd", c.auth.htpasswd_path);
  Read(auth, "anonymous_read", c.auth.anonymous_read);
  auto token = auth ? auth["token"] : YAML::Node();
  CARRIER_RETURN_IF_ERROR(
      CheckKeys(token, "auth.token", {"enabled", "realm", "service", "key", "ttl_seconds"}));
  Read(token, "enabled", c.auth.token_auth);
  Read(token, "realm", c.auth.token_realm);
  Read(token, "service", c.auth.service);
  Read(token, "key", c.auth.token_key_path);
  Read(token, "ttl_seconds", c.auth.token_ttl_seconds);
  if (auth && auth["rules"]) {
    if (!auth["rules"].IsSequence()) return InvalidArgument("auth.rules must be a list");
    for (const auto& r : auth["rules"]) {
      CARRIER_RETURN_IF_ERROR(CheckKeys(r, "auth.rules[]", {"repositories", "users", "actions"}));
      auth::AccessRule rule;
      Read(r, "repositories", rule.repository_glob);
      Read(r, "users", rule.users);
      Read(r, "actions", rule.actions);
      c.auth.rules.push_back(std::move(rule));
    }
  }
  auto gc = doc["gc"];
  CARRIER_RETURN_IF_ERROR(CheckKeys(gc, "gc", {"blob_grace_seconds", "upload_ttl_seconds"}));
  int64_t grace = c.gc.blob_grace.count(), ttl = c.gc.upload_ttl.count();
  Read(gc, "blob_grace_seconds", grace);
  Read(gc, "upload_ttl_seconds", ttl);
  if (grace < 0 || ttl < 0) return InvalidArgument("gc durations must not be negative");
  c.gc.blob_grace = std::chrono::seconds(grace);
  c.gc.upload_ttl = std::chrono::seconds(ttl);
  return Status::Ok();
}

Status WriteText(const fs::path& path, const std::string& text, mode_t mode) {
  std::string tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Internal("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Internal("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

RegistryConfig DefaultRegistryConfig(const std::string& root, const std::string& hostname) {
  RegistryConfig c;
  c.root = root;
  c.hostname = hostname;
  c.tls_cert = (fs::path(root) / "certs" / "domain.crt").string();
  c.tls_key = (fs::path(root) / "certs" / "domain.key").string();
  c.data_dir = (fs::path(root) / "data").string();
  c.auth.service = "carrier-registry";
  c.auth.token_key_path = (fs::path(root) / "certs" / "token.key").string();
  c.auth.token_realm =
      "https://" + (hostname.empty() ? std::string("localhost") : hostname) + ":5000/token";
  return c;
}

Result<RegistryConfig> LoadRegistryConfig(const std::string& root_arg,
                                          const std::string& config_arg) {
  std::string root = root_arg, config_path = config_arg;
  if (config_path.empty()) {
    if (root.empty()) return InvalidArgument("give --root or --config");
    config_path = (fs::path(root) / "conf" / "config.yaml").string();
  }
  if (root.empty()) {
    fs::path dir = fs::absolute(config_path).parent_path();
    root = (dir.filename() == "conf" ? dir.parent_path() : dir).string();
  }
  RegistryConfig c = DefaultRegistryConfig(root, "");
  c.tls_cert = "certs/domain.crt";
  c.tls_key = "certs/domain.key";
  c.data_dir = "data";
  c.auth.token_key_path = "certs/token.key";
  c.auth.token_realm.clear();
  try {
    YAML::Node doc = YAML::LoadFile(config_path);
    if (!doc.IsNull()) CARRIER_RETURN_IF_ERROR(Apply(doc, c));
  } catch (const YAML::BadFile&) {
    return NotFound("cannot read " + config_path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(config_path + ": " + e.what());
  }
  if (c.auth.token_realm.empty()) {
    c.auth.token_realm = std::string(c.tls ? "https" : "http") + "://" +
                         (c.hostname.empty() ? "localhost" : c.hostname) + ":" +
                         std::to_string(c.port) + "/token";
  }
  c.tls_cert = Resolve(root, c.tls_cert);
  c.tls_key = Resolve(root, c.tls_key);
  c.data_dir = Resolve(root, c.data_dir);
  c.auth.htpasswd_path = Resolve(root, c.auth.htpasswd_path);
  c.auth.token_key_path = Resolve(root, c.auth.token_key_path);
  return c;
}

std::string RenderRegistryConfig(const RegistryConfig& c) {
  const std::string& r = c.root;
  std::ostringstream o;
  std::string listen = (c.address.find(':') != std::string::npos ? "[" + c.address + "]" : c.address) +
                       ":" + std::to_string(c.port);
  o << "# Carrier registry configuration. Relative paths are relative to the root folder\n"
    << "# (the folder above conf/).\n"
    << "listen: \"" << listen << "\"\n"
    << "hostname: \"" << c.hostname << "\"   # added to the generated certificate\n"
    << "threads: " << c.threads << "\n"
    << "tls:\n"
    << "  enabled: " << (c.tls ? "true" : "false") << "\n"
    << "  certificate: " << Relative(r, c.tls_cert) << "   # generated (self-signed) if missing\n"
    << "  key: " << Relative(r, c.tls_key) << "\n"
    << "storage:\n"
    << "  data: " << Relative(r, c.data_dir) << "\n"
    << "  delete: " << (c.delete_enabled ? "true" : "false") << "   # DELETE of manifests, tags, blobs\n"
    << "limits:\n"
    << "  max_manifest_bytes: " << c.max_manifest_bytes << "\n"
    << "  max_blob_bytes: " << c.max_blob_bytes << "   # 0: no limit\n"
    << "auth:\n"
    << "  htpasswd: \"" << Relative(r, c.auth.htpasswd_path) << "\"   # empty: no authentication\n"
    << "  anonymous_read: " << (c.auth.anonymous_read ? "true" : "false") << "\n"
    << "  token:   # Docker token flow (Bearer challenges, GET /token); else Basic\n"
    << "    enabled: " << (c.auth.token_auth ? "true" : "false") << "\n"
    << "    realm: \"" << c.auth.token_realm << "\"\n"
    << "    service: \"" << c.auth.service << "\"\n"
    << "    key: " << Relative(r, c.auth.token_key_path) << "\n"
    << "    ttl_seconds: " << c.auth.token_ttl_seconds << "\n"
    << "  rules: []   # e.g. [{repositories: \"openshift/*\", users: [\"*\"], actions: [pull]}]\n"
    << "gc:\n"
    << "  blob_grace_seconds: " << c.gc.blob_grace.count() << "\n"
    << "  upload_ttl_seconds: " << c.gc.upload_ttl.count() << "\n";
  return o.str();
}

RegistryOptions ToServerOptions(const RegistryConfig& c) {
  RegistryOptions o;
  o.data_dir = c.data_dir;
  o.address = c.address;
  o.port = c.port;
  if (c.tls) {
    o.tls_cert_file = c.tls_cert;
    o.tls_key_file = c.tls_key;
  }
  o.threads = c.threads;
  o.delete_enabled = c.delete_enabled;
  o.max_manifest_bytes = c.max_manifest_bytes;
  o.max_blob_bytes = c.max_blob_bytes;
  return o;
}

Status SetListenAddress(RegistryConfig& c, const std::string& host_port) {
  return ParseListen(host_port, c.address, c.port);
}

Result<std::unique_ptr<RegistryServer>> StartConfiguredRegistry(const RegistryConfig& c) {
  CARRIER_RETURN_IF_ERROR(EnsureCertificate(c));
  RegistryOptions options = ToServerOptions(c);
  if (!c.auth.htpasswd_path.empty()) {
#ifdef CARRIER_HAVE_REGISTRY_AUTH
    auto auth = auth::RegistryAuth::Create(c.auth);
    if (!auth.ok()) return auth.status();
    options.auth = std::move(auth).value();
#else
    return Unavailable("authentication is configured but this build has no auth module");
#endif
  }
  return RegistryServer::Start(options);
}

Status EnsureCertificate(const RegistryConfig& c) {
  if (!c.tls || (fs::exists(c.tls_cert) && fs::exists(c.tls_key))) return Status::Ok();
  std::error_code ec;
  fs::create_directories(fs::path(c.tls_cert).parent_path(), ec);
  fs::create_directories(fs::path(c.tls_key).parent_path(), ec);
  std::vector<std::string> sans;
  if (!c.hostname.empty()) sans.push_back(c.hostname);
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0 && host[0] && c.hostname != host) {
    sans.emplace_back(host);
  }
  for (const char* s : {"localhost", "127.0.0.1", "::1"}) sans.emplace_back(s);
  return http::WriteSelfSignedCertificate(c.tls_cert, c.tls_key, sans);
}

Result<std::string> HtpasswdLine(const std::string& user, const std::string& password) {
  if (user.empty() || user.find(':') != std::string::npos ||
      user.find('\n') != std::string::npos) {
    return InvalidArgument("user names must be non-empty without ':' or newlines");
  }
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", 10, nullptr, 0, salt, sizeof(salt))) {
    return Internal("bcrypt salt generation failed");
  }
  crypt_data data{};
  const char* hash = crypt_r(password.c_str(), salt, &data);
  if (!hash || hash[0] != '$') return Internal("bcrypt hashing failed");
  return user + ":" + hash;
}

Status InitRegistryRoot(const std::string& root, const std::string& hostname,
                        const std::string& user, const std::string& password) {
  std::error_code ec;
  for (const char* sub : {"certs", "auth", "data", "conf"}) {
    fs::create_directories(fs::path(root) / sub, ec);
    if (ec) return Internal("cannot create " + (fs::path(root) / sub).string() + ": " + ec.message());
  }
  ::chmod((fs::path(root) / "auth").c_str(), 0700);
  RegistryConfig c = DefaultRegistryConfig(fs::absolute(root).string(), hostname);
  fs::path config_path = fs::path(root) / "conf" / "config.yaml";
  if (!user.empty()) {
    auto line = HtpasswdLine(user, password);
    if (!line.ok()) return line.status();
    fs::path htpasswd = fs::path(root) / "auth" / "htpasswd";
    std::string existing;
    if (std::ifstream in(htpasswd); in) {
      std::string l;
      while (std::getline(in, l)) {
        if (l.rfind(user + ":", 0) != 0 && !l.empty()) existing += l + "\n";
      }
    }
    CARRIER_RETURN_IF_ERROR(WriteText(htpasswd, existing + *line + "\n", 0600));
    c.auth.htpasswd_path = fs::absolute(htpasswd).string();
  }
  if (!fs::exists(config_path)) {
    CARRIER_RETURN_IF_ERROR(WriteText(config_path, RenderRegistryConfig(c), 0644));
  }
  auto loaded = LoadRegistryConfig(root, "");
  if (!loaded.ok()) return loaded.status();
  return EnsureCertificate(*loaded);
}

}  // namespace carrier::registry
