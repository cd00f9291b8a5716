#pragma once
// Internal to storage.cc and gc.cc: the on-disk layout, file helpers and the state Storage
// keeps in memory (hash state of uploads in progress).

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "registry/storage.h"

namespace carrier::registry {

namespace fs = std::filesystem;

struct UploadWriter::State {
  std::optional<DigestHasher> sha256;  // hash of the first `hashed` bytes, when continuous
  uint64_t hashed = 0;
};

// Holds the GC lock file shared (writers) or exclusive (garbage collection) while alive.
class GcLock {
 public:
  GcLock(const std::string& path, bool exclusive);
  ~GcLock();
  GcLock(const GcLock&) = delete;
  GcLock& operator=(const GcLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Writes `content` to a staging file, fsyncs it and renames it to `path` (creating parent
// folders). `durable` also fsyncs the parent folder so the rename itself survives a crash.
Status WriteFileAtomic(const std::string& staging_dir, const fs::path& path,
                       std::string_view content, bool durable);
// Reads a whole file of at most `max` bytes (kNotFound when absent, kTooLarge when bigger).
Result<std::string> ReadSmallFile(const fs::path& path, uint64_t max);
void FsyncDir(const fs::path& dir);
// A random 32-hex-digit identifier.
std::string RandomId();

class Storage::Impl {
 public:
  explicit Impl(StorageOptions options);

  StorageOptions options;
  fs::path root, blobs, repos, uploads, tmp;
  std::string gc_lock_path;

  fs::path BlobPath(const Digest& d) const {
    return blobs / d.algorithm / d.encoded.substr(0, 2) / d.encoded;
  }
  fs::path RepoDir(std::string_view repo) const { return repos / std::string(repo); }
  fs::path LayerLink(std::string_view repo, const Digest& d) const {
    return RepoDir(repo) / "_layers" / d.algorithm / d.encoded;
  }
  fs::path RevisionLink(std::string_view repo, const Digest& d) const {
    return RepoDir(repo) / "_manifests" / "revisions" / d.algorithm / d.encoded;
  }
  fs::path TagDir(std::string_view repo) const { return RepoDir(repo) / "_manifests" / "tags"; }
  fs::path ReferrerDir(std::string_view repo, const Digest& subject) const {
    return RepoDir(repo) / "_referrers" / subject.algorithm / subject.encoded;
  }
  fs::path UploadDir(std::string_view id) const { return uploads / std::string(id); }

  bool RepoHasBlob(std::string_view repo, const Digest& d) const;
  // kNotFound unless `id` is a well-formed upload id belonging to `repo`.
  Status CheckUpload(std::string_view repo, std::string_view id) const;

  std::mutex mu;  // guards uploads_state
  struct UploadEntry {
    std::unique_ptr<UploadWriter::State> state;
    bool busy = false;
  };
  std::unordered_map<std::string, UploadEntry> uploads_state;
};

}  // namespace carrier::registry
