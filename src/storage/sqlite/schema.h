#pragma once
// The on-disk layout of a Carrier SQLite store and the checks that a file holds one.
//
//   carrier_state  one row: schema version, head revision, compacted revision, next lease id
//   history        every version of every key (rev, key, value, create_rev, version, lease,
//                  deleted); indexed by (key, rev) for reads at a revision and by rev for
//                  watch replay
//   latest         live keys only: key -> history row, plus the lease for revocation
//   leases         granted leases and their TTL in seconds

#include <string>

#include "base/status.h"
#include "storage/sqlite/sqlite_db.h"

namespace carrier::storage::sqlite {

inline constexpr int64_t kSchemaVersion = 1;

// Checks the file's SQLite header and, when no write-ahead log could still extend it, that
// the file is as long as the header says. A missing or empty file passes.
Status CheckFileHeader(const std::string& path);

// Creates the schema in an empty database, or checks an existing one: the Carrier schema
// version row and `PRAGMA quick_check`. Damage is kDataLoss.
Status PrepareSchema(Connection& db, const std::string& path, bool create);

// Sets WAL mode and synchronous=FULL on a connection that writes.
Status ConfigureWriter(Connection& db);

}  // namespace carrier::storage::sqlite
