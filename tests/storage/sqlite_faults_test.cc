// Bad input and faults for the SQLite backend: damaged database files are refused with
// Code::kDataLoss (never opened as an empty store, never modified), a full disk fails
// writes with Code::kResourceExhausted while earlier data stays intact, and an online
// snapshot taken while writers run restores to one consistent revision.
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/child_process.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"
#include "support/test_util.h"

namespace carrier::storage::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::unique_ptr<Store> Open(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  options.auto_compact = false;
  auto store = OpenSqliteStore(options);
  if (!store.ok()) {
    ADD_FAILURE() << path << ": " << store.status().ToString();
    return nullptr;
  }
  return std::move(*store);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A closed store of `keys` keys with 1 KiB values (several hundred KB, many pages), written
// 50 keys per Txn so that it takes few fsyncs.
void MakeStore(const std::string& path, int keys) {
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  for (int first = 0; first < keys; first += 50) {
    TxnRequest txn;
    for (int i = first; i < std::min(keys, first + 50); ++i) {
      txn.success.push_back(Op::Put("/data/" + std::to_string(i), std::string(1024, 'a' + i % 26)));
    }
    ASSERT_TRUE(store->Txn(txn).ok());
  }
}

// Opening `path` must fail with kDataLoss and leave the file exactly as it was.
void ExpectDataLoss(const std::string& path, const std::string& message_part) {
  const std::string before = ReadFile(path);
  SqliteOptions options;
  options.path = path;
  auto store = OpenSqliteStore(options);
  ASSERT_FALSE(store.ok()) << path << " opened (as an empty store?) instead of failing";
  EXPECT_EQ(store.status().code(), Code::kDataLoss) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr(message_part));
  EXPECT_THAT(store.status().message(), HasSubstr(path));
  EXPECT_TRUE(ReadFile(path) == before) << "a failed open changed " << path;
}

class SqliteDamagedFile : public ::testing::Test {
 protected:
  // One sound store for the whole suite; each test damages a copy of its bytes.
  static void SetUpTestSuite() {
    ScratchDir dir;
    MakeStore(dir.File("store.db"), 400);
    sound_ = new std::string(ReadFile(dir.File("store.db")));
  }
  static void TearDownTestSuite() {
    delete sound_;
    sound_ = nullptr;
  }
  void SetUp() override {
    path_ = dir_.File("store.db");
    bytes_ = *sound_;
    ASSERT_GT(bytes_.size(), 64u * 4096) << "expected a store of many pages";
    WriteFile(path_, bytes_);
    auto store = Open(path_);  // the undamaged copy opens
    ASSERT_NE(store, nullptr);
  }
  static std::string* sound_;
  ScratchDir dir_;
  std::string path_;
  std::string bytes_;
};

std::string* SqliteDamagedFile::sound_ = nullptr;

TEST_F(SqliteDamagedFile, TruncatedToHalfIsDataLoss) {
  WriteFile(path_, bytes_.substr(0, bytes_.size() / 2));
  ExpectDataLoss(path_, "truncated");
}

TEST_F(SqliteDamagedFile, LastPageMissingIsDataLoss) {
  WriteFile(path_, bytes_.substr(0, bytes_.size() - 4096));
  ExpectDataLoss(path_, "truncated");
}

TEST_F(SqliteDamagedFile, TruncatedToZeroBytesIsDataLoss) {
  WriteFile(path_, "");
  ExpectDataLoss(path_, "empty");
}

TEST_F(SqliteDamagedFile, TruncatedInsideTheHeaderIsDataLoss) {
  WriteFile(path_, bytes_.substr(0, 60));
  ExpectDataLoss(path_, "truncated");
}

TEST_F(SqliteDamagedFile, OverwrittenHeaderIsDataLoss) {
  std::string damaged = bytes_;
  for (size_t i = 0; i < 16; ++i) damaged[i] = static_cast<char>(0xA5);
  WriteFile(path_, damaged);
  ExpectDataLoss(path_, "not a Carrier store");
}

TEST_F(SqliteDamagedFile, DamagedPageSizeIsDataLoss) {
  std::string damaged = bytes_;
  damaged[16] = 0x03;  // page size 0x03?? is not a power of two
  damaged[17] = 0x07;
  WriteFile(path_, damaged);
  ExpectDataLoss(path_, "header");
}

TEST_F(SqliteDamagedFile, OverwrittenMiddlePagesAreDataLoss) {
  std::string damaged = bytes_;
  const size_t middle = (damaged.size() / 2) / 4096 * 4096;
  for (size_t i = middle; i < middle + 3 * 4096; ++i) {
    damaged[i] = static_cast<char>(0x5A ^ (i * 31));
  }
  WriteFile(path_, damaged);
  ExpectDataLoss(path_, "damaged");
}

TEST_F(SqliteDamagedFile, AFewBytesInTheMiddleAreDataLoss) {
  std::string damaged = bytes_;
  const size_t page = (damaged.size() / 2) / 4096 * 4096;
  // The b-tree page header: page type and cell count.
  for (size_t i = page; i < page + 8; ++i) damaged[i] = static_cast<char>(0xFF);
  WriteFile(path_, damaged);
  ExpectDataLoss(path_, "damaged");
}

TEST(SqliteBadFile, TextFileIsDataLoss) {
  ScratchDir dir;
  const std::string path = dir.File("store.db");
  WriteFile(path, std::string(8192, 'x'));
  ExpectDataLoss(path, "not a Carrier store");
}

TEST(SqliteBadFile, ForeignSqliteDatabaseIsDataLoss) {
  ScratchDir dir;
  const std::string path = dir.File("store.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  ExpectDataLoss(path, "not a Carrier store");
}

// --- a full disk -------------------------------------------------------------------------

TEST(SqliteDiskFull, WritesFailClearlyAndEarlierDataStays) {
  ScratchDir dir;
  const std::string path = dir.File("store.db");
  MakeStore(path, 50);
  // The writer runs under a file-size limit 1 MiB above the database's size: its write-ahead
  // log hits it after a few dozen 16 KiB values.
  const long limit = static_cast<long>(fs::file_size(path)) + (1 << 20);
  ChildProcess writer(
      {{CARRIER_CRASH_WRITER, "--db", path, "--tag", "full", "--fill", "16384"}, limit, ""});
  ASSERT_TRUE(writer.started());
  auto lines = writer.ReadAll(ChildProcess::Clock::now() + std::chrono::seconds(60));
  int status = writer.Wait();
  std::string output;
  for (const auto& l : lines) output += l + "\n";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;

  std::map<std::string, Revision> acked;
  std::string error;
  bool read_after_failure = false, wrote_after_limit_lifted = false;
  for (const auto& line : lines) {
    std::istringstream in(line);
    std::string kind, key;
    in >> kind;
    if (kind == "P") {
      Revision rev = 0;
      in >> key >> rev;
      acked[key] = rev;
    } else if (kind == "E") {
      error = line;
    } else if (kind == "R") {
      read_after_failure = true;
    } else if (kind == "DONE") {
      wrote_after_limit_lifted = true;
    }
  }
  EXPECT_THAT(error, HasSubstr("E ResourceExhausted ")) << output;
  EXPECT_THAT(error, ::testing::AnyOf(HasSubstr("disk is full"), HasSubstr("disk full"))) << output;
  EXPECT_THAT(error, HasSubstr("earlier data is intact")) << output;
  EXPECT_GT(acked.size(), 2u) << "the limit should allow a few writes first:\n" << output;
  EXPECT_TRUE(read_after_failure) << "reads must keep working:\n" << output;
  EXPECT_TRUE(wrote_after_limit_lifted) << "writes must work again once space is back:\n" << output;

  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 50; ++i) {
    auto got = store->Get("/data/" + std::to_string(i));
    ASSERT_TRUE(got.ok() && got->kv) << "earlier data lost: /data/" << i;
    EXPECT_EQ(got->kv->value, std::string(1024, 'a' + i % 26));
  }
  for (const auto& [key, rev] : acked) {
    auto got = store->Get(key);
    ASSERT_TRUE(got.ok() && got->kv) << "acknowledged write lost: " << key;
    EXPECT_EQ(got->kv->mod_revision, rev) << key;
  }
  // Nothing the failed write tried is visible: the keys are exactly the acknowledged ones.
  ListOptions list;
  list.range = KeyRange::Prefix("/fill/");
  list.keys_only = true;
  auto fills = store->List(list);
  ASSERT_TRUE(fills.ok());
  EXPECT_EQ(fills->kvs.size(), acked.size());
  EXPECT_TRUE(store->Put("/after/reopen", "ok").ok());
}

// --- an online snapshot while writers run -----------------------------------------------

TEST(SqliteSnapshot, TakenWhileWritersRunRestoresToOneRevision) {
  ScratchDir dir;
  const std::string path = dir.File("store.db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<int64_t> acked{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        const std::string base = "/snap/" + std::to_string(t) + "/" + std::to_string(n);
        bool ok;
        if (n % 2 == 0) {
          ok = store->Put(base, "v").ok();
        } else {
          TxnRequest txn;
          txn.success = {Op::Put(base + "/a", "pair"), Op::Put(base + "/b", "pair")};
          ok = store->Txn(txn).ok();
        }
        if (!ok) failed = true;
        acked.fetch_add(1);
      }
    });
  }
  auto wait_acked = [&](int64_t n) {
    return test::WaitFor([&] { return acked.load() >= n || failed.load(); },
                         std::chrono::seconds(60));
  };
  ASSERT_TRUE(wait_acked(300));
  auto before = store->CurrentRevision();
  ASSERT_TRUE(before.ok());
  const std::string snapshot = dir.File("snapshot.db");
  Status st = SnapshotSqliteStore(path, snapshot);
  auto after = store->CurrentRevision();
  // Keep writing past the snapshot, then stop.
  const int64_t at_snapshot = acked.load();
  bool more = wait_acked(at_snapshot + 300);
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(more);
  ASSERT_FALSE(failed.load());

  const std::string restored_path = dir.File("restored/store.db");
  ASSERT_TRUE(RestoreSqliteStore(snapshot, restored_path, false).ok());
  auto restored = Open(restored_path);
  ASSERT_NE(restored, nullptr);
  auto rev = restored->CurrentRevision();
  ASSERT_TRUE(rev.ok());
  EXPECT_GE(*rev, *before);
  EXPECT_LE(*rev, *after);
  auto head = store->CurrentRevision();
  ASSERT_TRUE(head.ok());
  EXPECT_GT(*head, *rev) << "writes continued after the snapshot";

  // The restored store is exactly the original as of the snapshot's revision.
  ListOptions list;
  list.range = KeyRange::Prefix("/snap/");
  auto restored_kvs = restored->List(list);
  list.revision = *rev;
  auto original_kvs = store->List(list);
  ASSERT_TRUE(restored_kvs.ok() && original_kvs.ok());
  ASSERT_GT(restored_kvs->kvs.size(), 0u);
  EXPECT_TRUE(restored_kvs->kvs == original_kvs->kvs)
      << "restored " << restored_kvs->kvs.size() << " keys, the original had "
      << original_kvs->kvs.size() << " at revision " << *rev;
  std::map<std::string, Revision> pairs;
  for (const auto& kv : restored_kvs->kvs) {
    EXPECT_LE(kv.mod_revision, *rev);
    if (kv.value == "pair") pairs[kv.key.substr(0, kv.key.size() - 2)] += kv.mod_revision;
  }
  for (const auto& kv : restored_kvs->kvs) {
    if (kv.value != "pair") continue;
    EXPECT_EQ(pairs[kv.key.substr(0, kv.key.size() - 2)], 2 * kv.mod_revision)
        << "half a txn in the snapshot: " << kv.key;
  }
  // The restored store takes writes after its snapshot revision.
  auto put = restored->Put("/snap/after-restore", "x");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->mod_revision, *rev + 1);
}

TEST(SqliteSnapshot, RestoreRefusesAStoreInUseAndAnExistingOneWithoutForce) {
  ScratchDir dir;
  const std::string path = dir.File("store.db");
  MakeStore(path, 3);
  const std::string snapshot = dir.File("snapshot.db");
  ASSERT_TRUE(SnapshotSqliteStore(path, snapshot).ok());
  {
    auto open = Open(path);
    ASSERT_NE(open, nullptr);
    Status in_use = RestoreSqliteStore(snapshot, path, true);
    EXPECT_EQ(in_use.code(), Code::kUnavailable) << in_use.ToString();
    EXPECT_THAT(in_use.message(), HasSubstr("in use"));
  }
  Status exists = RestoreSqliteStore(snapshot, path, false);
  EXPECT_EQ(exists.code(), Code::kAlreadyExists) << exists.ToString();
  EXPECT_THAT(exists.message(), HasSubstr("--force"));
  EXPECT_TRUE(RestoreSqliteStore(snapshot, path, true).ok());
  Status missing = RestoreSqliteStore(dir.File("nope.db"), path, true);
  EXPECT_EQ(missing.code(), Code::kNotFound) << missing.ToString();
}

}  // namespace
}  // namespace carrier::storage::testing
