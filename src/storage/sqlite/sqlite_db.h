#pragma once
// A thin layer over the SQLite C API for the store: a connection that caches prepared
// statements, a statement cursor that resets itself, and the mapping of SQLite result codes
// onto carrier::Status (disk full -> kResourceExhausted, corruption -> kDataLoss).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace carrier::storage::sqlite {

// Takes an exclusive advisory lock on "<path>.lock" so one process at a time opens the
// database; returns the descriptor holding it (close it to release).
Result<int> LockDatabase(const std::string& path);
// fsyncs the directory holding `path` (after creating or renaming a file there).
void SyncParentDirectory(const std::string& path);

// Maps a failed SQLite call onto a Status whose message names `what` and SQLite's reason.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement in use: bind, step, read columns. Resets on destruction so the
// cached statement can be reused.
class Cursor {
 public:
  Cursor(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Cursor(Cursor&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  Cursor& Bind(int index, int64_t value);
  Cursor& Bind(int index, std::string_view bytes);  // as a BLOB: keys compare bytewise
  // true: a row is available; false: done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Bytes(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens `path` with SQLite open flags; sets extended result codes and a busy timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  Status Exec(const char* sql);
  // A cursor over a cached prepared statement for `sql` (a string literal).
  Result<Cursor> Query(const char* sql);
  // The first column of the first row of `sql` as text ("" when no row).
  Result<std::string> QueryText(const char* sql);
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace carrier::storage::sqlite
