#include "registry/storage.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "registry/manifest.h"
#include "registry_fixture.h"

namespace carrier::registry {
namespace {

namespace fs = std::filesystem;

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("storage");
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen(uint64_t max_blob = 0) {
    store_.reset();
    auto s = Storage::Open({(dir_ / "data").string(), max_blob});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  Digest Push(const std::string& repo, const std::string& data) {
    auto id = store_->StartUpload(repo);
    EXPECT_TRUE(id.ok());
    {
      auto w = store_->AppendToUpload(repo, *id, std::nullopt);
      EXPECT_TRUE(w.ok()) << w.status().ToString();
      EXPECT_TRUE((*w)->Write(data).ok());
    }
    Digest d = ComputeDigest("sha256", data);
    auto done = store_->CompleteUpload(repo, *id, d);
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    return d;
  }

  // Stores an image manifest over config + layers already pushed to `repo`.
  Digest PutImage(const std::string& repo, const std::string& tag, const std::string& config,
                  const std::vector<std::string>& layers, Status* status = nullptr) {
    std::string m = testing::ImageManifest(config, layers);
    auto info = ParseManifest(kOciManifest, m);
    EXPECT_TRUE(info.ok());
    Digest d = ComputeDigest("sha256", m);
    Status st = store_->PutManifest(repo, d, m, *info, {tag});
    if (status) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return d;
  }

  fs::path BlobFile(const Digest& d) {
    return dir_ / "data" / "blobs" / d.algorithm / d.encoded.substr(0, 2) / d.encoded;
  }

  static void Age(const fs::path& p, int seconds) {
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = ::time(nullptr) - seconds;
    times[0].tv_nsec = times[1].tv_nsec = 0;
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0) << p;
  }

  fs::path dir_;
  std::unique_ptr<Storage> store_;
};

TEST_F(StorageTest, BlobIsInvisibleUntilTheUploadCompletes) {
  std::string data(5 << 20, 'x');
  Digest d = ComputeDigest("sha256", data);
  auto id = store_->StartUpload("repo");
  ASSERT_TRUE(id.ok());
  {
    auto w = store_->AppendToUpload("repo", *id, std::nullopt);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(std::string_view(data).substr(0, 1 << 20)).ok());
    EXPECT_FALSE(fs::exists(BlobFile(d)));
    ASSERT_TRUE((*w)->Write(std::string_view(data).substr(1 << 20)).ok());
  }
  EXPECT_FALSE(fs::exists(BlobFile(d)));
  EXPECT_FALSE(store_->StatBlob("repo", d).ok());
  ASSERT_TRUE(store_->CompleteUpload("repo", *id, d).ok());
  EXPECT_TRUE(fs::exists(BlobFile(d)));
  EXPECT_EQ(store_->StatBlob("repo", d).value(), data.size());
  EXPECT_FALSE(fs::exists(dir_ / "data" / "uploads" / *id));
  // The upload is gone once completed.
  EXPECT_EQ(store_->UploadSize("repo", *id).status().code(), Code::kNotFound);
}

TEST_F(StorageTest, DigestMismatchRemovesTheUploadAndStoresNothing) {
  auto id = store_->StartUpload("repo");
  {
    auto w = store_->AppendToUpload("repo", *id, std::nullopt);
    ASSERT_TRUE((*w)->Write("content").ok());
  }
  Digest wrong = ComputeDigest("sha256", "other");
  auto done = store_->CompleteUpload("repo", *id, wrong);
  EXPECT_EQ(done.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(fs::exists(BlobFile(wrong)));
  EXPECT_FALSE(fs::exists(BlobFile(ComputeDigest("sha256", "content"))));
  EXPECT_EQ(store_->UploadSize("repo", *id).status().code(), Code::kNotFound);
}

TEST_F(StorageTest, UploadsResumeAcrossRestartsAndVerifyBothAlgorithms) {
  auto id = store_->StartUpload("repo");
  {
    auto w = store_->AppendToUpload("repo", *id, 0);
    ASSERT_TRUE((*w)->Write("first half;").ok());
  }
  Reopen();  // the in-memory hash state is lost: the file is rehashed at completion
  EXPECT_EQ(store_->UploadSize("repo", *id).value(), 11u);
  EXPECT_EQ(store_->AppendToUpload("repo", *id, 5).status().code(), Code::kConflict);
  {
    auto w = store_->AppendToUpload("repo", *id, 11);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("second half").ok());
  }
  Digest d = ComputeDigest("sha512", "first half;second half");
  ASSERT_TRUE(store_->CompleteUpload("repo", *id, d).ok());
  auto blob = store_->OpenBlob("repo", d);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size, 22u);
  ::close(blob->fd);
}

TEST_F(StorageTest, OneWriterPerUploadAndUnknownIdsAreRejected) {
  auto id = store_->StartUpload("repo");
  auto first = store_->AppendToUpload("repo", *id, std::nullopt);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(store_->AppendToUpload("repo", *id, std::nullopt).status().code(), Code::kConflict);
  EXPECT_EQ(store_->CompleteUpload("repo", *id, ComputeDigest("sha256", "")).status().code(),
            Code::kConflict);
  first->reset();
  EXPECT_TRUE(store_->AppendToUpload("repo", *id, std::nullopt).ok());
  EXPECT_EQ(store_->UploadSize("other", *id).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->UploadSize("repo", "../../etc/passwd").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->CancelUpload("repo", "0123").code(), Code::kNotFound);
}

TEST_F(StorageTest, BlobSizeLimit) {
  Reopen(10);
  auto id = store_->StartUpload("repo");
  auto w = store_->AppendToUpload("repo", *id, std::nullopt);
  EXPECT_TRUE((*w)->Write("0123456789").ok());
  EXPECT_EQ((*w)->Write("x").code(), Code::kTooLarge);
  EXPECT_EQ((*w)->size(), 10u);
}

TEST_F(StorageTest, ConcurrentPushesOfTheSameBlobAreSafe) {
  std::string data(2 << 20, 'c');
  Digest d = ComputeDigest("sha256", data);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      std::string repo = "repo" + std::to_string(i % 3);
      auto id = store_->StartUpload(repo);
      if (!id.ok()) return;
      {
        auto w = store_->AppendToUpload(repo, *id, std::nullopt);
        if (!w.ok()) return;
        for (size_t off = 0; off < data.size(); off += 100000) {
          if (!(*w)->Write(std::string_view(data).substr(off, 100000)).ok()) return;
        }
      }
      if (store_->CompleteUpload(repo, *id, d).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  for (int i = 0; i < 3; ++i) {
    auto blob = store_->OpenBlob("repo" + std::to_string(i), d);
    ASSERT_TRUE(blob.ok());
    std::string back(blob->size, '\0');
    ASSERT_EQ(::pread(blob->fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
    ::close(blob->fd);
    EXPECT_TRUE(back == data);
  }
}

TEST_F(StorageTest, ManifestsTagsReferrersAndDeletes) {
  Push("app", "cfg");
  Push("app", "layer");
  Status missing;
  PutImage("app", "bad", "cfg", {"absent"}, &missing);
  EXPECT_EQ(missing.code(), Code::kNotFound);
  Digest m = PutImage("app", "v1", "cfg", {"layer"});
  EXPECT_EQ(store_->ResolveTag("app", "v1").value(), m);
  EXPECT_TRUE(store_->HasManifest("app", m));
  EXPECT_FALSE(store_->HasManifest("other", m));
  EXPECT_EQ(store_->ListTags("app").value(), std::vector<std::string>{"v1"});
  EXPECT_EQ(store_->ListTags("nothing").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ListRepositories(), std::vector<std::string>{"app"});
  ASSERT_TRUE(store_->DeleteManifest("app", m).ok());
  EXPECT_FALSE(store_->ResolveTag("app", "v1").ok());
  EXPECT_EQ(store_->DeleteManifest("app", m).code(), Code::kNotFound);
}

TEST_F(StorageTest, GcSweepsUnreferencedBlobsOnly) {
  Push("app", "cfg");
  Push("app", "layer");
  Digest orphan = Push("app", "orphan");
  Digest m = PutImage("app", "v1", "cfg", {"layer"});
  Digest untagged = PutImage("app", "v2", "cfg", {});
  ASSERT_TRUE(store_->DeleteTag("app", "v2").ok());
  for (const char* content : {"cfg", "layer", "orphan"}) Age(BlobFile(ComputeDigest("sha256", content)), 7200);
  Age(BlobFile(m), 7200);
  Age(BlobFile(untagged), 7200);

  GcOptions dry;
  dry.dry_run = true;
  auto report = store_->CollectGarbage(dry);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->blobs_deleted, 1u);
  EXPECT_TRUE(fs::exists(BlobFile(orphan)));

  report = store_->CollectGarbage({});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->blobs_deleted, 1u);
  EXPECT_EQ(report->bytes_freed, 6u);
  EXPECT_EQ(report->links_deleted, 1u);
  EXPECT_FALSE(fs::exists(BlobFile(orphan)));
  EXPECT_EQ(store_->StatBlob("app", orphan).status().code(), Code::kNotFound);
  // Kept: both manifests (one only by digest), their config and layer.
  for (const auto& d : {m, untagged, ComputeDigest("sha256", "cfg"), ComputeDigest("sha256", "layer")}) {
    EXPECT_TRUE(fs::exists(BlobFile(d))) << d.ToString();
  }
  // Once the manifests go, their blobs go too.
  ASSERT_TRUE(store_->DeleteManifest("app", m).ok());
  ASSERT_TRUE(store_->DeleteManifest("app", untagged).ok());
  report = store_->CollectGarbage({});
  EXPECT_EQ(report->blobs_deleted, 4u);
}

TEST_F(StorageTest, GcGracePeriodProtectsFreshBlobsAndUploads) {
  Digest fresh = Push("app", "just pushed");
  auto upload = store_->StartUpload("app");
  auto stale = store_->StartUpload("app");
  Age(dir_ / "data" / "uploads" / *stale / "data", 100000);
  auto report = store_->CollectGarbage({});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->blobs_deleted, 0u);
  EXPECT_EQ(report->blobs_kept_by_grace, 1u);
  EXPECT_EQ(report->uploads_deleted, 1u);
  EXPECT_TRUE(fs::exists(BlobFile(fresh)));
  EXPECT_TRUE(store_->UploadSize("app", *upload).ok());
  EXPECT_FALSE(store_->UploadSize("app", *stale).ok());
  // Telling a client the blob exists (HEAD) refreshes it.
  Age(BlobFile(fresh), 7200);
  ASSERT_TRUE(store_->StatBlob("app", fresh).ok());
  EXPECT_EQ(store_->CollectGarbage({})->blobs_deleted, 0u);
}

TEST_F(StorageTest, GcWhilePushingNeverLeavesAManifestWithMissingBlobs) {
  std::atomic<bool> stop{false};
  GcOptions aggressive;
  aggressive.blob_grace = std::chrono::seconds(0);  // the worst case: no grace at all
  std::thread gc([&] {
    while (!stop) ASSERT_TRUE(store_->CollectGarbage(aggressive).ok());
  });
  std::vector<Digest> stored;
  for (int i = 0; i < 40; ++i) {
    std::string cfg = "cfg" + std::to_string(i), layer = "layer" + std::to_string(i);
    Push("app", cfg);
    Push("app", layer);
    Status st;
    Digest m = PutImage("app", "t" + std::to_string(i), cfg, {layer}, &st);
    // Without grace a push may lose the race and be told to upload again; never worse.
    if (st.ok()) {
      stored.push_back(m);
    } else {
      EXPECT_EQ(st.code(), Code::kNotFound) << st.ToString();
    }
  }
  stop = true;
  gc.join();
  ASSERT_TRUE(store_->CollectGarbage(aggressive).ok());
  for (const auto& m : stored) {
    auto manifest = store_->GetManifest("app", m);
    ASSERT_TRUE(manifest.ok());
    auto info = ParseManifest(manifest->media_type, manifest->bytes);
    ASSERT_TRUE(info.ok());
    for (const auto& b : info->blobs) EXPECT_TRUE(fs::exists(BlobFile(b))) << b.ToString();
  }
}

TEST(ManifestTest, ParsesImagesIndexesAndArtifacts) {
  std::string d1 = ComputeDigest("sha256", "a").ToString(), d2 = ComputeDigest("sha256", "b").ToString();
  auto image = ParseManifest(
      "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
      R"({"schemaVersion":2,"config":{"mediaType":"application/x.cfg","digest":")" + d1 +
          R"(","size":1},"layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":")" +
          d2 + R"(","size":1,"urls":["https://x"]}],"subject":{"mediaType":"m","digest":")" + d2 +
          R"(","size":1},"annotations":{"a":"b"}})");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->media_type, kOciManifest);
  EXPECT_EQ(image->blobs.size(), 1u);
  EXPECT_EQ(image->optional_blobs.size(), 1u);
  EXPECT_EQ(image->artifact_type, "application/x.cfg");
  ASSERT_TRUE(image->subject.has_value());
  EXPECT_EQ(image->annotations_json, R"({"a":"b"})");
  auto index = ParseManifest("", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":")" +
                                     d1 + R"(","size":3}]})");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->manifests.size(), 1u);
  EXPECT_TRUE(index->artifact_type.empty());
  EXPECT_FALSE(ParseManifest(kOciManifest, "[]").ok());
  EXPECT_FALSE(ParseManifest("", "{}").ok());
  EXPECT_FALSE(ParseManifest(kOciManifest, R"({"schemaVersion":2,"config":{"digest":"sha256:zz"}})").ok());
  EXPECT_FALSE(ParseManifest(kOciManifest, R"({"schemaVersion":1,"config":{"digest":")" + d1 + "\"}}").ok());
  EXPECT_FALSE(ParseManifest(kOciIndex, R"({"schemaVersion":2})").ok());
}

}  // namespace
}  // namespace carrier::registry
