#include "storage/sqlite/schema.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>

namespace carrier::storage::sqlite {

namespace {

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE carrier_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  compacted INTEGER NOT NULL,
  next_lease INTEGER NOT NULL);
CREATE TABLE history(
  id INTEGER PRIMARY KEY,
  rev INTEGER NOT NULL,
  key BLOB NOT NULL,
  value BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  deleted INTEGER NOT NULL);
CREATE UNIQUE INDEX history_key_rev ON history(key, rev);
CREATE INDEX history_rev ON history(rev);
CREATE TABLE latest(key BLOB PRIMARY KEY, hid INTEGER NOT NULL, lease INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX latest_lease ON latest(lease) WHERE lease != 0;
CREATE TABLE leases(id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
INSERT INTO carrier_state VALUES (1, 1, 0, 0, 1);
)sql";

int64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_size;
}

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

Status CheckFileHeader(const std::string& path) {
  int64_t size = FileSize(path);
  if (size <= 0) return {};
  unsigned char header[100];
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(header), sizeof header)) {
    return DataLoss(path + " is truncated: " + std::to_string(size) +
                    " bytes, shorter than a database header");
  }
  if (std::memcmp(header, "SQLite format 3\0", 16) != 0) {
    return DataLoss(path + " is not a Carrier store: the SQLite header is missing or damaged");
  }
  uint32_t page_size = (uint32_t{header[16]} << 8) | header[17];
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
    return DataLoss(path + " has a damaged header: page size " + std::to_string(page_size));
  }
  // The page count in the header is valid when its change counter matches (bytes 24, 92).
  // A write-ahead log may legitimately hold pages the file does not yet have.
  const uint32_t pages = BigEndian32(header + 28);
  const bool count_valid = pages != 0 && BigEndian32(header + 24) == BigEndian32(header + 92);
  if (count_valid && FileSize(path + "-wal") <= 0 &&
      size < static_cast<int64_t>(pages) * page_size) {
    return DataLoss(path + " is truncated: the header says " + std::to_string(pages) +
                    " pages of " + std::to_string(page_size) + " bytes, the file holds " +
                    std::to_string(size) + " bytes");
  }
  return {};
}

Status ConfigureWriter(Connection& db) {
  auto mode = db.QueryText("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") return Internal("cannot switch the database to WAL mode (got " + *mode + ")");
  return db.Exec("PRAGMA synchronous=FULL");
}

Status PrepareSchema(Connection& db, const std::string& path, bool create) {
  auto tables = db.QueryText("SELECT count(*) FROM sqlite_schema");
  if (!tables.ok()) return tables.status();
  if (*tables == "0") {
    if (!create) return DataLoss(path + " is empty: not a Carrier store");
    CARRIER_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status st = db.Exec(kCreateSchema);
    if (!st.ok()) {
      (void)db.Exec("ROLLBACK");
      return st;
    }
    return db.Exec("COMMIT");
  }
  auto has_state = db.QueryText(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'carrier_state'");
  if (!has_state.ok()) return has_state.status();
  if (*has_state != "1") {
    return DataLoss(path + " is a SQLite database but not a Carrier store (no carrier_state)");
  }
  auto version = db.QueryText("SELECT schema_version FROM carrier_state WHERE id = 1");
  if (!version.ok()) return version.status();
  if (version->empty()) return DataLoss(path + ": the Carrier state row is missing");
  if (*version != std::to_string(kSchemaVersion)) {
    return DataLoss(path + " has Carrier schema version " + *version + "; this build reads " +
                    std::to_string(kSchemaVersion));
  }
  auto check = db.QueryText("PRAGMA quick_check");
  if (!check.ok()) return check.status();
  if (*check != "ok") return DataLoss(path + " is damaged: quick_check says " + *check);
  return {};
}

}  // namespace carrier::storage::sqlite
