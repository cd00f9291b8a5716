#include "registry/storage.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "registry/storage_impl.h"

namespace carrier::registry {

namespace {

constexpr uint64_t kMaxManifestFile = 64ull << 20;
constexpr uint64_t kWritebackStep = 8ull << 20;  // start writeback every 8 MiB of upload

bool IsUploadId(std::string_view id) {
  return id.size() == 32 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status Errno(const std::string& what) {
  return Internal(what + ": " + std::strerror(errno));
}

bool Exists(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// Refreshes a blob's modification time when it is older than a minute, so that GC's grace
// period protects a blob a client was just told exists.
void Freshen(const fs::path& p, const std::string& lock_path) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return;
  if (st.st_mtime + 60 > ::time(nullptr)) return;
  GcLock lock(lock_path, false);
  ::utimensat(AT_FDCWD, p.c_str(), nullptr, 0);
}

}  // namespace

GcLock::GcLock(const std::string& path, bool exclusive) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return;
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
  }
}

GcLock::~GcLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

void FsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string RandomId() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

Status WriteFileAtomic(const std::string& staging_dir, const fs::path& path,
                       std::string_view content, bool durable) {
  std::string tmp = staging_dir + "/" + RandomId();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + tmp);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = Errno("write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return st;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status st = Errno("fsync " + tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  ::close(fd);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Errno("rename to " + path.string());
    ::unlink(tmp.c_str());
    return st;
  }
  if (durable) FsyncDir(path.parent_path());
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const fs::path& path, uint64_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound(path.string());
    return Errno("open " + path.string());
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) > max) {
    ::close(fd);
    return Status(Code::kTooLarge, path.string() + " is too large");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Storage::Impl::Impl(StorageOptions opt)
    : options(std::move(opt)),
      root(options.root),
      blobs(root / "blobs"),
      repos(root / "repositories"),
      uploads(root / "uploads"),
      tmp(root / "tmp"),
      gc_lock_path((root / "gc.lock").string()) {}

bool Storage::Impl::RepoHasBlob(std::string_view repo, const Digest& d) const {
  return Exists(LayerLink(repo, d)) && Exists(BlobPath(d));
}

Status Storage::Impl::CheckUpload(std::string_view repo, std::string_view id) const {
  if (!IsUploadId(id)) return NotFound("unknown upload");
  auto owner = ReadSmallFile(UploadDir(id) / "repository", 4096);
  if (!owner.ok() || *owner != repo) return NotFound("unknown upload");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------

Storage::Storage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Storage::~Storage() = default;

Result<std::unique_ptr<Storage>> Storage::Open(const StorageOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  std::error_code ec;
  for (const auto& dir : {impl->blobs, impl->repos, impl->uploads, impl->tmp}) {
    fs::create_directories(dir, ec);
    if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  }
  // Staging files are only ever half-written leftovers of a crash.
  for (const auto& entry : fs::directory_iterator(impl->tmp, ec)) fs::remove(entry.path(), ec);
  return std::unique_ptr<Storage>(new Storage(std::move(impl)));
}

const std::string& Storage::root() const { return impl_->options.root; }

Result<OpenedBlob> Storage::OpenBlob(std::string_view repo, const Digest& digest) {
  if (!Exists(impl_->LayerLink(repo, digest)) && !Exists(impl_->RevisionLink(repo, digest))) {
    return NotFound("blob unknown to repository");
  }
  int fd = ::open(impl_->BlobPath(digest).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("blob unknown");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("fstat");
  }
  return OpenedBlob{fd, static_cast<uint64_t>(st.st_size)};
}

Result<uint64_t> Storage::StatBlob(std::string_view repo, const Digest& digest) {
  if (!Exists(impl_->LayerLink(repo, digest)) && !Exists(impl_->RevisionLink(repo, digest))) {
    return NotFound("blob unknown to repository");
  }
  fs::path p = impl_->BlobPath(digest);
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return NotFound("blob unknown");
  Freshen(p, impl_->gc_lock_path);
  return static_cast<uint64_t>(st.st_size);
}

Status Storage::MountBlob(std::string_view repo, std::string_view from, const Digest& digest) {
  GcLock lock(impl_->gc_lock_path, false);
  if (!impl_->RepoHasBlob(from, digest)) return NotFound("blob unknown to source repository");
  ::utimensat(AT_FDCWD, impl_->BlobPath(digest).c_str(), nullptr, 0);
  return WriteFileAtomic(impl_->tmp, impl_->LayerLink(repo, digest), "", false);
}

Status Storage::UnlinkBlob(std::string_view repo, const Digest& digest) {
  if (::unlink(impl_->LayerLink(repo, digest).c_str()) != 0) {
    return NotFound("blob unknown to repository");
  }
  return Status::Ok();
}

// --- uploads -------------------------------------------------------------------------

UploadWriter::UploadWriter(Storage* storage, std::string id, int fd, uint64_t size,
                           std::unique_ptr<State> state)
    : storage_(storage), id_(std::move(id)), fd_(fd), size_(size), state_(std::move(state)) {}

UploadWriter::~UploadWriter() {
  ::close(fd_);
  auto& impl = *storage_->impl_;
  std::lock_guard lock(impl.mu);
  auto it = impl.uploads_state.find(id_);
  if (it == impl.uploads_state.end()) return;
  if (state_ && state_->sha256) state_->hashed = size_;
  it->second.state = std::move(state_);
  it->second.busy = false;
}

Status UploadWriter::Write(std::string_view chunk) {
  uint64_t max = storage_->impl_->options.max_blob_bytes;
  if (max > 0 && size_ + chunk.size() > max) {
    return Status(Code::kTooLarge, "blob exceeds the limit of " + std::to_string(max) + " bytes");
  }
  const char* p = chunk.data();
  size_t left = chunk.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = Errno("upload write");
      // Keep the upload consistent with what was hashed: drop the partial chunk.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) state_.reset();
      return st;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (state_ && state_->sha256) state_->sha256->Update(chunk);
  size_ += chunk.size();
  if (size_ - synced_ >= kWritebackStep) {
    // Start writeback now so that the fsync at completion has little left to do.
    ::sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(size_ - synced_),
                      SYNC_FILE_RANGE_WRITE);
    synced_ = size_;
  }
  return Status::Ok();
}

Result<std::string> Storage::StartUpload(std::string_view repo) {
  std::string id = RandomId();
  fs::path dir = impl_->UploadDir(id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create upload: " + ec.message());
  int fd = ::open((dir / "data").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create upload");
  ::close(fd);
  CARRIER_RETURN_IF_ERROR(WriteFileAtomic(impl_->tmp, dir / "repository", repo, false));
  auto state = std::make_unique<UploadWriter::State>();
  auto hasher = DigestHasher::Create("sha256");
  if (hasher.ok()) state->sha256.emplace(std::move(hasher).value());
  std::lock_guard lock(impl_->mu);
  impl_->uploads_state[id].state = std::move(state);
  return id;
}

Result<uint64_t> Storage::UploadSize(std::string_view repo, std::string_view id) {
  CARRIER_RETURN_IF_ERROR(impl_->CheckUpload(repo, id));
  struct stat st;
  if (::stat((impl_->UploadDir(id) / "data").c_str(), &st) != 0) return NotFound("unknown upload");
  return static_cast<uint64_t>(st.st_size);
}

Result<std::unique_ptr<UploadWriter>> Storage::AppendToUpload(
    std::string_view repo, std::string_view id, std::optional<uint64_t> expected_offset) {
  CARRIER_RETURN_IF_ERROR(impl_->CheckUpload(repo, id));
  std::string key(id);
  std::unique_ptr<UploadWriter::State> state;
  {
    std::lock_guard lock(impl_->mu);
    auto& entry = impl_->uploads_state[key];
    if (entry.busy) return Conflict("another request is writing to this upload");
    entry.busy = true;
    state = std::move(entry.state);
  }
  auto release = [&] {
    std::lock_guard lock(impl_->mu);
    auto& entry = impl_->uploads_state[key];
    entry.busy = false;
    entry.state = std::move(state);
  };
  int fd = ::open((impl_->UploadDir(id) / "data").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    release();
    return NotFound("unknown upload");
  }
  struct stat st;
  ::fstat(fd, &st);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (expected_offset && *expected_offset != size) {
    ::close(fd);
    release();
    return Conflict("chunk starts at " + std::to_string(*expected_offset) +
                    " but the upload has " + std::to_string(size) + " bytes");
  }
  if (!state || !state->sha256 || state->hashed != size) {
    // The running hash does not cover the file (e.g. after a restart): rehash at the end.
    state = std::make_unique<UploadWriter::State>();
  }
  return std::unique_ptr<UploadWriter>(new UploadWriter(this, key, fd, size, std::move(state)));
}

Result<uint64_t> Storage::CompleteUpload(std::string_view repo, std::string_view id,
                                         const Digest& expected) {
  CARRIER_RETURN_IF_ERROR(impl_->CheckUpload(repo, id));
  std::string key(id);
  std::unique_ptr<UploadWriter::State> state;
  {
    std::lock_guard lock(impl_->mu);
    auto& entry = impl_->uploads_state[key];
    if (entry.busy) return Conflict("another request is writing to this upload");
    entry.busy = true;
    state = std::move(entry.state);
  }
  fs::path dir = impl_->UploadDir(id);
  fs::path data = dir / "data";
  auto finish = [&](bool remove_upload) {
    std::lock_guard lock(impl_->mu);
    if (remove_upload) {
      impl_->uploads_state.erase(key);
      std::error_code ec;
      fs::remove_all(dir, ec);
    } else {
      auto& entry = impl_->uploads_state[key];
      entry.busy = false;
      entry.state = std::move(state);
    }
  };
  int fd = ::open(data.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    finish(false);
    return NotFound("unknown upload");
  }
  struct stat st;
  ::fstat(fd, &st);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  Digest actual;
  if (expected.algorithm == "sha256" && state && state->sha256 && state->hashed == size) {
    actual = state->sha256->Finish();
    state.reset();
  } else {
    auto hasher = DigestHasher::Create(expected.algorithm);
    if (!hasher.ok()) {
      ::close(fd);
      finish(false);
      return hasher.status();
    }
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status s = Errno("read upload");
        ::close(fd);
        finish(false);
        return s;
      }
      if (n == 0) break;
      hasher->Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    actual = hasher->Finish();
  }
  if (!(actual == expected)) {
    ::close(fd);
    finish(true);
    return InvalidArgument("digest mismatch: the upload's content is " + actual.ToString());
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("fsync upload");
    ::close(fd);
    finish(false);
    return s;
  }
  ::close(fd);
  {
    GcLock lock(impl_->gc_lock_path, false);
    fs::path target = impl_->BlobPath(expected);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (::rename(data.c_str(), target.c_str()) != 0) {
      Status s = Errno("publish blob");
      finish(false);
      return s;
    }
    FsyncDir(target.parent_path());
    Status s = WriteFileAtomic(impl_->tmp, impl_->LayerLink(repo, expected), "", false);
    if (!s.ok()) {
      finish(true);
      return s;
    }
  }
  finish(true);
  return size;
}

Status Storage::CancelUpload(std::string_view repo, std::string_view id) {
  CARRIER_RETURN_IF_ERROR(impl_->CheckUpload(repo, id));
  std::lock_guard lock(impl_->mu);
  impl_->uploads_state.erase(std::string(id));
  std::error_code ec;
  fs::remove_all(impl_->UploadDir(id), ec);
  return Status::Ok();
}

// --- manifests and tags ------------------------------------------------------------

Status Storage::PutManifest(std::string_view repo, const Digest& digest, std::string_view bytes,
                            const ManifestInfo& info, const std::vector<std::string>& tags) {
  GcLock lock(impl_->gc_lock_path, false);
  for (const auto& blob : info.blobs) {
    if (!impl_->RepoHasBlob(repo, blob)) return NotFound("blob unknown: " + blob.ToString());
  }
  fs::path blob_path = impl_->BlobPath(digest);
  if (!Exists(blob_path)) {
    CARRIER_RETURN_IF_ERROR(WriteFileAtomic(impl_->tmp, blob_path, bytes, true));
  } else {
    ::utimensat(AT_FDCWD, blob_path.c_str(), nullptr, 0);
  }
  CARRIER_RETURN_IF_ERROR(
      WriteFileAtomic(impl_->tmp, impl_->RevisionLink(repo, digest), info.media_type, false));
  if (info.subject) {
    std::string descriptor = ReferrerDescriptor(info, digest, bytes.size());
    fs::path entry = impl_->ReferrerDir(repo, *info.subject) / (digest.algorithm + "-" + digest.encoded);
    CARRIER_RETURN_IF_ERROR(WriteFileAtomic(impl_->tmp, entry, descriptor, false));
  }
  for (const auto& tag : tags) {
    CARRIER_RETURN_IF_ERROR(
        WriteFileAtomic(impl_->tmp, impl_->TagDir(repo) / tag, digest.ToString(), true));
  }
  return Status::Ok();
}

Result<Digest> Storage::ResolveTag(std::string_view repo, std::string_view tag) {
  auto text = ReadSmallFile(impl_->TagDir(repo) / std::string(tag), 4096);
  if (!text.ok()) return NotFound("manifest unknown");
  auto d = ParseDigest(*text);
  if (!d.ok()) return DataLoss("tag file holds a bad digest");
  if (!HasManifest(repo, *d)) return NotFound("manifest unknown");
  return d;
}

bool Storage::HasManifest(std::string_view repo, const Digest& digest) {
  return Exists(impl_->RevisionLink(repo, digest)) && Exists(impl_->BlobPath(digest));
}

Result<StoredManifest> Storage::GetManifest(std::string_view repo, const Digest& digest) {
  auto media_type = ReadSmallFile(impl_->RevisionLink(repo, digest), 4096);
  if (!media_type.ok()) return NotFound("manifest unknown");
  auto bytes = ReadSmallFile(impl_->BlobPath(digest), kMaxManifestFile);
  if (!bytes.ok()) return NotFound("manifest unknown");
  return StoredManifest{std::move(media_type).value(), std::move(bytes).value()};
}

Status Storage::DeleteManifest(std::string_view repo, const Digest& digest) {
  GcLock lock(impl_->gc_lock_path, false);
  auto stored = GetManifest(repo, digest);
  if (!stored.ok()) return stored.status();
  auto info = ParseManifest(stored->media_type, stored->bytes);
  if (info.ok() && info->subject) {
    fs::path entry =
        impl_->ReferrerDir(repo, *info->subject) / (digest.algorithm + "-" + digest.encoded);
    ::unlink(entry.c_str());
  }
  std::error_code ec;
  std::string text = digest.ToString();
  for (const auto& entry : fs::directory_iterator(impl_->TagDir(repo), ec)) {
    auto target = ReadSmallFile(entry.path(), 4096);
    if (target.ok() && *target == text) ::unlink(entry.path().c_str());
  }
  if (::unlink(impl_->RevisionLink(repo, digest).c_str()) != 0) {
    return NotFound("manifest unknown");
  }
  return Status::Ok();
}

Status Storage::DeleteTag(std::string_view repo, std::string_view tag) {
  if (::unlink((impl_->TagDir(repo) / std::string(tag)).c_str()) != 0) {
    return NotFound("manifest unknown");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Storage::ListTags(std::string_view repo) {
  if (!fs::is_directory(impl_->RepoDir(repo))) return NotFound("repository unknown");
  std::vector<std::string> tags;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(impl_->TagDir(repo), ec)) {
    tags.push_back(entry.path().filename().string());
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}

std::vector<std::string> Storage::ListRepositories() {
  std::vector<std::string> out;
  std::function<void(const fs::path&, const std::string&)> walk =
      [&](const fs::path& dir, const std::string& prefix) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
          std::string name = entry.path().filename().string();
          if (!entry.is_directory(ec) || name.empty()) continue;
          if (name == "_manifests") {
            out.push_back(prefix);
          } else if (name[0] != '_') {
            walk(entry.path(), prefix.empty() ? name : prefix + "/" + name);
          }
        }
      };
  walk(impl_->repos, "");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Storage::Referrers(std::string_view repo, const Digest& subject) {
  std::vector<std::pair<std::string, std::string>> found;  // (file name, descriptor)
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(impl_->ReferrerDir(repo, subject), ec)) {
    std::string name = entry.path().filename().string();
    size_t dash = name.find('-');
    if (dash == std::string::npos) continue;
    Digest d{name.substr(0, dash), name.substr(dash + 1)};
    if (!HasManifest(repo, d)) continue;
    auto descriptor = ReadSmallFile(entry.path(), 1 << 20);
    if (descriptor.ok()) found.emplace_back(name, std::move(descriptor).value());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [n, d] : found) out.push_back(std::move(d));
  return out;
}

}  // namespace carrier::registry
