#pragma once
// The Store contract: a revisioned key-value store with etcd v3 semantics. Every object of
// every logical cluster lives behind this interface; the SQLite backend (embedded default)
// and the etcd backend (distributed) implement it and pass the same conformance suite
// (tests/storage/store_conformance.h).
//
// Guarantees every backend gives:
//  - keys and values are byte strings; every write (a Txn that changes something) takes the
//    next store-wide revision, strictly increasing; a Txn's writes all share one revision;
//  - each key records create_revision, mod_revision and version (1 on create, +1 per put);
//  - a call returns only after its write is durable (fsync'd / quorum-committed), and any
//    read issued after that return sees it (read-your-writes);
//  - a watch delivers every change from its start revision on, in revision order, with no
//    gaps or duplicates, until it is cancelled or fails; StartWatch with a start revision
//    below the compacted revision fails with Code::kGone (a watch that later cannot resume,
//    e.g. after a reconnect, ends with a kGone WatchResponse instead);
//  - reading at a revision below the compacted revision fails with kGone, above the current
//    revision with kFutureRevision;
//  - keys attached to a lease are deleted (with DELETE events) when the lease expires.
//
// All methods are thread-safe. Watch callbacks run on a backend thread, one at a time per
// watch, and must not block for long or call Cancel() on their own watch.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::storage {

using Revision = int64_t;
using LeaseId = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;
  LeaseId lease = 0;

  bool operator==(const KeyValue&) const = default;
};

// The smallest key greater than every key with this prefix ("" if none: the end of the space).
std::string PrefixEnd(std::string_view prefix);

// A key range [begin, end). An empty end means the single key `begin`; end "\0" means every
// key >= begin (etcd's convention).
struct KeyRange {
  std::string begin;
  std::string end;

  static KeyRange Key(std::string key) { return {std::move(key), ""}; }
  static KeyRange Prefix(std::string_view prefix);
  static KeyRange All() { return {std::string(1, '\0'), std::string(1, '\0')}; }
  bool Contains(std::string_view key) const;
};

struct GetResult {
  std::optional<KeyValue> kv;
  Revision revision = 0;  // the store revision the read was served at
};

struct ListOptions {
  KeyRange range;
  Revision revision = 0;    // 0: latest
  int64_t limit = 0;        // 0: no limit
  std::string start_after;  // continue after this key (exclusive); empty: from range.begin
  bool keys_only = false;
};

struct ListResult {
  std::vector<KeyValue> kvs;
  Revision revision = 0;  // the store revision the list was read at (pass it back to continue)
  bool more = false;      // more keys remain in the range beyond the limit
  int64_t remaining = 0;  // how many keys remain after the returned ones
};

// A guard on one key's state. kModRevision == 0 means "the key does not exist".
struct Compare {
  enum class Target { kModRevision, kVersion, kCreateRevision, kValue };
  enum class Result { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  int64_t number = 0;  // for revision/version targets
  std::string value;   // for kValue

  static Compare ModRevisionIs(std::string key, Revision rev) {
    return {std::move(key), Target::kModRevision, Result::kEqual, rev, {}};
  }
  static Compare Absent(std::string key) { return ModRevisionIs(std::move(key), 0); }
};

struct Op {
  enum class Type { kGet, kPut, kDelete };
  Type type = Type::kGet;
  std::string key;
  std::string value;  // kPut
  LeaseId lease = 0;  // kPut: attach to this lease (0: none)

  static Op Get(std::string key) { return {Type::kGet, std::move(key), {}, 0}; }
  static Op Put(std::string key, std::string value, LeaseId lease = 0) {
    return {Type::kPut, std::move(key), std::move(value), lease};
  }
  static Op Delete(std::string key) { return {Type::kDelete, std::move(key), {}, 0}; }
};

struct OpResult {
  std::optional<KeyValue> kv;       // kGet: the current value; kPut: the value as written
  std::optional<KeyValue> prev_kv;  // kPut/kDelete: the value before the op, if any
};

struct TxnRequest {
  std::vector<Compare> compares;
  std::vector<Op> success;  // run when every compare holds
  std::vector<Op> failure;  // run otherwise
};

struct TxnResult {
  bool succeeded = false;
  Revision revision = 0;  // the revision after the txn (its own if it wrote)
  std::vector<OpResult> results;
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key set, mod_revision = the deletion revision, value empty
  std::optional<KeyValue> prev_kv;
};

// What a watch callback receives: a batch of events in revision order, or a progress
// notification (no events; `revision` says every change up to it has been delivered), or
// the end of the watch (`error` set: kGone when compacted, kUnavailable, kCancelled).
struct WatchResponse {
  std::vector<Event> events;
  Revision revision = 0;
  Revision compact_revision = 0;  // with kGone: the revision the store is compacted to
  Status error;
  bool IsProgress() const { return events.empty() && error.ok(); }
};

struct WatchOptions {
  KeyRange range;
  Revision start_revision = 0;  // deliver changes with revision >= this; 0: from now on
  bool prev_kv = true;
  // Send progress notifications while idle, at most this far apart (0: only on request).
  std::chrono::milliseconds progress_interval{0};
};

using WatchCallback = std::function<void(WatchResponse)>;

// A live watch. Destroying it cancels it; no callback runs after Cancel() returns.
class Watch {
 public:
  virtual ~Watch() = default;
  virtual void Cancel() = 0;
  // Asks for a progress notification as soon as every change up to the current revision
  // has been delivered.
  virtual void RequestProgress() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<GetResult> Get(std::string_view key, Revision revision = 0) = 0;
  virtual Result<ListResult> List(const ListOptions& options) = 0;
  virtual Result<TxnResult> Txn(const TxnRequest& request) = 0;
  virtual Result<std::unique_ptr<Watch>> StartWatch(const WatchOptions& options,
                                                    WatchCallback callback) = 0;

  virtual Result<Revision> CurrentRevision() = 0;
  virtual Result<Revision> CompactedRevision() = 0;
  // Discards history older than `revision` (the state at `revision` stays readable).
  // kGone when already compacted to it or past it, kFutureRevision when beyond the head.
  virtual Status Compact(Revision revision) = 0;

  // Leases: keys put with a lease are deleted when it expires or is revoked. KeepAlive
  // restarts the TTL. Unknown or expired leases give kNotFound.
  virtual Result<LeaseId> GrantLease(std::chrono::seconds ttl) = 0;
  virtual Status KeepAlive(LeaseId lease) = 0;
  virtual Status RevokeLease(LeaseId lease) = 0;

  // Convenience operations over Txn, identical for every backend.
  // Create fails with kAlreadyExists when the key exists.
  Result<KeyValue> Create(std::string key, std::string value, LeaseId lease = 0);
  // Update succeeds only while the key's mod_revision is `expected`; otherwise kConflict
  // (or kNotFound when the key is gone).
  Result<KeyValue> Update(std::string key, std::string value, Revision expected,
                          LeaseId lease = 0);
  // Put writes unconditionally.
  Result<KeyValue> Put(std::string key, std::string value, LeaseId lease = 0);
  // Delete removes the key; with `expected` != 0 only while its mod_revision is `expected`.
  // Returns the deleted value, with mod_revision set to the deletion's revision.
  Result<KeyValue> Delete(std::string key, Revision expected = 0);
};

// History retention for automatic compaction: history newer than `min_age` or within
// `min_revisions` of the head is always kept.
struct CompactionPolicy {
  std::chrono::seconds min_age{300};
  int64_t min_revisions = 1000;
  std::chrono::seconds check_interval{60};
};

}  // namespace carrier::storage
