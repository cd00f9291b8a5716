// bench/store: how many durable writes per second each Store backend acknowledges, side by
// side with raw etcd Put through the same gRPC client (no Store layer), at concurrency 1,
// 16 and 64; and how long a write takes to reach a watch callback. Every figure has the
// same guarantee: acknowledged only once fsync'd (etcd's default; SQLite synchronous=FULL).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/etcd/etcd_store.h"
#include "support/etcd_process.h"
#include "write_load.h"
#ifdef CARRIER_BENCH_SQLITE
#include "storage/sqlite/sqlite_store.h"
#endif

namespace carrier::bench {
namespace {

using Clock = std::chrono::steady_clock;
using storage::Store;

struct Config {
  double seconds = 3.0;
  size_t value_bytes = 256;
  int latency_writes = 1000;
  std::vector<int> concurrency = {1, 16, 64};
};

[[noreturn]] void Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "store_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

WriteFn StoreWriter(Store& store) {
  return [&store](const std::string& key, const std::string& value) {
    auto r = store.Put(key, value);
    if (!r.ok()) Fail("put " + key, r.status());
    return true;
  };
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

// Sequential writes under a watched prefix; latency from just before the write call to
// the callback that delivers it.
Latency MeasureWatchLatency(Store& store, const std::string& prefix, const Config& config) {
  const int n = config.latency_writes;
  std::vector<Clock::time_point> sent(n), received(n);
  std::mutex mu;
  int delivered = 0;
  std::condition_variable all_delivered;
  auto watch = store.StartWatch({storage::KeyRange::Prefix(prefix)}, [&](storage::WatchResponse r) {
    auto now = Clock::now();
    std::lock_guard lock(mu);
    for (const auto& e : r.events) {
      int i = std::atoi(e.kv.value.c_str());
      if (i >= 0 && i < n) received[i] = now;
      ++delivered;
    }
    all_delivered.notify_all();
  });
  if (!watch.ok()) Fail("watch " + prefix, watch.status());
  for (int i = 0; i < n; ++i) {
    sent[i] = Clock::now();
    auto r = store.Put(prefix + std::to_string(i % 64), std::to_string(i));
    if (!r.ok()) Fail("put", r.status());
  }
  {
    std::unique_lock lock(mu);
    if (!all_delivered.wait_for(lock, std::chrono::seconds(60), [&] { return delivered >= n; })) {
      std::fprintf(stderr, "store_bench: only %d of %d events delivered\n", delivered, n);
      std::exit(1);
    }
  }
  (*watch)->Cancel();
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    ms.push_back(std::chrono::duration<double, std::milli>(received[i] - sent[i]).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "store_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--seconds") {
      config.seconds = std::atof(next().c_str());
    } else if (arg == "--value-bytes") {
      config.value_bytes = static_cast<size_t>(std::atol(next().c_str()));
    } else if (arg == "--latency-writes") {
      config.latency_writes = std::atoi(next().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: store_bench [--seconds N] [--value-bytes N] [--latency-writes N]\n");
      std::exit(2);
    }
  }
  if (config.seconds <= 0 || config.latency_writes <= 0) {
    std::fprintf(stderr, "store_bench: --seconds and --latency-writes must be positive\n");
    std::exit(2);
  }
  return config;
}

std::string Cell(std::optional<double> v, const char* format) {
  if (!v) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, *v);
  return buf;
}

int Main(int argc, char** argv) {
  Config config = ParseArgs(argc, argv);
  test::EtcdProcess etcd;
  Status started = etcd.Start();
  if (!started.ok()) Fail("start etcd", started);

  storage::EtcdOptions etcd_options;
  etcd_options.endpoints = {etcd.endpoint()};
  auto etcd_store = storage::OpenEtcdStore(etcd_options);
  if (!etcd_store.ok()) Fail("open etcd store", etcd_store.status());
  auto raw = storage::OpenEtcdRawClient(etcd_options);
  if (!raw.ok()) Fail("open raw etcd client", raw.status());

  std::unique_ptr<Store> sqlite_store;
#ifdef CARRIER_BENCH_SQLITE
  test::TempDir sqlite_dir("carrier-bench-sqlite");
  storage::SqliteOptions sqlite_options;
  sqlite_options.path = sqlite_dir.path() + "/store.db";
  sqlite_options.auto_compact = false;
  auto opened = storage::OpenSqliteStore(sqlite_options);
  if (!opened.ok()) Fail("open sqlite store", opened.status());
  sqlite_store = std::move(*opened);
#endif

  std::printf("bench/store: durable writes/s, %zu-byte values, %.1f s per cell, etcd %s\n",
              config.value_bytes, config.seconds, etcd.endpoint().c_str());
  std::printf("%-12s %12s %12s %12s %14s %14s\n", "concurrency", "sqlite", "etcd-store", "etcd-raw",
              "sqlite/raw", "etcd-store/raw");
  std::fflush(stdout);
  WriteFn raw_write = RawEtcdWriter(**raw);
  for (int c : config.concurrency) {
    std::optional<double> sqlite_rate;
    std::string tag = "/bench/c" + std::to_string(c) + "/";
    if (sqlite_store) {
      sqlite_rate = MeasureWrites(StoreWriter(*sqlite_store), tag, c, config.seconds,
                                  config.value_bytes);
    }
    double store_rate = MeasureWrites(StoreWriter(**etcd_store), tag + "store/", c, config.seconds,
                                      config.value_bytes);
    double raw_rate = MeasureWrites(raw_write, tag + "raw/", c, config.seconds, config.value_bytes);
    std::optional<double> sqlite_ratio;
    if (sqlite_rate) sqlite_ratio = *sqlite_rate / raw_rate;
    std::printf("%-12d %12s %12.0f %12.0f %14s %14s\n", c, Cell(sqlite_rate, "%.0f").c_str(),
                store_rate, raw_rate, Cell(sqlite_ratio, "%.2fx").c_str(),
                Cell(store_rate / raw_rate, "%.2fx").c_str());
    std::fflush(stdout);
  }

  std::printf("\nwatch delivery latency, write call -> callback (%d sequential writes)\n",
              config.latency_writes);
  std::printf("%-12s %10s %10s\n", "backend", "p50 ms", "p99 ms");
  if (sqlite_store) {
    Latency l = MeasureWatchLatency(*sqlite_store, "/bench/latency/", config);
    std::printf("%-12s %10.3f %10.3f\n", "sqlite", l.p50_ms, l.p99_ms);
  } else {
    std::printf("%-12s %10s %10s\n", "sqlite", "n/a", "n/a");
  }
  Latency l = MeasureWatchLatency(**etcd_store, "/bench/latency/", config);
  std::printf("%-12s %10.3f %10.3f\n", "etcd-store", l.p50_ms, l.p99_ms);
  return 0;
}

}  // namespace
}  // namespace carrier::bench

int main(int argc, char** argv) { return carrier::bench::Main(argc, argv); }
