// A writer for the SQLite crash and fault tests: opens the store and writes as fast as it
// can, printing each acknowledged write on stdout only after the Store call returned. Every
// line goes out in one write(2) (shorter than PIPE_BUF), so a SIGKILL never leaves half a
// line. Lines:
//   READY <revision>              the store is open
//   P <key> <revision>            an acknowledged Put (value: "v" + key)
//   T <key-prefix> <revision>     an acknowledged Txn that created <prefix>a and <prefix>b
//   E <code> <message>            a write failed (the writer stops)
//   R <revision>                  (fill mode) a read after the failure succeeded
//   DONE                          (fill mode) a write after the size limit was lifted succeeded
//
// Usage:
//   sqlite_crash_writer --db PATH --tag TAG [--threads N]      write until killed
//   sqlite_crash_writer --db PATH --tag TAG --fill BYTES       put BYTES-long values until a
//       write fails (run under RLIMIT_FSIZE), read, lift the soft limit, write once more
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_store.h"

namespace {

using carrier::Status;
using carrier::storage::Store;

std::mutex out_mu;

void Emit(std::string line) {
  line += '\n';
  if (line.size() > 4000) line = line.substr(0, 3999) + "\n";
  std::lock_guard lock(out_mu);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) std::_Exit(3);
    p += n;
    left -= static_cast<size_t>(n);
  }
}

[[noreturn]] void Die(const Status& st) {
  Emit("E " + std::string(carrier::CodeName(st.code())) + " " + st.message());
  std::_Exit(2);
}

// Writes forever: mostly Puts of fresh keys, every third operation a 2-key Txn.
void WriteLoop(Store& store, const std::string& tag, int thread) {
  const std::string base = tag + "/" + std::to_string(thread) + "/";
  for (int64_t n = 0;; ++n) {
    if (n % 3 == 2) {
      const std::string prefix = "/crash/txn/" + base + std::to_string(n) + "/";
      carrier::storage::TxnRequest txn;
      txn.compares.push_back(carrier::storage::Compare::Absent(prefix + "a"));
      txn.success.push_back(carrier::storage::Op::Put(prefix + "a", "pair"));
      txn.success.push_back(carrier::storage::Op::Put(prefix + "b", "pair"));
      auto r = store.Txn(txn);
      if (!r.ok()) Die(r.status());
      if (!r->succeeded) Die(carrier::Internal("txn on fresh key " + prefix + "a did not apply"));
      Emit("T " + prefix + " " + std::to_string(r->revision));
    } else {
      const std::string key = "/crash/put/" + base + std::to_string(n);
      auto kv = store.Put(key, "v" + key);
      if (!kv.ok()) Die(kv.status());
      Emit("P " + key + " " + std::to_string(kv->mod_revision));
    }
  }
}

int Fill(Store& store, const std::string& tag, size_t bytes) {
  const std::string value(bytes, 'f');
  std::string first;
  Status failure;
  for (int64_t n = 0; failure.ok(); ++n) {
    const std::string key = "/fill/" + tag + "/" + std::to_string(n);
    auto kv = store.Put(key, value);
    if (!kv.ok()) {
      failure = kv.status();
      break;
    }
    if (first.empty()) first = key;
    Emit("P " + key + " " + std::to_string(kv->mod_revision));
  }
  Emit("E " + std::string(carrier::CodeName(failure.code())) + " " + failure.message());
  auto read = store.Get(first.empty() ? "/fill/none" : first);
  if (!read.ok()) Die(read.status());
  if (!first.empty() && !read->kv) Die(carrier::DataLoss(first + " vanished after the failure"));
  Emit("R " + std::to_string(read->revision));
  // Space is back: lift the soft limit up to the hard one and write again.
  rlimit limit;
  ::getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_FSIZE, &limit);
  const std::string key = "/fill/" + tag + "/after";
  auto kv = store.Put(key, "after");
  if (!kv.ok()) Die(kv.status());
  Emit("P " + key + " " + std::to_string(kv->mod_revision));
  Emit("DONE");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db, tag = "t";
  int threads = 4;
  size_t fill = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--db") {
      db = argv[i + 1];
    } else if (flag == "--tag") {
      tag = argv[i + 1];
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (flag == "--fill") {
      fill = static_cast<size_t>(std::atoll(argv[i + 1]));
    }
  }
  if (db.empty() || threads <= 0) {
    Emit(
        "E InvalidArgument usage: sqlite_crash_writer --db PATH --tag TAG [--threads N] "
        "[--fill BYTES]");
    return 2;
  }
  carrier::storage::SqliteOptions options;
  options.path = db;
  options.auto_compact = false;  // keep every revision readable for the checks
  auto store = carrier::storage::OpenSqliteStore(options);
  if (!store.ok()) Die(store.status());
  auto rev = (*store)->CurrentRevision();
  if (!rev.ok()) Die(rev.status());
  Emit("READY " + std::to_string(*rev));
  if (fill > 0) return Fill(**store, tag, fill);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { WriteLoop(**store, tag, t); });
  }
  for (auto& w : workers) w.join();  // never: the writer runs until killed
  return 0;
}
