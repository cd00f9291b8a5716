#pragma once
// An htpasswd file of bcrypt hashes ("user:$2y$…" lines, as `htpasswd -B` writes them),
// verified through libxcrypt. Thread-safe. The file is re-read when its modification time or
// size changes; an unreadable or invalid new version keeps the previous one in force.
// Successful verifications are remembered (keyed by a salted SHA-256 of the password) so
// that clients sending Basic credentials on every request do not pay bcrypt each time.

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace carrier::registry::auth {

class Htpasswd {
 public:
  // kInvalidArgument when the file cannot be read, a line is malformed or a hash is not
  // bcrypt.
  static Result<std::unique_ptr<Htpasswd>> Load(const std::filesystem::path& path);

  // True when `user` exists and `password` matches its hash.
  bool Verify(std::string_view user, std::string_view password);

 private:
  struct Snapshot {
    std::unordered_map<std::string, std::string> hashes;  // user → bcrypt hash
    std::filesystem::file_time_type mtime;
    uintmax_t size = 0;
  };
  static Result<Snapshot> Read(const std::filesystem::path& path);
  explicit Htpasswd(std::filesystem::path path, Snapshot snapshot);
  void ReloadIfChanged();  // requires mu_
  std::string CacheKey(std::string_view user, std::string_view password) const;

  std::filesystem::path path_;
  std::mutex mu_;
  Snapshot snapshot_;
  std::string cache_salt_;
  std::unordered_map<std::string, std::string> verified_;  // cache key → hash it matched
};

// True when `hash` is a bcrypt hash that `password` matches (constant-time comparison).
bool BcryptMatches(std::string_view password, const std::string& hash);

}  // namespace carrier::registry::auth
