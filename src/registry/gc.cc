// Garbage collection: mark and sweep of blobs no manifest needs.
//
// Roots are every manifest a repository holds (tagged or kept by digest). Marked: those
// manifests' own bytes, their config and layers, and the children of indexes. Swept: any
// other blob whose modification time is older than the grace period, the repository links
// that pointed at swept blobs, and uploads idle for longer than the upload TTL.
//
// Safety while pushes run (in-process or from another process on the same data folder):
//   - GC holds gc.lock exclusively for mark and sweep; every writer (manifest PUT, upload
//     completion, mount) holds it shared. A manifest is therefore either stored before the
//     mark (its blobs are marked) or after the sweep (its blobs are checked to exist when it
//     is stored, so a manifest never points at a swept blob).
//   - Blobs younger than the grace period are never swept, and telling a client a blob
//     exists (HEAD, mount, upload of existing content) refreshes its time. A client that
//     waits longer than the grace period between learning a blob exists and pushing the
//     manifest that needs it may get MANIFEST_BLOB_UNKNOWN and must upload the blob again;
//     it never gets a manifest with a missing blob.
//   - Uploads in progress are only removed after the upload TTL without any write.
#include <sys/stat.h>
#include <unistd.h>

#include <unordered_set>

#include "registry/storage.h"
#include "registry/storage_impl.h"

namespace carrier::registry {

namespace {

bool OlderThan(const fs::path& p, std::chrono::seconds age) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return false;
  return st.st_mtime + age.count() < ::time(nullptr);
}

// Repository folders (relative names) found under `repos`.
void FindRepositories(const fs::path& dir, std::vector<fs::path>& out) {
  std::error_code ec;
  bool is_repo = false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    std::string name = entry.path().filename().string();
    if (!name.empty() && name[0] == '_') {
      is_repo = true;
    } else {
      FindRepositories(entry.path(), out);
    }
  }
  if (is_repo) out.push_back(dir);
}

}  // namespace

Result<GcReport> Storage::CollectGarbage(const GcOptions& options) {
  Impl& s = *impl_;
  GcLock lock(s.gc_lock_path, true);
  if (!lock.ok()) return Internal("cannot take " + s.gc_lock_path);
  GcReport report;
  std::vector<fs::path> repos;
  FindRepositories(s.repos, repos);

  // Mark.
  std::unordered_set<std::string> marked;  // "<alg>:<hex>"
  for (const auto& repo : repos) {
    std::error_code ec;
    fs::path revisions = repo / "_manifests" / "revisions";
    for (const auto& alg : fs::directory_iterator(revisions, ec)) {
      for (const auto& rev : fs::directory_iterator(alg.path(), ec)) {
        Digest d{alg.path().filename().string(), rev.path().filename().string()};
        marked.insert(d.ToString());
        auto media_type = ReadSmallFile(rev.path(), 4096);
        auto bytes = ReadSmallFile(s.BlobPath(d), 64ull << 20);
        if (!media_type.ok() || !bytes.ok()) continue;
        auto info = ParseManifest(*media_type, *bytes);
        if (!info.ok()) continue;
        for (const auto* list : {&info->blobs, &info->optional_blobs, &info->manifests}) {
          for (const auto& ref : *list) marked.insert(ref.ToString());
        }
      }
    }
  }
  report.blobs_marked = marked.size();

  // Sweep blobs.
  std::error_code ec;
  for (const auto& alg : fs::directory_iterator(s.blobs, ec)) {
    for (const auto& prefix : fs::directory_iterator(alg.path(), ec)) {
      for (const auto& blob : fs::directory_iterator(prefix.path(), ec)) {
        std::string key = alg.path().filename().string() + ":" + blob.path().filename().string();
        if (marked.count(key)) continue;
        if (!OlderThan(blob.path(), options.blob_grace)) {
          ++report.blobs_kept_by_grace;
          continue;
        }
        struct stat st;
        uint64_t size = ::stat(blob.path().c_str(), &st) == 0 ? st.st_size : 0;
        if (!options.dry_run && ::unlink(blob.path().c_str()) != 0) continue;
        ++report.blobs_deleted;
        report.bytes_freed += size;
      }
    }
  }

  // Links to blobs that are gone.
  for (const auto& repo : repos) {
    for (const auto& alg : fs::directory_iterator(repo / "_layers", ec)) {
      for (const auto& link : fs::directory_iterator(alg.path(), ec)) {
        Digest d{alg.path().filename().string(), link.path().filename().string()};
        struct stat st;
        if (::stat(s.BlobPath(d).c_str(), &st) == 0) continue;
        if (!options.dry_run) ::unlink(link.path().c_str());
        ++report.links_deleted;
      }
    }
  }

  // Abandoned uploads.
  for (const auto& upload : fs::directory_iterator(s.uploads, ec)) {
    fs::path data = upload.path() / "data";
    if (fs::exists(data, ec) ? !OlderThan(data, options.upload_ttl)
                             : !OlderThan(upload.path(), options.upload_ttl)) {
      continue;
    }
    if (!options.dry_run) {
      std::lock_guard guard(s.mu);
      s.uploads_state.erase(upload.path().filename().string());
      fs::remove_all(upload.path(), ec);
    }
    ++report.uploads_deleted;
  }
  return report;
}

}  // namespace carrier::registry
