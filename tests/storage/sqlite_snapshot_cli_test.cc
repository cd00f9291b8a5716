// `carrier adm snapshot save|restore|status`, driven through the real `carrier` binary: an
// online save while `carrier serve` runs on the data directory, a restore refused while it
// runs and without --force, and clear errors (exit code 1 and a message) for bad files.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

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

RunResult Carrier(std::vector<std::string> args) {
  args.insert(args.begin(), CARRIER_BINARY);
  return RunCommand(args);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The revision `carrier adm snapshot status` prints, or -1.
Revision PrintedRevision(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m,
                         std::regex("revision ([0-9]+), ([0-9]+) keys, ([0-9]+) bytes"))) {
    return -1;
  }
  return std::stoll(m[1]);
}

void PutKeys(const std::string& db, int n) {
  SqliteOptions options;
  options.path = db;
  options.auto_compact = false;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int i = 0; i < n; ++i) ASSERT_TRUE((*store)->Put("/cli/" + std::to_string(i), "v").ok());
}

TEST(SqliteSnapshotCli, SaveWhileServingThenRestore) {
  ScratchDir dir;
  const std::string data = dir.File("data");
  const std::string snapshot = dir.File("backup.db");
  const std::string log = dir.File("serve.log");
  {
    ChildProcess serve(
        {{CARRIER_BINARY, "serve", "--data-dir", data, "--port", "0"}, std::nullopt, log});
    ASSERT_TRUE(serve.started());
    ASSERT_TRUE(
        test::WaitFor([&] { return ReadFile(log).find("Carrier is serving") != std::string::npos; },
                      std::chrono::seconds(60)))
        << "carrier serve did not start:\n"
        << ReadFile(log);

    // Online: the store is open (and locked) by `carrier serve`.
    RunResult save = Carrier({"adm", "snapshot", "save", "--data-dir", data, snapshot});
    ASSERT_EQ(save.exit_code, 0) << save.output;
    EXPECT_THAT(save.output, HasSubstr("saved a snapshot of " + data + "/store.db"));
    EXPECT_GT(PrintedRevision(save.output), 0) << save.output;
    EXPECT_TRUE(fs::is_regular_file(snapshot));

    RunResult busy =
        Carrier({"adm", "snapshot", "restore", "--data-dir", data, snapshot, "--force"});
    EXPECT_EQ(busy.exit_code, 1) << busy.output;
    EXPECT_THAT(busy.output, HasSubstr("in use"));

    serve.Signal(SIGTERM);
    int status = serve.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log);
  }

  RunResult status = Carrier({"adm", "snapshot", "status", snapshot});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  const Revision saved = PrintedRevision(status.output);
  EXPECT_GT(saved, 0) << status.output;
  EXPECT_FALSE(fs::exists(snapshot + ".lock")) << "status leaves no files behind";

  // Writes after the snapshot, then a restore takes the store back to the snapshot.
  PutKeys(data + "/store.db", 5);
  RunResult refused = Carrier({"adm", "snapshot", "restore", "--data-dir", data, snapshot});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("--force"));

  RunResult restore =
      Carrier({"adm", "snapshot", "restore", "--data-dir", data, snapshot, "--force"});
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  EXPECT_THAT(restore.output, HasSubstr("restored " + snapshot));

  SqliteOptions options;
  options.path = data + "/store.db";
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto rev = (*store)->CurrentRevision();
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(*rev, saved);
  auto gone = (*store)->Get("/cli/0");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->kv.has_value()) << "a write made after the snapshot survived the restore";
}

TEST(SqliteSnapshotCli, RestoreIntoAnEmptyDataDirAndStatus) {
  ScratchDir dir;
  PutKeys(dir.File("a/store.db"), 7);
  const std::string snapshot = dir.File("a.snap");
  RunResult save = Carrier({"adm", "snapshot", "save", "--data-dir", dir.File("a"), snapshot});
  ASSERT_EQ(save.exit_code, 0) << save.output;
  EXPECT_THAT(save.output, HasSubstr("revision 7, 7 keys, "));

  RunResult restore =
      Carrier({"adm", "snapshot", "restore", "--data-dir", dir.File("b"), snapshot});
  ASSERT_EQ(restore.exit_code, 0) << restore.output;
  RunResult status = Carrier({"adm", "snapshot", "status", dir.File("b/store.db")});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("revision 7, 7 keys, "));
}

TEST(SqliteSnapshotCli, ClearErrors) {
  ScratchDir dir;
  const std::string text = dir.File("notes.txt");
  std::ofstream(text) << "not a database at all, just some text that is long enough to have a "
                         "header's worth of bytes in it, and then some more text to be sure\n";
  const std::string empty = dir.File("empty.db");
  std::ofstream(empty).flush();

  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"adm", "snapshot", "save", "--data-dir", dir.File("none"), dir.File("x.db")},
       "does not exist"},
      {{"adm", "snapshot", "status", dir.File("missing.db")}, "does not exist"},
      {{"adm", "snapshot", "status", text}, "not a Carrier store"},
      {{"adm", "snapshot", "status", empty}, "empty"},
      {{"adm", "snapshot", "restore", "--data-dir", dir.File("c"), dir.File("missing.db")},
       "does not exist"},
      {{"adm", "snapshot", "restore", "--data-dir", dir.File("c"), text}, "not a Carrier store"},
      {{"adm", "snapshot", "restore", "--data-dir", dir.File("c"), empty}, "empty"},
  };
  for (const auto& c : cases) {
    RunResult r = Carrier(c.args);
    std::string command;
    for (const auto& a : c.args) command += a + " ";
    EXPECT_EQ(r.exit_code, 1) << command << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr("carrier adm snapshot ")) << command;
    EXPECT_THAT(r.output, HasSubstr(c.message)) << command;
  }
  // A snapshot never replaces the store in place.
  PutKeys(dir.File("d/store.db"), 2);
  const std::string store_before = ReadFile(dir.File("d/store.db"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"adm", "snapshot", "save", "--data-dir", dir.File("d"), dir.File("d/store.db")},
           {"adm", "snapshot", "save", "--data-dir", dir.File("d"), dir.File("d/../d/store.db")},
           {"adm", "snapshot", "restore", "--data-dir", dir.File("d"), dir.File("d/store.db"),
            "--force"}}) {
    RunResult r = Carrier(args);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("is the store itself"));
  }
  EXPECT_TRUE(ReadFile(dir.File("d/store.db")) == store_before);

  EXPECT_FALSE(fs::exists(dir.File("x.db")));
  EXPECT_FALSE(fs::exists(dir.File("c/store.db"))) << "a failed restore created a store";
  EXPECT_EQ(ReadFile(empty), "");
}

}  // namespace
}  // namespace carrier::storage::testing
