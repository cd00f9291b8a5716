#pragma once
// The SQLite backend of the Store contract (store.h): the embedded default, one database
// file in WAL mode with synchronous=FULL.
//
//  - Writes from all threads are queued to one committer thread that groups them into one
//    SQLite transaction and one fsync (group commit); each Txn still gets its own revision
//    and its caller returns only after the COMMIT is durable. Reads use their own
//    connections and never wait behind the writer.
//  - Watches replay history from the database, then follow the live stream. Callbacks run
//    on a small dispatcher pool, never on the commit path. A watch whose callback falls more
//    than a bounded number of events behind ends with Code::kUnavailable and
//    WatchResponse::revision set to the last revision it fully delivered: the caller resumes
//    with a new watch from revision + 1.
//  - One process at a time may open a database (an advisory lock on "<path>.lock").
//  - Opening checks the file header, the Carrier schema version and `PRAGMA quick_check`
//    (linear in the file size: about a second per GB); damage gives Code::kDataLoss. A new
//    store is created beside the path and renamed into place once complete, so an existing
//    empty file is damage (kDataLoss) too, never a fresh store.
//  - A write that finds the disk full fails with Code::kResourceExhausted; earlier data stays
//    intact and the store keeps serving reads, and writes once space is back.

#include <memory>
#include <string>

#include "storage/store.h"

namespace carrier::storage {

struct SqliteOptions {
  std::string path;             // database file (created if missing)
  CompactionPolicy compaction;  // from store.h
  bool auto_compact = true;     // run a storage::Compactor (src/storage/compactor.h)
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// Online snapshot of an open or closed database file into `out_path` (SQLite backup API).
// The snapshot is one consistent revision; it is written beside `out_path` and renamed
// into place once durable.
Status SnapshotSqliteStore(const std::string& db_path, const std::string& out_path);

// Copies a snapshot into place at `db_path` after checking it is a valid Carrier store.
// Refuses to replace an existing database unless `force`, and refuses while a process has
// the database open.
Status RestoreSqliteStore(const std::string& snapshot_path, const std::string& db_path, bool force);

}  // namespace carrier::storage
