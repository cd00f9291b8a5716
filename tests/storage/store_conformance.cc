// The Store conformance suite: the guarantees of src/storage/store.h, checked the same way
// against every backend.
#include "storage/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace carrier::storage::testing {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 30s;

// Collects what a watch delivers and lets the test wait for a condition with a deadline.
class Collector {
 public:
  WatchCallback Callback() {
    return [this](WatchResponse r) {
      std::lock_guard lock(mu_);
      if (!r.error.ok()) {
        error_ = r.error;
        compact_revision_ = r.compact_revision;
      } else if (r.IsProgress()) {
        progress_ = std::max(progress_, r.revision);
      }
      for (auto& e : r.events) events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }

  // Waits until at least n events have arrived (or an error); returns whether they did.
  bool WaitForEvents(size_t n, std::chrono::seconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return events_.size() >= n || !error_.ok(); }) &&
           events_.size() >= n;
  }
  bool WaitForError(std::chrono::seconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return !error_.ok(); });
  }
  bool WaitForProgress(Revision at_least, std::chrono::seconds deadline = kDeadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return progress_ >= at_least; });
  }
  std::vector<Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  Status error() {
    std::lock_guard lock(mu_);
    return error_;
  }
  Revision compact_revision() {
    std::lock_guard lock(mu_);
    return compact_revision_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  Status error_;
  Revision compact_revision_ = 0;
  Revision progress_ = 0;
};

std::unique_ptr<Watch> StartOrDie(Store& store, const WatchOptions& options, Collector& c) {
  auto watch = store.StartWatch(options, c.Callback());
  EXPECT_TRUE(watch.ok()) << watch.status().ToString();
  return watch.ok() ? std::move(*watch) : nullptr;
}

// Every event's revision is strictly greater than the one before (within one key, events
// of one txn share a revision, so compare (revision, key) pairs for uniqueness).
void ExpectOrderedWithoutDuplicates(const std::vector<Event>& events) {
  std::set<std::pair<Revision, std::string>> seen;
  Revision last = 0;
  for (const auto& e : events) {
    EXPECT_GE(e.kv.mod_revision, last) << "event out of order for " << e.kv.key;
    last = e.kv.mod_revision;
    EXPECT_TRUE(seen.emplace(e.kv.mod_revision, e.kv.key).second)
        << "duplicate event at revision " << e.kv.mod_revision << " for " << e.kv.key;
  }
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05d", i);
  return buf;
}

TEST_P(StoreConformance, CreateRecordsRevisionsAndVersion) {
  auto before = store().CurrentRevision();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto created = store().Create("/a/k", "v1");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->mod_revision, *before);
  EXPECT_EQ(created->create_revision, created->mod_revision);
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->value, "v1");

  auto updated = store().Update("/a/k", "v2", created->mod_revision);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_GT(updated->mod_revision, created->mod_revision);
  EXPECT_EQ(updated->create_revision, created->create_revision);
  EXPECT_EQ(updated->version, 2);

  auto got = store().Get("/a/k");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->value, "v2");
  EXPECT_EQ(got->kv->mod_revision, updated->mod_revision);
  EXPECT_EQ(got->kv->version, 2);
  EXPECT_GE(got->revision, updated->mod_revision);
  EXPECT_EQ(*store().CurrentRevision(), updated->mod_revision);
}

TEST_P(StoreConformance, RevisionsAreStoreWideAndStrictlyIncreasing) {
  Revision last = *store().CurrentRevision();
  for (int i = 0; i < 20; ++i) {
    auto kv = store().Put("/k/" + Key(i % 3), "v" + std::to_string(i));
    ASSERT_TRUE(kv.ok());
    EXPECT_EQ(kv->mod_revision, last + 1);  // every write takes exactly the next revision
    last = kv->mod_revision;
  }
}

TEST_P(StoreConformance, CreateFailsWhenKeyExists) {
  ASSERT_TRUE(store().Create("/a/k", "v").ok());
  auto again = store().Create("/a/k", "other");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(store().Get("/a/k")->kv->value, "v");
}

TEST_P(StoreConformance, UpdateWithStaleRevisionConflicts) {
  auto kv = store().Create("/a/k", "v1");
  ASSERT_TRUE(kv.ok());
  ASSERT_TRUE(store().Update("/a/k", "v2", kv->mod_revision).ok());
  auto stale = store().Update("/a/k", "v3", kv->mod_revision);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConflict);
  EXPECT_EQ(store().Get("/a/k")->kv->value, "v2");

  auto missing = store().Update("/a/none", "v", 5);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_P(StoreConformance, DeleteIsGuardedAndReturnsTheDeletedValue) {
  auto kv = store().Create("/a/k", "v1");
  ASSERT_TRUE(kv.ok());
  auto updated = store().Update("/a/k", "v2", kv->mod_revision);
  ASSERT_TRUE(updated.ok());

  auto stale = store().Delete("/a/k", kv->mod_revision);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kConflict);

  auto deleted = store().Delete("/a/k", updated->mod_revision);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(deleted->value, "v2");
  EXPECT_GT(deleted->mod_revision, updated->mod_revision);
  EXPECT_FALSE(store().Get("/a/k")->kv.has_value());

  auto again = store().Delete("/a/k");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kNotFound);

  // A key created again starts over: new create_revision, version 1.
  auto recreated = store().Create("/a/k", "v3");
  ASSERT_TRUE(recreated.ok());
  EXPECT_EQ(recreated->version, 1);
  EXPECT_EQ(recreated->create_revision, recreated->mod_revision);
}

TEST_P(StoreConformance, GetAtAnOlderRevisionSeesTheValueThen) {
  auto v1 = store().Put("/a/k", "v1");
  auto v2 = store().Put("/a/k", "v2");
  ASSERT_TRUE(v1.ok() && v2.ok());
  auto deleted = store().Delete("/a/k");
  ASSERT_TRUE(deleted.ok());

  auto at1 = store().Get("/a/k", v1->mod_revision);
  ASSERT_TRUE(at1.ok()) << at1.status().ToString();
  ASSERT_TRUE(at1->kv.has_value());
  EXPECT_EQ(at1->kv->value, "v1");
  EXPECT_EQ(at1->revision, v1->mod_revision);
  auto at2 = store().Get("/a/k", v2->mod_revision);
  ASSERT_TRUE(at2.ok() && at2->kv.has_value());
  EXPECT_EQ(at2->kv->value, "v2");
  EXPECT_EQ(at2->kv->version, 2);
  auto now = store().Get("/a/k");
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(now->kv.has_value());
}

TEST_P(StoreConformance, ReadingAFutureRevisionFails) {
  ASSERT_TRUE(store().Put("/a/k", "v").ok());
  Revision head = *store().CurrentRevision();
  auto future = store().Get("/a/k", head + 100);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.status().code(), Code::kFutureRevision);
}

TEST_P(StoreConformance, ListPagesThroughAPrefixAtOneRevision) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store().Put("/a/" + Key(i), "a" + Key(i)).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store().Put("/b/" + Key(i), "b").ok());
  ASSERT_TRUE(store().Put("/a", "not under the prefix /a/").ok());

  ListOptions first;
  first.range = KeyRange::Prefix("/a/");
  first.limit = 4;
  auto page1 = store().List(first);
  ASSERT_TRUE(page1.ok()) << page1.status().ToString();
  ASSERT_EQ(page1->kvs.size(), 4u);
  EXPECT_TRUE(page1->more);
  EXPECT_EQ(page1->remaining, 6);
  EXPECT_EQ(page1->kvs[0].key, "/a/00000");
  EXPECT_EQ(page1->kvs[3].key, "/a/00003");
  const Revision at = page1->revision;
  EXPECT_EQ(at, *store().CurrentRevision());

  // Changes after the first page are invisible to the continued list at the same revision.
  ASSERT_TRUE(store().Put("/a/" + Key(5), "changed").ok());
  ASSERT_TRUE(store().Delete("/a/" + Key(6)).ok());
  ASSERT_TRUE(store().Put("/a/" + Key(4) + "x", "new").ok());

  ListOptions next = first;
  next.revision = at;
  next.start_after = page1->kvs.back().key;
  auto page2 = store().List(next);
  ASSERT_TRUE(page2.ok()) << page2.status().ToString();
  ASSERT_EQ(page2->kvs.size(), 4u);
  EXPECT_EQ(page2->revision, at);
  EXPECT_EQ(page2->kvs[0].key, "/a/00004");
  EXPECT_EQ(page2->kvs[1].value, "a00005");
  EXPECT_EQ(page2->kvs[2].key, "/a/00006");
  EXPECT_TRUE(page2->more);

  next.start_after = page2->kvs.back().key;
  auto page3 = store().List(next);
  ASSERT_TRUE(page3.ok());
  ASSERT_EQ(page3->kvs.size(), 2u);
  EXPECT_FALSE(page3->more);
  EXPECT_EQ(page3->remaining, 0);
  EXPECT_EQ(page3->kvs[1].key, "/a/00009");

  // The latest list sees the changes.
  ListOptions latest;
  latest.range = KeyRange::Prefix("/a/");
  auto all = store().List(latest);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->kvs.size(), 10u);  // 10 - deleted 6 + new 4x
  EXPECT_FALSE(all->more);
}

TEST_P(StoreConformance, ListOverARangeAndKeysOnly) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store().Put("/r/" + Key(i), "value").ok());
  ListOptions options;
  options.range = {"/r/00002", "/r/00005"};
  options.keys_only = true;
  auto list = store().List(options);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->kvs.size(), 3u);
  EXPECT_EQ(list->kvs[0].key, "/r/00002");
  EXPECT_EQ(list->kvs[2].key, "/r/00004");
  for (const auto& kv : list->kvs) {
    EXPECT_TRUE(kv.value.empty());
    EXPECT_GT(kv.mod_revision, 0);
  }
}

TEST_P(StoreConformance, ListAtAnOlderRevisionIncludesLaterDeletedKeys) {
  ASSERT_TRUE(store().Put("/l/1", "one").ok());
  auto two = store().Put("/l/2", "two");
  ASSERT_TRUE(two.ok());
  ASSERT_TRUE(store().Delete("/l/1").ok());
  ASSERT_TRUE(store().Put("/l/2", "two again").ok());

  ListOptions options;
  options.range = KeyRange::Prefix("/l/");
  options.revision = two->mod_revision;
  auto list = store().List(options);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->kvs.size(), 2u);
  EXPECT_EQ(list->kvs[0].value, "one");
  EXPECT_EQ(list->kvs[1].value, "two");
  EXPECT_EQ(list->revision, two->mod_revision);
}

TEST_P(StoreConformance, TxnAppliesAllOrNothingAtOneRevision) {
  auto a = store().Put("/t/a", "a1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(store().Put("/t/c", "c1").ok());

  TxnRequest txn;
  txn.compares = {Compare::ModRevisionIs("/t/a", a->mod_revision), Compare::Absent("/t/b")};
  txn.success = {Op::Put("/t/a", "a2"), Op::Put("/t/b", "b1"), Op::Delete("/t/c"),
                 Op::Get("/t/a")};
  txn.failure = {Op::Get("/t/a")};
  auto result = store().Txn(txn);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->succeeded);
  ASSERT_EQ(result->results.size(), 4u);
  const Revision rev = result->revision;
  EXPECT_EQ(rev, a->mod_revision + 2);  // one revision for the whole txn
  EXPECT_EQ(result->results[0].kv->mod_revision, rev);
  EXPECT_EQ(result->results[0].prev_kv->value, "a1");
  EXPECT_EQ(result->results[1].kv->mod_revision, rev);
  EXPECT_FALSE(result->results[1].prev_kv.has_value());
  EXPECT_EQ(result->results[2].prev_kv->value, "c1");
  EXPECT_EQ(result->results[3].kv->value, "a2");  // reads see the txn's own writes
  EXPECT_FALSE(store().Get("/t/c")->kv.has_value());

  // The same txn again fails on its compares, runs only the failure branch.
  auto again = store().Txn(txn);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->succeeded);
  ASSERT_EQ(again->results.size(), 1u);
  EXPECT_EQ(again->results[0].kv->value, "a2");
  EXPECT_EQ(again->revision, rev);  // nothing written
  EXPECT_EQ(store().Get("/t/b")->kv->value, "b1");
}

TEST_P(StoreConformance, TxnComparesVersionCreateRevisionAndValue) {
  auto kv = store().Put("/t/k", "x");
  ASSERT_TRUE(store().Put("/t/k", "y").ok());
  auto check = [&](Compare c) {
    TxnRequest txn;
    txn.compares.push_back(std::move(c));
    auto r = store().Txn(txn);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->succeeded;
  };
  using T = Compare::Target;
  using R = Compare::Result;
  EXPECT_TRUE(check({"/t/k", T::kVersion, R::kEqual, 2, {}}));
  EXPECT_FALSE(check({"/t/k", T::kVersion, R::kEqual, 1, {}}));
  EXPECT_TRUE(check({"/t/k", T::kVersion, R::kGreater, 1, {}}));
  EXPECT_TRUE(check({"/t/k", T::kCreateRevision, R::kEqual, kv->mod_revision, {}}));
  EXPECT_TRUE(check({"/t/k", T::kValue, R::kEqual, 0, "y"}));
  EXPECT_FALSE(check({"/t/k", T::kValue, R::kEqual, 0, "x"}));
  EXPECT_TRUE(check({"/t/k", T::kValue, R::kNotEqual, 0, "x"}));
  EXPECT_TRUE(check({"/t/k", T::kModRevision, R::kLess, kv->mod_revision + 5, {}}));
  EXPECT_TRUE(check({"/t/none", T::kVersion, R::kEqual, 0, {}}));
}

TEST_P(StoreConformance, ConcurrentCompareAndSwapHasExactlyOneWinner) {
  auto kv = store().Create("/cas/k", "0");
  ASSERT_TRUE(kv.ok());
  Revision expected = kv->mod_revision;
  constexpr int kThreads = 16;
  for (int round = 0; round < 10; ++round) {
    std::atomic<int> winners{0}, conflicts{0}, other{0};
    std::atomic<Revision> winning_revision{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto r = store().Update("/cas/k", "t" + std::to_string(t), expected);
        if (r.ok()) {
          ++winners;
          winning_revision = r->mod_revision;
        } else if (r.status().code() == Code::kConflict) {
          ++conflicts;
        } else {
          ++other;
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(winners.load(), 1) << "round " << round;
    ASSERT_EQ(conflicts.load(), kThreads - 1);
    ASSERT_EQ(other.load(), 0);
    expected = winning_revision;
    EXPECT_EQ(store().Get("/cas/k")->kv->mod_revision, expected);
  }
}

TEST_P(StoreConformance, ConcurrentCreatesHaveExactlyOneWinner) {
  std::atomic<int> winners{0}, exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto r = store().Create("/once", "v");
      if (r.ok()) ++winners;
      if (!r.ok() && r.status().code() == Code::kAlreadyExists) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(exists.load(), 15);
}

TEST_P(StoreConformance, ReadYourWritesAcrossThreads) {
  std::atomic<int> stale{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string key = "/ryw/" + std::to_string(t);
        auto w = store().Put(key, std::to_string(i));
        if (!w.ok()) {
          ++stale;
          continue;
        }
        auto r = store().Get(key);
        if (!r.ok() || !r->kv || r->kv->mod_revision < w->mod_revision) ++stale;
        ListOptions list;
        list.range = KeyRange::Prefix("/ryw/");
        auto l = store().List(list);
        if (!l.ok() || l->revision < w->mod_revision) ++stale;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stale.load(), 0);
}

TEST_P(StoreConformance, WatchFromAnOldRevisionReplaysThenFollows) {
  Revision start = *store().CurrentRevision() + 1;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store().Put("/w/" + Key(i % 7), Key(i)).ok());
  ASSERT_TRUE(store().Delete("/w/" + Key(3)).ok());

  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/w/");
  options.start_revision = start;
  auto watch = StartOrDie(store(), options, c);
  ASSERT_NE(watch, nullptr);

  // Writers run while the watch catches up: the handover from history to live must have no
  // gap and no duplicate.
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(store().Put("/w/t" + std::to_string(t), Key(i)).ok());
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_TRUE(store().Put("/other", "not watched").ok());
  const size_t expected = 31 + 200;
  ASSERT_TRUE(c.WaitForEvents(expected)) << c.events().size() << " events";
  auto events = c.events();
  ExpectOrderedWithoutDuplicates(events);
  ASSERT_EQ(events.size(), expected);
  EXPECT_EQ(events.front().kv.mod_revision, start);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, events[i - 1].kv.mod_revision + 1);
  }
  EXPECT_EQ(events[30].type, Event::Type::kDelete);
  EXPECT_EQ(events[30].kv.key, "/w/" + Key(3));
  // Puts of an existing key carry the previous value.
  EXPECT_EQ(events[7].type, Event::Type::kPut);
  ASSERT_TRUE(events[7].prev_kv.has_value());
  EXPECT_EQ(events[7].prev_kv->value, Key(0));
  EXPECT_EQ(events[7].kv.version, 2);
}

TEST_P(StoreConformance, WatchSeesEveryAcknowledgedWriteOfConcurrentWriters) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/cw/");
  auto watch = StartOrDie(store(), options, c);
  ASSERT_NE(watch, nullptr);

  constexpr int kThreads = 8, kWrites = 60;
  std::mutex mu;
  std::set<std::pair<Revision, std::string>> acked;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        std::string key = "/cw/" + std::to_string(t) + "/" + Key(i % 5);
        auto r = store().Put(key, Key(i));
        ASSERT_TRUE(r.ok());
        std::lock_guard lock(mu);
        acked.emplace(r->mod_revision, key);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(c.WaitForEvents(kThreads * kWrites));
  auto events = c.events();
  ExpectOrderedWithoutDuplicates(events);
  std::set<std::pair<Revision, std::string>> delivered;
  for (const auto& e : events) delivered.emplace(e.kv.mod_revision, e.kv.key);
  EXPECT_EQ(delivered, acked);
}

TEST_P(StoreConformance, WatchFiltersByRangeAndReportsDeletes) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/f/in/");
  auto watch = StartOrDie(store(), options, c);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(store().Put("/f/out", "x").ok());
  auto put = store().Put("/f/in/a", "1");
  ASSERT_TRUE(store().Put("/f/inx", "x").ok());
  auto del = store().Delete("/f/in/a");
  ASSERT_TRUE(put.ok() && del.ok());
  ASSERT_TRUE(c.WaitForEvents(2));
  auto events = c.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Event::Type::kPut);
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_EQ(events[1].type, Event::Type::kDelete);
  EXPECT_EQ(events[1].kv.key, "/f/in/a");
  EXPECT_EQ(events[1].kv.mod_revision, del->mod_revision);
  ASSERT_TRUE(events[1].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->value, "1");
}

// A range over several prefixes (for the watch cache: several collections, as the
// controllers watch the whole key space) sees the writes of all of them, in order.
TEST_P(StoreConformance, WatchAcrossPrefixesSeesEveryWriteInOrder) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange{"/ma/", "/mc/"};
  auto watch = StartOrDie(store(), options, c);
  ASSERT_NE(watch, nullptr);
  std::vector<std::thread> writers;
  for (std::string prefix : {"/ma/", "/mb/", "/mz/"}) {
    writers.emplace_back([&, prefix] {
      for (int i = 0; i < 20; ++i) EXPECT_TRUE(store().Put(prefix + Key(i), "v").ok());
      EXPECT_TRUE(store().Delete(prefix + Key(0)).ok());
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_TRUE(c.WaitForEvents(42));
  auto events = c.events();
  EXPECT_EQ(events.size(), 42u);
  ExpectOrderedWithoutDuplicates(events);
  int deletes = 0;
  for (const auto& e : events) {
    EXPECT_TRUE(e.kv.key.rfind("/ma/", 0) == 0 || e.kv.key.rfind("/mb/", 0) == 0) << e.kv.key;
    if (e.type == Event::Type::kDelete) {
      ++deletes;
      ASSERT_TRUE(e.prev_kv.has_value());
      EXPECT_EQ(e.prev_kv->value, "v");
    }
  }
  EXPECT_EQ(deletes, 2);
}

TEST_P(StoreConformance, WatchEventsOfOneTxnShareItsRevision) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/tx/");
  auto watch = StartOrDie(store(), options, c);
  ASSERT_TRUE(store().Put("/tx/b", "old").ok());
  TxnRequest txn;
  txn.success = {Op::Put("/tx/a", "1"), Op::Delete("/tx/b")};
  auto r = store().Txn(txn);
  ASSERT_TRUE(r.ok() && r->succeeded);
  ASSERT_TRUE(c.WaitForEvents(3));
  auto events = c.events();
  EXPECT_EQ(events[1].kv.mod_revision, r->revision);
  EXPECT_EQ(events[2].kv.mod_revision, r->revision);
}

TEST_P(StoreConformance, WatchResumesAfterCancelFromTheNextRevision) {
  Revision start = *store().CurrentRevision() + 1;
  Collector first;
  WatchOptions options;
  options.range = KeyRange::Prefix("/rs/");
  options.start_revision = start;
  auto watch = StartOrDie(store(), options, first);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store().Put("/rs/" + Key(i), "v").ok());
  ASSERT_TRUE(first.WaitForEvents(10));
  watch->Cancel();
  auto seen = first.events();
  for (int i = 10; i < 20; ++i) ASSERT_TRUE(store().Put("/rs/" + Key(i), "v").ok());

  Collector second;
  options.start_revision = seen.back().kv.mod_revision + 1;
  auto resumed = StartOrDie(store(), options, second);
  ASSERT_TRUE(second.WaitForEvents(10));
  auto rest = second.events();
  seen.insert(seen.end(), rest.begin(), rest.end());
  ExpectOrderedWithoutDuplicates(seen);
  ASSERT_EQ(seen.size(), 20u);
  EXPECT_EQ(seen.back().kv.key, "/rs/" + Key(19));
}

TEST_P(StoreConformance, DataAndWatchesSurviveReopening) {
  std::map<std::string, Revision> written;
  for (int i = 0; i < 20; ++i) {
    auto kv = store().Put("/p/" + Key(i), "v" + Key(i));
    ASSERT_TRUE(kv.ok());
    written[kv->key] = kv->mod_revision;
  }
  Revision head = *store().CurrentRevision();
  backend_->Reopen();
  EXPECT_EQ(*store().CurrentRevision(), head);
  for (const auto& [key, rev] : written) {
    auto got = store().Get(key);
    ASSERT_TRUE(got.ok() && got->kv.has_value()) << key;
    EXPECT_EQ(got->kv->mod_revision, rev);
  }
  auto next = store().Put("/p/next", "v");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->mod_revision, head + 1);

  // A watch opened after the reopen replays history written before it.
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/p/");
  options.start_revision = written.begin()->second;
  auto watch = StartOrDie(store(), options, c);
  ASSERT_TRUE(c.WaitForEvents(21));
  auto events = c.events();
  ExpectOrderedWithoutDuplicates(events);
  EXPECT_EQ(events.back().kv.key, "/p/next");
}

TEST_P(StoreConformance, WatchContinuesAcrossAServerRestart) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/sr/");
  auto watch = StartOrDie(store(), options, c);
  ASSERT_NE(watch, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store().Put("/sr/" + Key(i), "before").ok());
  ASSERT_TRUE(c.WaitForEvents(10));
  if (!backend_->RestartServer()) GTEST_SKIP() << "embedded backend: no server to restart";

  // Writes right after the restart may find the server still coming up; retry those.
  for (int i = 10; i < 20; ++i) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    Result<KeyValue> r = Unavailable("not tried");
    while (!(r = store().Put("/sr/" + Key(i), "after")).ok() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_TRUE(c.WaitForEvents(20)) << c.error().ToString();
  auto events = c.events();
  ExpectOrderedWithoutDuplicates(events);
  EXPECT_EQ(events.size(), 20u);
  EXPECT_TRUE(c.error().ok()) << c.error().ToString();
}

TEST_P(StoreConformance, CompactionMakesOldRevisionsGone) {
  std::vector<Revision> revs;
  for (int i = 0; i < 10; ++i) revs.push_back(store().Put("/c/k", "v" + Key(i))->mod_revision);
  ASSERT_TRUE(store().Put("/c/other", "x").ok());
  const Revision compact_to = revs[5];
  ASSERT_TRUE(store().Compact(compact_to).ok());
  EXPECT_EQ(*store().CompactedRevision(), compact_to);

  auto old = store().Get("/c/k", revs[2]);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), Code::kGone);
  ListOptions list;
  list.range = KeyRange::Prefix("/c/");
  list.revision = revs[2];
  auto old_list = store().List(list);
  ASSERT_FALSE(old_list.ok());
  EXPECT_EQ(old_list.status().code(), Code::kGone);

  // The state at the compaction revision itself stays readable.
  auto kept = store().Get("/c/k", compact_to);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->kv->value, "v" + Key(5));
  auto latest = store().Get("/c/k");
  EXPECT_EQ(latest->kv->value, "v" + Key(9));
  EXPECT_EQ(latest->kv->version, 10);

  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/c/");
  options.start_revision = revs[1];
  auto gone = store().StartWatch(options, c.Callback());
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::kGone);

  // store.h: a start revision at or below the compacted revision is Gone (the change made
  // at compact_to would need its previous value, which compaction discarded).
  options.start_revision = compact_to;
  auto at_compacted = store().StartWatch(options, c.Callback());
  ASSERT_FALSE(at_compacted.ok());
  EXPECT_EQ(at_compacted.status().code(), Code::kGone);

  options.start_revision = compact_to + 1;
  auto after_compacted = StartOrDie(store(), options, c);
  ASSERT_TRUE(c.WaitForEvents(5));  // revs[6..9] and /c/other
  EXPECT_EQ(c.events().size(), 5u);
  EXPECT_EQ(c.events().front().kv.mod_revision, compact_to + 1);

  auto again = store().Compact(revs[3]);
  EXPECT_EQ(again.code(), Code::kGone);
  auto future = store().Compact(*store().CurrentRevision() + 10);
  EXPECT_EQ(future.code(), Code::kFutureRevision);
}

TEST_P(StoreConformance, LeaseExpiryDeletesItsKeysWithEvents) {
  auto lease = store().GrantLease(2s);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto kv = store().Put("/lease/a", "v", *lease);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  EXPECT_EQ(kv->lease, *lease);
  ASSERT_TRUE(store().Put("/lease/b", "no lease").ok());

  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/lease/");
  options.start_revision = kv->mod_revision + 1;
  auto watch = StartOrDie(store(), options, c);
  ASSERT_TRUE(c.WaitForEvents(2));  // /lease/b, then the expiry's delete
  auto events = c.events();
  EXPECT_EQ(events[1].type, Event::Type::kDelete);
  EXPECT_EQ(events[1].kv.key, "/lease/a");
  EXPECT_FALSE(store().Get("/lease/a")->kv.has_value());
  EXPECT_TRUE(store().Get("/lease/b")->kv.has_value());
  EXPECT_EQ(store().KeepAlive(*lease).code(), Code::kNotFound);
}

TEST_P(StoreConformance, KeepAliveExtendsAndRevokeEndsALease) {
  auto lease = store().GrantLease(2s);
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(store().Put("/ka/a", "v", *lease).ok());
  auto until = std::chrono::steady_clock::now() + 4s;  // twice the TTL
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(store().KeepAlive(*lease).ok());
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_TRUE(store().Get("/ka/a")->kv.has_value());

  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/ka/");
  auto watch = StartOrDie(store(), options, c);
  ASSERT_TRUE(store().RevokeLease(*lease).ok());
  ASSERT_TRUE(c.WaitForEvents(1));
  EXPECT_EQ(c.events()[0].type, Event::Type::kDelete);
  EXPECT_FALSE(store().Get("/ka/a")->kv.has_value());
  EXPECT_EQ(store().RevokeLease(*lease).code(), Code::kNotFound);

  auto bad = store().Put("/ka/b", "v", 987654321);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
}

TEST_P(StoreConformance, ProgressNotificationsReachIdleWatchers) {
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/idle/");
  options.progress_interval = 200ms;
  auto watch = StartOrDie(store(), options, c);
  auto elsewhere = store().Put("/busy/k", "v");
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_TRUE(c.WaitForProgress(elsewhere->mod_revision));

  Collector on_request;
  WatchOptions quiet;
  quiet.range = KeyRange::Prefix("/idle/");
  auto requested = StartOrDie(store(), quiet, on_request);
  auto later = store().Put("/busy/k", "v2");
  ASSERT_TRUE(later.ok());
  requested->RequestProgress();
  EXPECT_TRUE(on_request.WaitForProgress(later->mod_revision));
  EXPECT_TRUE(on_request.events().empty());
}

TEST_P(StoreConformance, LargeValuesRoundTrip) {
  std::string big(1536 * 1024, '\0');  // 1.5 MiB
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 3);
  Collector c;
  WatchOptions options;
  options.range = KeyRange::Prefix("/big/");
  auto watch = StartOrDie(store(), options, c);
  auto kv = store().Put("/big/v", big);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  auto got = store().Get("/big/v");
  ASSERT_TRUE(got.ok() && got->kv.has_value());
  EXPECT_TRUE(got->kv->value == big);
  ASSERT_TRUE(c.WaitForEvents(1));
  EXPECT_TRUE(c.events()[0].kv.value == big);
}

TEST_P(StoreConformance, KeysAndValuesAreArbitraryBytes) {
  const std::string key("/bin/\x00\x01\xff\xfe", 9);
  const std::string value("\x00\xff\x80 \n\r\"'\\", 9);
  ASSERT_TRUE(store().Put(key, value).ok());
  ASSERT_TRUE(store().Put("/bin/empty", "").ok());
  auto got = store().Get(key);
  ASSERT_TRUE(got.ok() && got->kv.has_value());
  EXPECT_EQ(got->kv->value, value);
  EXPECT_EQ(got->kv->key, key);
  auto empty = store().Get("/bin/empty");
  ASSERT_TRUE(empty.ok() && empty->kv.has_value());
  EXPECT_EQ(empty->kv->value, "");

  ListOptions list;
  list.range = KeyRange::Prefix(std::string("/bin/\x00", 6));
  auto listed = store().List(list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->kvs.size(), 1u);
  EXPECT_EQ(listed->kvs[0].key, key);
}

}  // namespace
}  // namespace carrier::storage::testing
