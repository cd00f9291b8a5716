#include "storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "storage/compactor.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/watch_hub.h"

namespace carrier::storage {

namespace {

using sqlite::Connection;
using sqlite::Cursor;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxBatch = 512;

// --- SQL -------------------------------------------------------------------------------
constexpr const char* kReadState =
    "SELECT revision, compacted, next_lease FROM carrier_state WHERE id = 1";
constexpr const char* kLatestGet =
    "SELECT h.value, h.create_rev, h.rev, h.version, h.lease FROM latest l "
    "JOIN history h ON h.id = l.hid WHERE l.key = ?1";
constexpr const char* kHistoryGet =
    "SELECT value, create_rev, rev, version, lease, deleted FROM history "
    "WHERE key = ?1 AND rev <= ?2 ORDER BY rev DESC LIMIT 1";
constexpr const char* kHistoryBefore =
    "SELECT value, create_rev, rev, version, lease, deleted FROM history "
    "WHERE key = ?1 AND rev < ?2 ORDER BY rev DESC LIMIT 1";
// Lists: ?1 lower bound (inclusive), ?2 upper bound (exclusive; the *Open variants have
// none), ?3 limit (-1: none), ?4 keys only, ?5 revision (history variants).
constexpr const char* kListLatest =
    "SELECT l.key, iif(?4, x'', h.value), h.create_rev, h.rev, h.version, h.lease "
    "FROM latest l JOIN history h ON h.id = l.hid WHERE l.key >= ?1 AND l.key < ?2 "
    "ORDER BY l.key LIMIT ?3";
constexpr const char* kListLatestOpen =
    "SELECT l.key, iif(?4, x'', h.value), h.create_rev, h.rev, h.version, h.lease "
    "FROM latest l JOIN history h ON h.id = l.hid WHERE l.key >= ?1 "
    "ORDER BY l.key LIMIT ?3";
constexpr const char* kCountLatest =
    "SELECT count(*) FROM latest WHERE key >= ?1 AND key < ?2 AND ?3 IS NOT NULL";
constexpr const char* kCountLatestOpen =
    "SELECT count(*) FROM latest WHERE key >= ?1 AND ?3 IS NOT NULL";
constexpr const char* kListAt =
    "SELECT key, iif(?4, x'', value), create_rev, rev, version, lease FROM ("
    " SELECT key, value, create_rev, MAX(rev) AS rev, version, lease, deleted FROM history"
    " WHERE key >= ?1 AND key < ?2 AND rev <= ?5 GROUP BY key)"
    " WHERE deleted = 0 ORDER BY key LIMIT ?3";
constexpr const char* kListAtOpen =
    "SELECT key, iif(?4, x'', value), create_rev, rev, version, lease FROM ("
    " SELECT key, value, create_rev, MAX(rev) AS rev, version, lease, deleted FROM history"
    " WHERE key >= ?1 AND rev <= ?5 GROUP BY key)"
    " WHERE deleted = 0 ORDER BY key LIMIT ?3";
constexpr const char* kCountAt =
    "SELECT count(*) FROM ("
    " SELECT MAX(rev), deleted FROM history WHERE key >= ?1 AND key < ?2 AND rev <= ?5"
    " AND ?3 IS NOT NULL AND ?4 IS NOT NULL GROUP BY key) WHERE deleted = 0";
constexpr const char* kCountAtOpen =
    "SELECT count(*) FROM ("
    " SELECT MAX(rev), deleted FROM history WHERE key >= ?1 AND rev <= ?5"
    " AND ?3 IS NOT NULL AND ?4 IS NOT NULL GROUP BY key) WHERE deleted = 0";
constexpr const char* kHistoryRange =
    "SELECT rev, key, value, create_rev, version, lease, deleted FROM history "
    "WHERE rev >= ?1 AND rev <= ?2 ORDER BY rev, id";
constexpr const char* kInsertHistory =
    "INSERT INTO history(rev, key, value, create_rev, version, lease, deleted) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kUpsertLatest =
    "INSERT INTO latest(key, hid, lease) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(key) DO UPDATE SET hid = excluded.hid, lease = excluded.lease";
constexpr const char* kDeleteLatest = "DELETE FROM latest WHERE key = ?1";
constexpr const char* kSetRevision = "UPDATE carrier_state SET revision = ?1 WHERE id = 1";
constexpr const char* kSetCompacted = "UPDATE carrier_state SET compacted = ?1 WHERE id = 1";
constexpr const char* kSetNextLease = "UPDATE carrier_state SET next_lease = ?1 WHERE id = 1";
constexpr const char* kCompact =
    "DELETE FROM history WHERE rev <= ?1 AND ((deleted = 1 AND rev < ?1) OR EXISTS ("
    " SELECT 1 FROM history AS newer WHERE newer.key = history.key"
    " AND newer.rev > history.rev AND newer.rev <= ?1))";
constexpr const char* kLeaseGet = "SELECT ttl FROM leases WHERE id = ?1";
constexpr const char* kLeaseAll = "SELECT id, ttl FROM leases";
constexpr const char* kLeaseInsert = "INSERT INTO leases(id, ttl) VALUES (?1, ?2)";
constexpr const char* kLeaseDelete = "DELETE FROM leases WHERE id = ?1";
constexpr const char* kLeaseKeys = "SELECT key FROM latest WHERE lease = ?1";

struct State {
  Revision revision = 0;
  Revision compacted = 0;
  LeaseId next_lease = 1;
};

Result<State> ReadState(Connection& db) {
  auto q = db.Query(kReadState);
  if (!q.ok()) return q.status();
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return DataLoss("the Carrier state row is missing");
  return State{q->Int(0), q->Int(1), q->Int(2)};
}

// A row of (value, create_rev, rev, version, lease[, deleted]) as a KeyValue.
KeyValue RowKv(const Cursor& c, std::string key, int first = 0) {
  KeyValue kv;
  kv.key = std::move(key);
  kv.value = c.Bytes(first);
  kv.create_revision = c.Int(first + 1);
  kv.mod_revision = c.Int(first + 2);
  kv.version = c.Int(first + 3);
  kv.lease = c.Int(first + 4);
  return kv;
}

Result<std::optional<KeyValue>> LatestKv(Connection& db, std::string_view key) {
  auto q = db.Query(kLatestGet);
  if (!q.ok()) return q.status();
  q->Bind(1, key);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<KeyValue>();
  return std::optional<KeyValue>(RowKv(*q, std::string(key)));
}

// The key's value as of `revision` (`before`: strictly before it).
Result<std::optional<KeyValue>> KvAt(Connection& db, std::string_view key, Revision revision,
                                     bool before) {
  auto q = db.Query(before ? kHistoryBefore : kHistoryGet);
  if (!q.ok()) return q.status();
  q->Bind(1, key).Bind(2, revision);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row || q->Int(5) != 0) return std::optional<KeyValue>();
  return std::optional<KeyValue>(RowKv(*q, std::string(key)));
}

bool Holds(const Compare& c, const std::optional<KeyValue>& kv) {
  int cmp = 0;
  if (c.target == Compare::Target::kValue) {
    if (!kv) return false;  // etcd: a value compare on a missing key never holds
    cmp = kv->value.compare(c.value);
  } else {
    int64_t have = 0;
    if (kv) {
      have = c.target == Compare::Target::kModRevision      ? kv->mod_revision
             : c.target == Compare::Target::kCreateRevision ? kv->create_revision
                                                            : kv->version;
    }
    cmp = have < c.number ? -1 : (have > c.number ? 1 : 0);
  }
  switch (c.result) {
    case Compare::Result::kEqual:
      return cmp == 0;
    case Compare::Result::kNotEqual:
      return cmp != 0;
    case Compare::Result::kLess:
      return cmp < 0;
    case Compare::Result::kGreater:
      return cmp > 0;
  }
  return false;
}

bool Writes(const TxnRequest& t) {
  for (const auto* ops : {&t.success, &t.failure}) {
    for (const auto& op : *ops) {
      if (op.type != Op::Type::kGet) return true;
    }
  }
  return false;
}

Status ValidateOps(const std::vector<Op>& ops) {
  std::set<std::string_view> written;
  for (const auto& op : ops) {
    if (op.key.empty()) return InvalidArgument("a txn op has an empty key");
    if (op.type == Op::Type::kGet) continue;
    if (!written.insert(op.key).second) {
      return InvalidArgument("duplicate key " + op.key + " written twice in one txn");
    }
  }
  return {};
}

// Bounds of a list in SQL terms: [lower, upper), upper empty meaning unbounded.
struct Bounds {
  std::string lower;
  std::string upper;
  bool open = false;
};

Bounds ListBounds(const ListOptions& o) {
  Bounds b;
  b.lower = o.range.begin;
  if (o.range.end.empty()) {
    b.upper = o.range.begin + std::string(1, '\0');  // the single key `begin`
  } else if (o.range.end == std::string(1, '\0')) {
    b.open = true;
  } else {
    b.upper = o.range.end;
  }
  if (!o.start_after.empty()) {
    std::string after = o.start_after + std::string(1, '\0');  // the next key after it
    if (after > b.lower) b.lower = std::move(after);
  }
  return b;
}

class SqliteStore : public Store {
 public:
  SqliteStore(std::string path, int lock_fd, std::unique_ptr<Connection> writer, State state)
      : path_(std::move(path)),
        lock_fd_(lock_fd),
        writer_(std::move(writer)),
        revision_(state.revision),
        current_(state.revision),
        compacted_(state.compacted) {}

  Status Start(const SqliteOptions& options) {
    // Leases survive a restart; their TTL runs again from now (as etcd does).
    auto q = writer_->Query(kLeaseAll);
    if (!q.ok()) return q.status();
    for (;;) {
      auto row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto ttl = std::chrono::seconds(q->Int(1));
      leases_[q->Int(0)] = {ttl, Clock::now() + ttl};
    }
    hub_ = std::make_unique<sqlite::WatchHub>(
        [this](Revision from, Revision to, const KeyRange& range, bool prev_kv,
               Revision* compacted) { return ReadHistory(from, to, range, prev_kv, compacted); },
        revision_);
    committer_ = std::thread([this] { CommitLoop(); });
    lease_timer_ = std::thread([this] { LeaseLoop(); });
    if (options.auto_compact) compactor_ = std::make_unique<Compactor>(*this, options.compaction);
    return {};
  }

  ~SqliteStore() override {
    compactor_.reset();
    {
      std::lock_guard lock(lease_mu_);
      leases_stopping_ = true;
    }
    lease_cv_.notify_all();
    if (lease_timer_.joinable()) lease_timer_.join();
    {
      std::lock_guard lock(queue_mu_);
      committer_stopping_ = true;
    }
    queue_cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    hub_.reset();
    readers_.clear();
    writer_.reset();
    ::close(lock_fd_);
  }

  Result<GetResult> Get(std::string_view key, Revision revision) override {
    GetResult out;
    Status st = WithRead([&](Connection& db, const State& state) -> Status {
      CARRIER_RETURN_IF_ERROR(CheckReadRevision(revision, state));
      out.revision = revision == 0 ? state.revision : revision;
      auto kv = revision == 0 || revision == state.revision ? LatestKv(db, key)
                                                            : KvAt(db, key, revision, false);
      if (!kv.ok()) return kv.status();
      out.kv = std::move(*kv);
      return {};
    });
    if (!st.ok()) return st;
    return out;
  }

  Result<ListResult> List(const ListOptions& o) override {
    if (o.limit < 0) return InvalidArgument("negative list limit");
    ListResult out;
    Bounds b = ListBounds(o);
    Status st = WithRead([&](Connection& db, const State& state) -> Status {
      CARRIER_RETURN_IF_ERROR(CheckReadRevision(o.revision, state));
      out.revision = o.revision == 0 ? state.revision : o.revision;
      const bool latest = o.revision == 0 || o.revision == state.revision;
      auto bind = [&](Cursor& c, int64_t limit) {
        c.Bind(1, b.lower).Bind(3, limit).Bind(4, int64_t{o.keys_only});
        if (!b.open) c.Bind(2, b.upper);
        if (!latest) c.Bind(5, out.revision);
      };
      auto q = db.Query(latest ? (b.open ? kListLatestOpen : kListLatest)
                               : (b.open ? kListAtOpen : kListAt));
      if (!q.ok()) return q.status();
      bind(*q, o.limit > 0 ? o.limit + 1 : -1);
      for (;;) {
        auto row = q->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        out.kvs.push_back(RowKv(*q, q->Bytes(0), 1));
      }
      if (o.limit > 0 && out.kvs.size() > static_cast<size_t>(o.limit)) {
        out.kvs.resize(o.limit);
        out.more = true;
        auto count = db.Query(latest ? (b.open ? kCountLatestOpen : kCountLatest)
                                     : (b.open ? kCountAtOpen : kCountAt));
        if (!count.ok()) return count.status();
        bind(*count, 0);
        auto row = count->Step();
        if (!row.ok()) return row.status();
        out.remaining = count->Int(0) - o.limit;
      }
      return {};
    });
    if (!st.ok()) return st;
    return out;
  }

  Result<TxnResult> Txn(const TxnRequest& request) override {
    if (!Writes(request)) {
      // Only reads: one consistent snapshot on a read connection, no revision taken.
      TxnResult out;
      Status st = WithRead([&](Connection& db, const State& state) -> Status {
        Revision rev = state.revision;
        std::vector<Event> unused;
        return ApplyTxn(db, request, rev, unused, out);
      });
      if (!st.ok()) return st;
      return out;
    }
    Job job;
    job.kind = Job::Kind::kTxn;
    job.txn = &request;
    Submit(job);
    if (!job.status.ok()) return job.status;
    return std::move(job.result);
  }

  Result<std::unique_ptr<Watch>> StartWatch(const WatchOptions& options,
                                            WatchCallback callback) override {
    return hub_->Start(options, std::move(callback), compacted_.load());
  }

  Result<Revision> CurrentRevision() override { return current_.load(); }
  Result<Revision> CompactedRevision() override { return compacted_.load(); }

  Status Compact(Revision revision) override {
    Job job;
    job.kind = Job::Kind::kCompact;
    job.revision = revision;
    Submit(job);
    return job.status;
  }

  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override {
    if (ttl.count() <= 0) return InvalidArgument("lease TTL must be positive");
    Job job;
    job.kind = Job::Kind::kGrant;
    job.ttl = ttl.count();
    Submit(job);
    if (!job.status.ok()) return job.status;
    return job.lease;
  }

  Status KeepAlive(LeaseId lease) override {
    std::lock_guard lock(lease_mu_);
    auto it = leases_.find(lease);
    if (it == leases_.end()) return NotFound("lease " + std::to_string(lease) + " not found");
    it->second.deadline = Clock::now() + it->second.ttl;
    return {};
  }

  Status RevokeLease(LeaseId lease) override {
    Job job;
    job.kind = Job::Kind::kRevoke;
    job.lease = lease;
    Submit(job);
    return job.status;
  }

 private:
  struct Job {
    enum class Kind { kTxn, kCompact, kGrant, kRevoke };
    Kind kind = Kind::kTxn;
    const TxnRequest* txn = nullptr;
    Revision revision = 0;  // kCompact
    LeaseId lease = 0;      // kRevoke; kGrant: the granted id
    int64_t ttl = 0;        // kGrant
    Status status;
    TxnResult result;
    bool done = false;
  };

  struct Lease {
    std::chrono::seconds ttl;
    Clock::time_point deadline;
  };

  // --- reads ---------------------------------------------------------------------------

  class PooledReader {
   public:
    PooledReader(SqliteStore& s, std::unique_ptr<Connection> c) : s_(s), c_(std::move(c)) {}
    ~PooledReader() {
      std::lock_guard lock(s_.readers_mu_);
      s_.readers_.push_back(std::move(c_));
    }
    Connection& operator*() { return *c_; }

   private:
    SqliteStore& s_;
    std::unique_ptr<Connection> c_;
  };

  Result<std::unique_ptr<PooledReader>> AcquireReader() {
    {
      std::lock_guard lock(readers_mu_);
      if (!readers_.empty()) {
        auto c = std::move(readers_.back());
        readers_.pop_back();
        return std::make_unique<PooledReader>(*this, std::move(c));
      }
    }
    auto c = Connection::Open(path_, SQLITE_OPEN_READWRITE);
    if (!c.ok()) return c.status();
    return std::make_unique<PooledReader>(*this, std::move(*c));
  }

  // Runs `f` inside one read transaction (a consistent snapshot) on a read connection.
  template <typename F>
  Status WithRead(F&& f) {
    auto reader = AcquireReader();
    if (!reader.ok()) return reader.status();
    Connection& db = ***reader;
    CARRIER_RETURN_IF_ERROR(db.Exec("BEGIN"));
    auto state = ReadState(db);
    Status st = state.ok() ? f(db, *state) : state.status();
    Status end = db.Exec(st.ok() ? "COMMIT" : "ROLLBACK");
    return st.ok() ? end : st;
  }

  static Status CheckReadRevision(Revision revision, const State& state) {
    if (revision < 0) return InvalidArgument("negative revision");
    if (revision > state.revision) {
      return {Code::kFutureRevision, "revision " + std::to_string(revision) +
                                         " is newer than the store's " +
                                         std::to_string(state.revision)};
    }
    if (revision != 0 && revision < state.compacted) {
      return Gone("revision " + std::to_string(revision) + " is compacted (compacted revision " +
                  std::to_string(state.compacted) + ")");
    }
    return {};
  }

  Result<std::vector<Event>> ReadHistory(Revision from, Revision to, const KeyRange& range,
                                         bool prev_kv, Revision* compacted) {
    std::vector<Event> events;
    Status st = WithRead([&](Connection& db, const State& state) -> Status {
      if (from <= state.compacted) {
        *compacted = state.compacted;
        return Gone("watch revision " + std::to_string(from) +
                    " was compacted (compacted revision " + std::to_string(state.compacted) + ")");
      }
      auto q = db.Query(kHistoryRange);
      if (!q.ok()) return q.status();
      q->Bind(1, from).Bind(2, to);
      for (;;) {
        auto row = q->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        std::string key = q->Bytes(1);
        if (!range.Contains(key)) continue;
        Event e;
        if (q->Int(6) != 0) {
          e.type = Event::Type::kDelete;
          e.kv.key = std::move(key);
          e.kv.mod_revision = q->Int(0);
        } else {
          e.kv.key = std::move(key);
          e.kv.value = q->Bytes(2);
          e.kv.create_revision = q->Int(3);
          e.kv.mod_revision = q->Int(0);
          e.kv.version = q->Int(4);
          e.kv.lease = q->Int(5);
        }
        events.push_back(std::move(e));
      }
      if (!prev_kv) return {};
      for (auto& e : events) {
        auto prev = KvAt(db, e.kv.key, e.kv.mod_revision, true);
        if (!prev.ok()) return prev.status();
        e.prev_kv = std::move(*prev);
      }
      return {};
    });
    if (!st.ok()) return st;
    return events;
  }

  // --- writes --------------------------------------------------------------------------

  void Submit(Job& job) {
    {
      std::lock_guard lock(queue_mu_);
      if (committer_stopping_) {
        job.status = Unavailable("the store is closing");
        return;
      }
      queue_.push_back(&job);
    }
    queue_cv_.notify_one();
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return job.done; });
  }

  void CommitLoop() {
    std::vector<Job*> batch;
    for (;;) {
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return !queue_.empty() || committer_stopping_; });
        if (queue_.empty()) return;
        while (!queue_.empty() && batch.size() < kMaxBatch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      {
        std::lock_guard lock(done_mu_);
        for (Job* job : batch) job->done = true;
      }
      done_cv_.notify_all();
      batch.clear();
    }
  }

  // One SQLite transaction, one fsync, for the whole batch; each job in a savepoint so a
  // job that fails alone leaves the others intact.
  void RunBatch(const std::vector<Job*>& batch) {
    auto fail_all = [&](const Status& st) {
      for (Job* job : batch) {
        if (job->status.ok()) job->status = st;
      }
    };
    Status begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) return fail_all(begin);
    Revision rev = revision_;
    std::vector<Event> events;
    std::vector<std::function<void()>> after_commit;
    for (size_t i = 0; i < batch.size(); ++i) {
      Job* job = batch[i];
      Status sp = writer_->Exec("SAVEPOINT job");
      if (!sp.ok()) {
        // This job and every later one were not applied: none may be acknowledged.
        for (size_t j = i; j < batch.size(); ++j) batch[j]->status = sp;
        break;
      }
      const Revision rev_before = rev;
      const size_t events_before = events.size(), after_before = after_commit.size();
      job->status = Apply(*job, rev, events, after_commit);
      if (job->status.ok()) {
        job->status = writer_->Exec("RELEASE job");
        if (job->status.ok()) continue;
      }
      if (!writer_->InTransaction()) {
        // SQLite rolled the whole transaction back (disk full, I/O error): nothing stands.
        fail_all(job->status);
        return;
      }
      (void)writer_->Exec("ROLLBACK TO job");
      (void)writer_->Exec("RELEASE job");
      rev = rev_before;
      events.resize(events_before);
      after_commit.resize(after_before);
    }
    Status commit;
    if (rev != revision_) {
      auto q = writer_->Query(kSetRevision);
      commit = q.ok() ? q->Bind(1, rev).Run() : q.status();
    }
    if (commit.ok()) commit = writer_->Exec("COMMIT");
    if (!commit.ok()) {
      if (writer_->InTransaction()) (void)writer_->Exec("ROLLBACK");
      for (Job* job : batch) {
        if (job->status.ok()) job->status = commit;
      }
      return;
    }
    // Durable: publish to watches and advance the visible revision before acknowledging.
    revision_ = rev;
    for (auto& f : after_commit) f();
    if (!events.empty()) hub_->Publish(rev, std::move(events));
    current_.store(rev);
  }

  Status Apply(Job& job, Revision& rev, std::vector<Event>& events,
               std::vector<std::function<void()>>& after_commit) {
    switch (job.kind) {
      case Job::Kind::kTxn:
        return ApplyTxn(*writer_, *job.txn, rev, events, job.result);
      case Job::Kind::kCompact:
        return ApplyCompact(job.revision, rev, after_commit);
      case Job::Kind::kGrant:
        return ApplyGrant(job, after_commit);
      case Job::Kind::kRevoke:
        return ApplyRevoke(job.lease, rev, events, after_commit);
    }
    return Internal("unknown job");
  }

  // Runs a txn on `db` (the writer, or a read connection for read-only txns). `rev` is the
  // current revision; it advances by one when the txn changes anything.
  Status ApplyTxn(Connection& db, const TxnRequest& t, Revision& rev, std::vector<Event>& events,
                  TxnResult& out) {
    bool holds = true;
    for (const auto& c : t.compares) {
      auto kv = LatestKv(db, c.key);
      if (!kv.ok()) return kv.status();
      if (!Holds(c, *kv)) holds = false;
    }
    const auto& ops = holds ? t.success : t.failure;
    CARRIER_RETURN_IF_ERROR(ValidateOps(ops));
    for (const auto& op : ops) {
      if (op.type != Op::Type::kPut || op.lease == 0) continue;
      auto q = db.Query(kLeaseGet);
      if (!q.ok()) return q.status();
      auto row = q->Bind(1, op.lease).Step();
      if (!row.ok()) return row.status();
      if (!*row) return NotFound("lease " + std::to_string(op.lease) + " not found");
    }
    const Revision next = rev + 1;
    bool wrote = false;
    out.succeeded = holds;
    out.results.clear();
    for (const auto& op : ops) {
      OpResult r;
      auto current = LatestKv(db, op.key);
      if (!current.ok()) return current.status();
      if (op.type == Op::Type::kGet) {
        r.kv = std::move(*current);
      } else if (op.type == Op::Type::kPut) {
        KeyValue kv{op.key,
                    op.value,
                    *current ? (*current)->create_revision : next,
                    next,
                    *current ? (*current)->version + 1 : 1,
                    op.lease};
        CARRIER_RETURN_IF_ERROR(WriteRow(kv, false));
        events.push_back({Event::Type::kPut, kv, *current});
        r.kv = std::move(kv);
        r.prev_kv = std::move(*current);
        wrote = true;
      } else if (*current) {
        KeyValue tombstone;
        tombstone.key = op.key;
        tombstone.mod_revision = next;
        CARRIER_RETURN_IF_ERROR(WriteRow(tombstone, true));
        events.push_back({Event::Type::kDelete, tombstone, *current});
        r.prev_kv = std::move(*current);
        wrote = true;
      }
      out.results.push_back(std::move(r));
    }
    if (wrote) rev = next;
    out.revision = rev;
    return {};
  }

  // Appends a history row and points `latest` at it (or drops the key for a deletion).
  Status WriteRow(const KeyValue& kv, bool deleted) {
    auto insert = writer_->Query(kInsertHistory);
    if (!insert.ok()) return insert.status();
    insert->Bind(1, kv.mod_revision)
        .Bind(2, kv.key)
        .Bind(3, kv.value)
        .Bind(4, kv.create_revision)
        .Bind(5, kv.version)
        .Bind(6, kv.lease)
        .Bind(7, int64_t{deleted});
    CARRIER_RETURN_IF_ERROR(insert->Run());
    if (deleted) {
      auto del = writer_->Query(kDeleteLatest);
      if (!del.ok()) return del.status();
      return del->Bind(1, kv.key).Run();
    }
    auto upsert = writer_->Query(kUpsertLatest);
    if (!upsert.ok()) return upsert.status();
    return upsert->Bind(1, kv.key)
        .Bind(2, sqlite3_last_insert_rowid(writer_->db()))
        .Bind(3, kv.lease)
        .Run();
  }

  Status ApplyCompact(Revision revision, Revision rev,
                      std::vector<std::function<void()>>& after_commit) {
    auto state = ReadState(*writer_);
    if (!state.ok()) return state.status();
    if (revision > rev) {
      return {Code::kFutureRevision, "cannot compact to revision " + std::to_string(revision) +
                                         ": the store is at " + std::to_string(rev)};
    }
    if (revision <= state->compacted) {
      return Gone("revision " + std::to_string(revision) + " is already compacted (compacted " +
                  "revision " + std::to_string(state->compacted) + ")");
    }
    auto del = writer_->Query(kCompact);
    if (!del.ok()) return del.status();
    CARRIER_RETURN_IF_ERROR(del->Bind(1, revision).Run());
    auto set = writer_->Query(kSetCompacted);
    if (!set.ok()) return set.status();
    CARRIER_RETURN_IF_ERROR(set->Bind(1, revision).Run());
    after_commit.push_back([this, revision] { compacted_.store(revision); });
    return {};
  }

  Status ApplyGrant(Job& job, std::vector<std::function<void()>>& after_commit) {
    auto state = ReadState(*writer_);
    if (!state.ok()) return state.status();
    const LeaseId id = state->next_lease;
    auto insert = writer_->Query(kLeaseInsert);
    if (!insert.ok()) return insert.status();
    CARRIER_RETURN_IF_ERROR(insert->Bind(1, id).Bind(2, job.ttl).Run());
    auto next = writer_->Query(kSetNextLease);
    if (!next.ok()) return next.status();
    CARRIER_RETURN_IF_ERROR(next->Bind(1, id + 1).Run());
    job.lease = id;
    const auto ttl = std::chrono::seconds(job.ttl);
    after_commit.push_back([this, id, ttl] {
      {
        std::lock_guard lock(lease_mu_);
        leases_[id] = {ttl, Clock::now() + ttl};
      }
      lease_cv_.notify_all();
    });
    return {};
  }

  Status ApplyRevoke(LeaseId lease, Revision& rev, std::vector<Event>& events,
                     std::vector<std::function<void()>>& after_commit) {
    auto found = writer_->Query(kLeaseGet);
    if (!found.ok()) return found.status();
    auto row = found->Bind(1, lease).Step();
    if (!row.ok()) return row.status();
    if (!*row) return NotFound("lease " + std::to_string(lease) + " not found");
    std::vector<std::string> keys;
    {
      auto q = writer_->Query(kLeaseKeys);
      if (!q.ok()) return q.status();
      q->Bind(1, lease);
      for (;;) {
        auto r = q->Step();
        if (!r.ok()) return r.status();
        if (!*r) break;
        keys.push_back(q->Bytes(0));
      }
    }
    if (!keys.empty()) {
      TxnRequest deletes;
      for (auto& key : keys) deletes.success.push_back(Op::Delete(std::move(key)));
      TxnResult unused;
      CARRIER_RETURN_IF_ERROR(ApplyTxn(*writer_, deletes, rev, events, unused));
    }
    auto del = writer_->Query(kLeaseDelete);
    if (!del.ok()) return del.status();
    CARRIER_RETURN_IF_ERROR(del->Bind(1, lease).Run());
    after_commit.push_back([this, lease] {
      std::lock_guard lock(lease_mu_);
      leases_.erase(lease);
    });
    return {};
  }

  // One thread for every lease: sleeps until the earliest deadline, revokes what expired.
  void LeaseLoop() {
    std::unique_lock lock(lease_mu_);
    while (!leases_stopping_) {
      auto now = Clock::now();
      auto next = Clock::time_point::max();
      std::vector<LeaseId> expired;
      for (auto& [id, lease] : leases_) {
        if (lease.deadline <= now) {
          expired.push_back(id);
          lease.deadline = now + std::chrono::seconds(1);  // retried if the revoke fails
        }
        next = std::min(next, lease.deadline);
      }
      if (!expired.empty()) {
        lock.unlock();
        for (LeaseId id : expired) {
          Status st = RevokeLease(id);
          (void)st;  // kNotFound: revoked meanwhile; other errors: retried at the deadline
        }
        lock.lock();
        continue;
      }
      if (next == Clock::time_point::max()) {
        lease_cv_.wait(lock);
      } else {
        lease_cv_.wait_until(lock, next);
      }
    }
  }

  const std::string path_;
  const int lock_fd_;
  std::unique_ptr<Connection> writer_;  // the committer thread's only
  Revision revision_;                   // committer-owned: the last durable revision
  std::atomic<Revision> current_;       // published after commit, before acknowledging
  std::atomic<Revision> compacted_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;
  bool committer_stopping_ = false;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::thread committer_;

  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  std::map<LeaseId, Lease> leases_;
  bool leases_stopping_ = false;
  std::thread lease_timer_;

  std::unique_ptr<sqlite::WatchHub> hub_;
  std::unique_ptr<Compactor> compactor_;
};

// Creates a new store beside `path` and renames it into place once its schema is durable,
// so that a file at `path` is always a complete store: an empty one can only be damage.
Status CreateDatabase(const std::string& path) {
  const std::string tmp = path + ".new";
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(tmp + suffix, ec);
  }
  {
    auto db = Connection::Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!db.ok()) return db.status();
    CARRIER_RETURN_IF_ERROR((*db)->Exec("PRAGMA synchronous=FULL"));
    CARRIER_RETURN_IF_ERROR(sqlite::PrepareSchema(**db, tmp, /*create=*/true));
    CARRIER_RETURN_IF_ERROR(sqlite::ConfigureWriter(**db));
  }  // closing the only connection checkpoints and removes the write-ahead log
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Internal("renaming " + tmp + " to " + path + ": " + ec.message());
  sqlite::SyncParentDirectory(path);
  return {};
}

// An existing empty file is a truncated store (new stores are created complete, see
// CreateDatabase), unless a write-ahead log still holds its pages (stores created by
// earlier builds started out that way).
Status CheckNotEmpty(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) != 0 || ec) return {};
  auto wal = std::filesystem::file_size(path + "-wal", ec);
  if (!ec && wal > 0) return {};
  return DataLoss(path + " is empty (0 bytes): the store was truncated or is not a Carrier " +
                  "store; restore a snapshot, or remove the file to start an empty store");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) return InvalidArgument("the SQLite store needs a database path");
  std::error_code ec;
  auto dir = std::filesystem::path(options.path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  auto lock_fd = sqlite::LockDatabase(options.path);
  if (!lock_fd.ok()) return lock_fd.status();
  auto fail = [&](Status st) -> Result<std::unique_ptr<Store>> {
    ::close(*lock_fd);
    return st;
  };
  if (!std::filesystem::exists(options.path, ec)) {
    if (Status st = CreateDatabase(options.path); !st.ok()) return fail(st);
  }
  if (Status st = CheckNotEmpty(options.path); !st.ok()) return fail(st);
  if (Status header = sqlite::CheckFileHeader(options.path); !header.ok()) return fail(header);
  auto writer = Connection::Open(options.path, SQLITE_OPEN_READWRITE);
  if (!writer.ok()) return fail(writer.status());
  // Check the schema before switching to WAL: a file that is not a Carrier store is
  // refused without being changed.
  Status st = sqlite::PrepareSchema(**writer, options.path, /*create=*/false);
  if (st.ok()) st = sqlite::ConfigureWriter(**writer);
  if (!st.ok()) return fail(st);
  auto state = ReadState(**writer);
  if (!state.ok()) return fail(state.status());
  auto store = std::make_unique<SqliteStore>(options.path, *lock_fd, std::move(*writer), *state);
  CARRIER_RETURN_IF_ERROR(store->Start(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace carrier::storage
