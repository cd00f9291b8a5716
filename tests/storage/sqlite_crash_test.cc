// Crash safety of the SQLite backend: a writer process (sqlite_crash_writer) writes Puts and
// 2-key Txns from several threads at full speed and is killed with SIGKILL at random
// moments, round after round on the same database. After every kill the database must open
// cleanly, every acknowledged write must be there with its revision, revisions must be
// strictly ordered, and every Txn must be applied entirely or not at all.
//
// The kill moments come from a seeded generator; the seed is printed. Rerun one sequence
// with CARRIER_CRASH_SEED=<seed>.
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "storage/child_process.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::storage::testing {
namespace {

using Clock = ChildProcess::Clock;
using std::chrono::milliseconds;

constexpr int kRounds = 25;

struct Acks {
  std::map<std::string, Revision> puts;  // key -> revision
  std::map<std::string, Revision> txns;  // key prefix -> revision (keys prefix+"a", prefix+"b")
};

// Parses one writer line into `round` and checks per-thread order: one thread's calls are
// sequential, so their revisions must increase. Returns false on a line that is not an ack.
bool ParseAck(const std::string& line, Acks& round, std::map<std::string, Revision>& last_by_thread,
              std::string* error) {
  std::istringstream in(line);
  std::string kind, key;
  Revision rev = 0;
  in >> kind >> key >> rev;
  if ((kind != "P" && kind != "T") || !in || rev <= 0) {
    *error = "unexpected writer output: " + line;
    return false;
  }
  // "/crash/put/<tag>/<thread>/<n>" or "/crash/txn/<tag>/<thread>/<n>/": the thread is the
  // fifth path segment.
  std::string thread;
  {
    std::istringstream parts(key);
    std::string seg;
    for (int i = 0; i < 5 && std::getline(parts, seg, '/'); ++i) thread = seg;
  }
  Revision& last = last_by_thread[thread];
  if (rev <= last) {
    *error = "thread " + thread + " got revision " + std::to_string(rev) + " after " +
             std::to_string(last) + " (" + line + ")";
    return false;
  }
  last = rev;
  (kind == "P" ? round.puts : round.txns)[key] = rev;
  return true;
}

// Opens the database the way `carrier serve` would and checks everything acknowledged so
// far. `round` is the latest round's acks: those are also read back at their revision.
void Verify(const std::string& path, const Acks& all, const Acks& round, Revision* head) {
  SqliteOptions options;
  options.path = path;
  options.auto_compact = false;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << "the database does not open after a kill: "
                          << store.status().ToString();
  auto current = (*store)->CurrentRevision();
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  *head = *current;

  ListOptions list;
  list.range = KeyRange::Prefix("/crash/");
  auto kvs = (*store)->List(list);
  ASSERT_TRUE(kvs.ok()) << kvs.status().ToString();
  EXPECT_EQ(kvs->revision, *current);
  std::map<std::string, const KeyValue*> by_key;
  std::map<Revision, std::string> owner;  // revision -> the one write that took it
  for (const auto& kv : kvs->kvs) {
    by_key[kv.key] = &kv;
    ASSERT_LE(kv.mod_revision, *current) << kv.key;
    ASSERT_EQ(kv.version, 1) << kv.key << ": every key is written once";
    // A Put key owns its revision; a Txn's two keys share one.
    std::string op = kv.key;
    if (kv.key.rfind("/crash/txn/", 0) == 0) op.pop_back();
    auto [it, fresh] = owner.emplace(kv.mod_revision, op);
    ASSERT_TRUE(fresh || it->second == op)
        << "revision " << kv.mod_revision << " taken by both " << it->second << " and " << op;
  }
  // Nothing half-applied: a Txn's keys exist together with one revision, or not at all.
  for (const auto& kv : kvs->kvs) {
    if (kv.key.rfind("/crash/txn/", 0) != 0) continue;
    std::string other = kv.key;
    other.back() = other.back() == 'a' ? 'b' : 'a';
    auto it = by_key.find(other);
    ASSERT_TRUE(it != by_key.end()) << "half-applied txn: " << kv.key << " without " << other;
    ASSERT_EQ(it->second->mod_revision, kv.mod_revision) << kv.key;
  }
  // Every acknowledged write is present with its revision.
  for (const auto& [key, rev] : all.puts) {
    auto it = by_key.find(key);
    ASSERT_TRUE(it != by_key.end()) << "acknowledged put lost: " << key << " at " << rev;
    ASSERT_EQ(it->second->mod_revision, rev) << key;
    ASSERT_EQ(it->second->value, "v" + key);
  }
  for (const auto& [prefix, rev] : all.txns) {
    for (const char* leaf : {"a", "b"}) {
      auto it = by_key.find(prefix + leaf);
      ASSERT_TRUE(it != by_key.end())
          << "acknowledged txn lost: " << prefix << leaf << " at " << rev;
      ASSERT_EQ(it->second->mod_revision, rev) << prefix << leaf;
    }
  }
  // The latest round's writes read back at their own revision too (history is durable).
  for (const auto& [key, rev] : round.puts) {
    auto got = (*store)->Get(key, rev);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->kv.has_value()) << key << " missing at revision " << rev;
    ASSERT_EQ(got->kv->mod_revision, rev);
    if (rev == 1) continue;  // Get at revision 0 means "latest"
    auto before = (*store)->Get(key, rev - 1);
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    ASSERT_FALSE(before->kv.has_value()) << key << " visible before its revision " << rev;
  }
}

TEST(SqliteCrash, AcknowledgedWritesSurviveSigkill) {
  unsigned seed = std::random_device{}();
  if (const char* env = std::getenv("CARRIER_CRASH_SEED")) seed = std::strtoul(env, nullptr, 10);
  std::cout << "crash test seed: " << seed << " (rerun with CARRIER_CRASH_SEED=" << seed << ")"
            << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937 rng(seed);

  ScratchDir dir;
  const std::string db = dir.File("store.db");
  Acks all;
  Revision head = 0;
  int kills_while_writing = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed));
    ChildProcess writer(
        {{CARRIER_CRASH_WRITER, "--db", db, "--tag", "r" + std::to_string(round), "--threads", "4"},
         std::nullopt,
         ""});
    ASSERT_TRUE(writer.started());
    // Most kills land while the writer is busy; every sixth round's may land while it is
    // still opening (and recovering) the database.
    const bool early = round % 6 == 5;
    const milliseconds delay(early ? rng() % 30 : 5 + rng() % 150);

    Acks acks;
    std::map<std::string, Revision> last_by_thread;
    std::string error;
    auto take = [&](const std::string& line) {
      if (line.rfind("READY ", 0) == 0) {
        Revision ready = std::stoll(line.substr(6));
        if (ready != head) {
          error =
              "reopened at another revision than verified (" + std::to_string(head) + "): " + line;
        }
        return;
      }
      if (line.rfind("E ", 0) == 0) {
        error = "the writer failed: " + line;
        return;
      }
      ParseAck(line, acks, last_by_thread, &error);
    };
    auto kill_at = Clock::now() + delay;
    if (!early) {
      // Start the clock once the writer is open and its first write is acknowledged.
      const auto open_deadline = Clock::now() + std::chrono::seconds(30);
      while (acks.puts.empty() && acks.txns.empty() && error.empty()) {
        auto line = writer.ReadLine(open_deadline);
        ASSERT_TRUE(line.has_value()) << "the writer wrote nothing within 30 s";
        take(*line);
      }
      kill_at = Clock::now() + delay;
    }
    // Drain the writer's output until the kill moment (so it never blocks on the pipe).
    while (error.empty()) {
      auto line = writer.ReadLine(kill_at);
      if (!line) break;
      take(*line);
    }
    writer.Signal(SIGKILL);
    for (const auto& line : writer.ReadAll(Clock::now() + std::chrono::seconds(30))) take(line);
    int status = writer.Wait();
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer ended on its own (wait status " << status << ")";
    if (!acks.puts.empty() || !acks.txns.empty()) ++kills_while_writing;

    for (const auto& [k, r] : acks.puts) all.puts[k] = r;
    for (const auto& [k, r] : acks.txns) all.txns[k] = r;
    // This round's revisions all come after the previous rounds' head.
    for (const auto* m : {&acks.puts, &acks.txns}) {
      for (const auto& [k, r] : *m) ASSERT_GT(r, head) << k;
    }
    Revision new_head = 0;
    Verify(db, all, acks, &new_head);
    if (HasFatalFailure()) return;
    ASSERT_GE(new_head, head);
    head = new_head;
  }
  std::cout << kRounds << " kills (" << kills_while_writing << " while writes were in flight), "
            << all.puts.size() << " acknowledged puts and " << all.txns.size()
            << " acknowledged txns checked; final revision " << head << std::endl;
  EXPECT_GE(kills_while_writing, 20);
}

}  // namespace
}  // namespace carrier::storage::testing
