// Online snapshot and restore of a SQLite store file (the SQLite backup API).
#include <unistd.h>

#include <filesystem>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_store.h"

namespace carrier::storage {

namespace {

using sqlite::Connection;
namespace fs = std::filesystem;

// Opens an existing database and checks that it is a sound Carrier store.
Result<std::unique_ptr<Connection>> OpenCarrierDatabase(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound(path + " does not exist");
  CARRIER_RETURN_IF_ERROR(sqlite::CheckFileHeader(path));
  auto db = Connection::Open(path, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return db.status();
  CARRIER_RETURN_IF_ERROR(sqlite::PrepareSchema(**db, path, /*create=*/false));
  return db;
}

// Copies the database behind `source` into a new file `target` in one read transaction (one
// consistent revision), durably.
Status CopyDatabase(Connection& source, const std::string& target) {
  std::error_code ec;
  fs::remove(target, ec);
  fs::remove(target + "-journal", ec);
  auto dest = Connection::Open(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!dest.ok()) return dest.status();
  CARRIER_RETURN_IF_ERROR((*dest)->Exec("PRAGMA synchronous=FULL"));
  sqlite3_backup* backup = sqlite3_backup_init((*dest)->db(), "main", source.db(), "main");
  if (backup == nullptr) {
    return sqlite::SqliteError((*dest)->db(), sqlite3_extended_errcode((*dest)->db()),
                               "starting the copy to " + target);
  }
  int rc = sqlite3_backup_step(backup, -1);
  int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return sqlite::SqliteError(nullptr, rc, "copying to " + target);
  if (finish != SQLITE_OK) {
    return sqlite::SqliteError((*dest)->db(), finish, "copying to " + target);
  }
  return {};
}

}  // namespace

Status SnapshotSqliteStore(const std::string& db_path, const std::string& out_path) {
  auto source = OpenCarrierDatabase(db_path);
  if (!source.ok()) return source.status();
  const std::string tmp = out_path + ".tmp-" + std::to_string(::getpid());
  Status st = CopyDatabase(**source, tmp);
  if (st.ok()) {
    auto check = OpenCarrierDatabase(tmp);  // the copy must itself be a sound store
    st = check.status();
  }
  std::error_code ec;
  if (st.ok()) {
    fs::rename(tmp, out_path, ec);
    if (ec) st = Internal("renaming " + tmp + " to " + out_path + ": " + ec.message());
  }
  if (!st.ok()) {
    fs::remove(tmp, ec);
    return st;
  }
  sqlite::SyncParentDirectory(out_path);
  return {};
}

Status RestoreSqliteStore(const std::string& snapshot_path, const std::string& db_path,
                          bool force) {
  auto snapshot = OpenCarrierDatabase(snapshot_path);
  if (!snapshot.ok()) {
    return Status(snapshot.status().code(), "not restoring: " + snapshot.status().message());
  }
  std::error_code ec;
  auto dir = fs::path(db_path).parent_path();
  if (!dir.empty()) fs::create_directories(dir, ec);
  auto lock = sqlite::LockDatabase(db_path);
  if (!lock.ok()) return lock.status();
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{*lock};

  if (fs::exists(db_path, ec) && fs::file_size(db_path, ec) > 0 && !force) {
    return AlreadyExists(db_path + " already holds a store; pass --force to replace it");
  }
  const std::string tmp = db_path + ".restore-tmp";
  CARRIER_RETURN_IF_ERROR(CopyDatabase(**snapshot, tmp));
  snapshot->reset();
  // The old database's write-ahead log must not be applied to the restored file.
  fs::remove(db_path + "-wal", ec);
  fs::remove(db_path + "-shm", ec);
  fs::rename(tmp, db_path, ec);
  if (ec) return Internal("renaming " + tmp + " to " + db_path + ": " + ec.message());
  sqlite::SyncParentDirectory(db_path);
  return {};
}

}  // namespace carrier::storage
