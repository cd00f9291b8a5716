#include "storage/sqlite/sqlite_db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace carrier::storage::sqlite {

Result<int> LockDatabase(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot open " + lock_path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Unavailable(path + " is in use by another process (lock " + lock_path + ")");
  }
  return fd;
}

void SyncParentDirectory(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int sys_errno = db ? sqlite3_system_errno(db) : 0;
  if (sys_errno != 0 && (rc & 0xff) == SQLITE_IOERR) {
    message += " (";
    message += std::strerror(sys_errno);
    message += ")";
  }
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return ResourceExhausted(message + "; the disk is full, earlier data is intact");
    case SQLITE_IOERR:
      switch (rc) {
        case SQLITE_IOERR_READ:
        case SQLITE_IOERR_SHORT_READ:
          return DataLoss(message);
        default:
          return ResourceExhausted(message +
                                   "; the write failed (disk full or I/O error), "
                                   "earlier data is intact");
      }
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss(message + "; the database file is damaged");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return Unavailable(message);
    case SQLITE_TOOBIG:
      return {Code::kTooLarge, message};
    default:
      return Internal(message);
  }
}

Cursor::~Cursor() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Cursor& Cursor::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Cursor& Cursor::Bind(int index, std::string_view bytes) {
  // A zero-length blob must not bind as NULL: give SQLite a non-null pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_STATIC);
  return *this;
}

Result<bool> Cursor::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, sqlite3_extended_errcode(db_), "sqlite step");
}

Status Cursor::Run() {
  auto row = Step();
  return row.status();
}

std::string Cursor::Bytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size == 0) return {};
  return std::string(static_cast<const char*>(data), size);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(db, rc, "opening " + path);
    sqlite3_close(db);
    return st;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  sqlite3_free(error);
  if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_), sql);
  return {};
}

Result<Cursor> Connection::Query(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("preparing ") + sql);
    it = statements_.emplace(sql, stmt).first;
  }
  return Cursor(db_, it->second);
}

Result<std::string> Connection::QueryText(const char* sql) {
  auto cursor = Query(sql);
  if (!cursor.ok()) return cursor.status();
  auto row = cursor->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::string();
  return cursor->Bytes(0);
}

}  // namespace carrier::storage::sqlite
