#pragma once
// The registry's content on disk, under one data folder:
//   blobs/<alg>/<2 hex>/<hex>                 content-addressed bytes (layers, configs,
//                                             manifests), stored once for every repository
//   repositories/<name>/_layers/<alg>/<hex>   link: the repository may serve this blob
//   repositories/<name>/_manifests/revisions/<alg>/<hex>   link holding the media type
//   repositories/<name>/_manifests/tags/<tag> the digest the tag points at
//   repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex> descriptor of a referrer
//   uploads/<id>/{data,repository}            blob uploads in progress
//   tmp/                                      staging for atomic replacement
//   gc.lock                                   writers hold it shared, GC exclusive
// Every file becomes visible through rename(2) after fsync, so a crash never exposes a
// partial blob, tag or link. Concurrent uploads of the same blob are safe (identical bytes
// replace each other atomically). Names, tags and digests must be validated by the caller
// (registry/reference.h); upload ids are checked here.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/manifest.h"
#include "registry/reference.h"

namespace carrier::registry {

struct StorageOptions {
  std::string root;             // the data folder (created when missing)
  uint64_t max_blob_bytes = 0;  // largest blob an upload may grow to; 0: no limit
};

// An open blob (the descriptor is owned by the caller after release()).
struct OpenedBlob {
  int fd = -1;
  uint64_t size = 0;
};

struct StoredManifest {
  std::string media_type;
  std::string bytes;
};

class Storage;

// Appends one request's bytes to an upload, hashing them as they arrive. Destroying it
// records how far the upload got (the upload can be resumed from there).
class UploadWriter {
 public:
  ~UploadWriter();
  // kTooLarge past the blob size limit; kInternal on a disk error.
  Status Write(std::string_view chunk);
  uint64_t size() const { return size_; }

 private:
  friend class Storage;
  struct State;
  UploadWriter(Storage* storage, std::string id, int fd, uint64_t size,
               std::unique_ptr<State> state);
  Storage* storage_;
  std::string id_;
  int fd_;
  uint64_t size_;
  uint64_t synced_ = 0;
  std::unique_ptr<State> state_;
};

struct GcOptions {
  std::chrono::seconds blob_grace{3600};     // never sweep a blob modified more recently
  std::chrono::seconds upload_ttl{86400};    // uploads idle longer than this are removed
  bool dry_run = false;
};

struct GcReport {
  uint64_t blobs_marked = 0;
  uint64_t blobs_deleted = 0;
  uint64_t bytes_freed = 0;
  uint64_t blobs_kept_by_grace = 0;
  uint64_t uploads_deleted = 0;
  uint64_t links_deleted = 0;
};

class Storage {
 public:
  static Result<std::unique_ptr<Storage>> Open(const StorageOptions& options);
  ~Storage();

  const std::string& root() const;

  // --- blobs
  // The blob when `repo` may serve it (kNotFound otherwise). The caller owns the fd.
  Result<OpenedBlob> OpenBlob(std::string_view repo, const Digest& digest);
  // The size of a blob `repo` may serve (kNotFound otherwise). Refreshes the blob's
  // modification time so that a following manifest push finds it (see GcOptions).
  Result<uint64_t> StatBlob(std::string_view repo, const Digest& digest);
  // Lets `repo` serve an existing blob (cross-repository mount); kNotFound when the blob
  // does not exist or `from` may not serve it.
  Status MountBlob(std::string_view repo, std::string_view from, const Digest& digest);
  // Removes `repo`'s link to a blob (the bytes go at the next GC); kNotFound if not linked.
  Status UnlinkBlob(std::string_view repo, const Digest& digest);

  // --- uploads
  Result<std::string> StartUpload(std::string_view repo);
  // Bytes received so far; kNotFound for an unknown id or one of another repository.
  Result<uint64_t> UploadSize(std::string_view repo, std::string_view id);
  // Opens the upload for appending. With `expected_offset`, kFailedPrecondition-like
  // kConflict when it is not the current size; kConflict as well while another request
  // is appending to the same upload.
  Result<std::unique_ptr<UploadWriter>> AppendToUpload(std::string_view repo, std::string_view id,
                                                       std::optional<uint64_t> expected_offset);
  // Verifies the digest (kInvalidArgument on mismatch: the upload is removed), makes the
  // blob visible atomically, links it into `repo` and removes the upload.
  Result<uint64_t> CompleteUpload(std::string_view repo, std::string_view id,
                                  const Digest& expected);
  Status CancelUpload(std::string_view repo, std::string_view id);

  // --- manifests and tags
  // Stores a manifest whose referenced blobs the caller has checked, links it into `repo`,
  // records its subject's referrer entry and points `tags` at it.
  Status PutManifest(std::string_view repo, const Digest& digest, std::string_view bytes,
                     const ManifestInfo& info, const std::vector<std::string>& tags);
  Result<Digest> ResolveTag(std::string_view repo, std::string_view tag);
  bool HasManifest(std::string_view repo, const Digest& digest);
  Result<StoredManifest> GetManifest(std::string_view repo, const Digest& digest);
  // Removes a manifest from `repo` with every tag pointing at it and its referrer entry.
  Status DeleteManifest(std::string_view repo, const Digest& digest);
  Status DeleteTag(std::string_view repo, std::string_view tag);
  // Sorted tags; kNotFound when the repository does not exist.
  Result<std::vector<std::string>> ListTags(std::string_view repo);
  // Sorted names of repositories holding at least one manifest.
  std::vector<std::string> ListRepositories();
  // Descriptors (JSON objects) of the manifests in `repo` whose subject is `subject`.
  std::vector<std::string> Referrers(std::string_view repo, const Digest& subject);

  // --- garbage collection (mark and sweep; see gc.cc for the guarantees)
  Result<GcReport> CollectGarbage(const GcOptions& options);

  class Impl;

 private:
  friend class UploadWriter;
  explicit Storage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::registry
