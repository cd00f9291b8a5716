#include "registry/auth/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fstream>
#include <system_error>

#include "registry/reference.h"

namespace carrier::registry::auth {
namespace {

constexpr size_t kMaxFileSize = 16 << 20;
constexpr size_t kMaxPasswordLength = 1024;
constexpr size_t kMaxCacheEntries = 4096;

bool IsBcrypt(std::string_view hash) {
  // $2y$NN$ + 53 characters of salt and hash.
  return hash.size() == 60 &&
         (hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$2a$"));
}

// A bcrypt hash of a random password, so that unknown users cost as much as known ones.
const std::string& DummyHash() {
  static const std::string hash = [] {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt) == nullptr) return std::string();
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_r("carrier-unknown-user", salt, data.get());
    return out == nullptr ? std::string() : std::string(out);
  }();
  return hash;
}

}  // namespace

bool BcryptMatches(std::string_view password, const std::string& hash) {
  if (!IsBcrypt(hash) || password.size() > kMaxPasswordLength ||
      password.find('\0') != std::string_view::npos) {
    return false;
  }
  auto data = std::make_unique<crypt_data>();
  std::string phrase(password);
  const char* out = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;  // libxcrypt's failure tokens start with '*'
  std::string_view result(out);
  return result.size() == hash.size() &&
         CRYPTO_memcmp(result.data(), hash.data(), hash.size()) == 0;
}

Result<Htpasswd::Snapshot> Htpasswd::Read(const std::filesystem::path& path) {
  std::error_code ec;
  Snapshot snapshot;
  snapshot.size = std::filesystem::file_size(path, ec);
  if (ec) return InvalidArgument("htpasswd file " + path.string() + ": " + ec.message());
  if (snapshot.size > kMaxFileSize) {
    return InvalidArgument("htpasswd file " + path.string() + " is larger than 16 MiB");
  }
  snapshot.mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return InvalidArgument("htpasswd file " + path.string() + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("htpasswd file " + path.string() + " cannot be read");
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string where = "htpasswd file " + path.string() + " line " + std::to_string(number);
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return InvalidArgument(where + ": expected <user>:<bcrypt hash>");
    }
    std::string user = line.substr(0, colon);
    std::string hash = line.substr(colon + 1);
    if (!IsBcrypt(hash)) {
      return InvalidArgument(where + ": user \"" + user +
                             "\" does not have a bcrypt hash ($2y$, $2b$ or $2a$; create it "
                             "with htpasswd -B)");
    }
    snapshot.hashes[user] = hash;
  }
  return snapshot;
}

Result<std::unique_ptr<Htpasswd>> Htpasswd::Load(const std::filesystem::path& path) {
  Result<Snapshot> snapshot = Read(path);
  if (!snapshot.ok()) return snapshot.status();
  return std::unique_ptr<Htpasswd>(new Htpasswd(path, std::move(snapshot).value()));
}

Htpasswd::Htpasswd(std::filesystem::path path, Snapshot snapshot)
    : path_(std::move(path)), snapshot_(std::move(snapshot)) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    // Without randomness the cache key is still a SHA-256 of the password; only its
    // resistance to precomputation drops.
    cache_salt_ = path_.string();
  } else {
    cache_salt_.assign(reinterpret_cast<char*>(salt), sizeof salt);
  }
}

void Htpasswd::ReloadIfChanged() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path_, ec);
  if (ec) return;
  auto size = std::filesystem::file_size(path_, ec);
  if (ec || (mtime == snapshot_.mtime && size == snapshot_.size)) return;
  Result<Snapshot> fresh = Read(path_);
  if (!fresh.ok()) return;
  snapshot_ = std::move(fresh).value();
  verified_.clear();
}

std::string Htpasswd::CacheKey(std::string_view user, std::string_view password) const {
  std::string material = cache_salt_;
  material += user;
  material.push_back('\0');
  material += password;
  return std::string(user) + '\0' + ComputeDigest("sha256", material).encoded;
}

bool Htpasswd::Verify(std::string_view user, std::string_view password) {
  std::string hash;
  std::string key = CacheKey(user, password);
  {
    std::lock_guard lock(mu_);
    ReloadIfChanged();
    auto it = snapshot_.hashes.find(std::string(user));
    if (it != snapshot_.hashes.end()) {
      hash = it->second;
      auto cached = verified_.find(key);
      if (cached != verified_.end() && cached->second == hash) return true;
    }
  }
  if (hash.empty()) {
    BcryptMatches(password, DummyHash());
    return false;
  }
  // bcrypt runs outside the lock so that concurrent logins do not queue behind each other.
  if (!BcryptMatches(password, hash)) return false;
  std::lock_guard lock(mu_);
  if (verified_.size() >= kMaxCacheEntries) verified_.clear();
  verified_[key] = hash;
  return true;
}

}  // namespace carrier::registry::auth
