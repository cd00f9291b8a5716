// `carrier adm`: administration of a management plane's data. Today: snapshots of the
// embedded SQLite store.
//
//   carrier adm snapshot save    --data-dir DIR FILE           online, while `carrier serve` runs
//   carrier adm snapshot restore --data-dir DIR FILE [--force] only while nothing uses DIR
//   carrier adm snapshot status  FILE                          revision, key count, size
//
// Every failure prints one line on stderr and exits with code 1.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "storage/open_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace carrier::cli {

namespace {

namespace fs = std::filesystem;

struct SnapshotFlags {
  std::string data_dir;
  std::string file;
  bool force = false;
};

struct SnapshotInfo {
  storage::Revision revision = 0;
  int64_t keys = 0;
  uintmax_t bytes = 0;
};

int Fail(const std::string& command, const Status& st) {
  std::cerr << "carrier adm snapshot " << command << ": " << st.ToString() << "\n";
  return 1;
}

// Opens a snapshot file as a store (nothing else may have it open) and reads its revision
// and key count. A missing or empty file is an error, never a new store.
Result<SnapshotInfo> ReadSnapshotInfo(const std::string& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return NotFound(file + " does not exist");
  SnapshotInfo info;
  info.bytes = fs::file_size(file, ec);
  if (ec || info.bytes == 0) return DataLoss(file + " is empty: not a Carrier snapshot");
  const std::string lock = file + ".lock";
  const bool had_lock = fs::exists(lock, ec);
  Status st;
  {
    storage::SqliteOptions options;
    options.path = file;
    options.auto_compact = false;
    auto store = storage::OpenSqliteStore(options);
    if (!store.ok()) {
      st = store.status();
    } else {
      auto rev = (*store)->CurrentRevision();
      storage::ListOptions list;
      list.range = storage::KeyRange::All();
      list.limit = 1;
      list.keys_only = true;
      auto keys = (*store)->List(list);
      if (!rev.ok()) {
        st = rev.status();
      } else if (!keys.ok()) {
        st = keys.status();
      } else {
        info.revision = *rev;
        info.keys = static_cast<int64_t>(keys->kvs.size()) + keys->remaining;
      }
    }
  }
  if (!had_lock) fs::remove(lock, ec);  // leave the snapshot's folder as it was
  if (!st.ok()) return st;
  return info;
}

// Whether `file` names the store itself (a snapshot must never replace it in place).
bool IsTheStore(const std::string& file, const std::string& db) {
  std::error_code ec;
  if (fs::equivalent(file, db, ec)) return true;
  return fs::weakly_canonical(file, ec) == fs::weakly_canonical(db, ec);
}

std::string Describe(const SnapshotInfo& info) {
  return "revision " + std::to_string(info.revision) + ", " + std::to_string(info.keys) +
         " keys, " + std::to_string(info.bytes) + " bytes";
}

int Save(const SnapshotFlags& f) {
  const std::string db = storage::SqliteStorePath(f.data_dir);
  std::error_code ec;
  if (!fs::is_regular_file(db, ec)) {
    return Fail("save", NotFound(db + " does not exist: no Carrier store in " + f.data_dir));
  }
  if (IsTheStore(f.file, db)) {
    return Fail("save", InvalidArgument(f.file + " is the store itself; write the snapshot "
                                                 "to another file"));
  }
  Status st = storage::SnapshotSqliteStore(db, f.file);
  if (!st.ok()) return Fail("save", st);
  auto info = ReadSnapshotInfo(f.file);
  if (!info.ok()) return Fail("save", info.status());
  std::cout << "saved a snapshot of " << db << " to " << f.file << ": " << Describe(*info) << "\n";
  return 0;
}

int Restore(const SnapshotFlags& f) {
  const std::string db = storage::SqliteStorePath(f.data_dir);
  if (IsTheStore(f.file, db)) {
    return Fail("restore", InvalidArgument(f.file + " is the store itself, not a snapshot"));
  }
  auto info = ReadSnapshotInfo(f.file);
  if (!info.ok()) return Fail("restore", info.status());
  Status st = storage::RestoreSqliteStore(f.file, db, f.force);
  if (!st.ok()) return Fail("restore", st);
  std::cout << "restored " << f.file << " into " << db << ": " << Describe(*info) << "\n";
  return 0;
}

int ShowStatus(const SnapshotFlags& f) {
  auto info = ReadSnapshotInfo(f.file);
  if (!info.ok()) return Fail("status", info.status());
  std::cout << f.file << ": " << Describe(*info) << "\n";
  return 0;
}

}  // namespace

void AddAdmCommand(CLI::App& app) {
  auto flags = std::make_shared<SnapshotFlags>();
  CLI::App* adm = app.add_subcommand("adm", "Administer a management plane's data");
  adm->require_subcommand(1);
  CLI::App* snapshot = adm->add_subcommand(
      "snapshot", "Snapshots of the embedded SQLite store (<data-dir>/store.db)");
  snapshot->require_subcommand(1);

  CLI::App* save = snapshot->add_subcommand(
      "save",
      "Write a consistent snapshot of the store to FILE. Works while `carrier serve` "
      "runs on the data directory; FILE appears only once complete and durable.");
  save->add_option("--data-dir", flags->data_dir, "The data directory of `carrier serve`")
      ->default_val(".carrier");
  save->add_option("file", flags->file, "Snapshot file to write")->required();
  save->callback([flags] { SetExitCode(Save(*flags)); });

  CLI::App* restore = snapshot->add_subcommand(
      "restore",
      "Replace the store in the data directory with a snapshot. Refuses while a "
      "process uses the store, and replaces an existing store only with --force.");
  restore->add_option("--data-dir", flags->data_dir, "The data directory of `carrier serve`")
      ->default_val(".carrier");
  restore->add_option("file", flags->file, "Snapshot file to restore")->required();
  restore->add_flag("--force", flags->force, "Replace an existing store");
  restore->callback([flags] { SetExitCode(Restore(*flags)); });

  CLI::App* status = snapshot->add_subcommand(
      "status", "Check a snapshot file and print its revision, key count and size");
  status->add_option("file", flags->file, "Snapshot file")->required();
  status->callback([flags] { SetExitCode(ShowStatus(*flags)); });
}

}  // namespace carrier::cli
