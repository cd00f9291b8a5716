#include "write_load.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <thread>
#include <vector>

namespace carrier::bench {

using Clock = std::chrono::steady_clock;

double MeasureWrites(const WriteFn& write, const std::string& prefix, int threads,
                     double seconds, size_t value_bytes) {
  const std::string value(value_bytes, 'v');
  std::atomic<bool> stop{false};
  std::atomic<int64_t> total{0};
  std::latch ready(threads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ready.arrive_and_wait();
      int64_t n = 0;
      const std::string base = prefix + std::to_string(t) + "/";
      while (!stop.load(std::memory_order_relaxed)) {
        write(base + std::to_string(n), value);
        ++n;
      }
      total += n;
    });
  }
  ready.arrive_and_wait();
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(total.load()) / elapsed;
}

WriteFn RawEtcdWriter(storage::EtcdRawClient& client) {
  return [&client](const std::string& key, const std::string& value) {
    auto r = client.Put(key, value);
    if (!r.ok()) {
      std::fprintf(stderr, "raw etcd put %s: %s\n", key.c_str(), r.status().ToString().c_str());
      std::exit(1);
    }
    return true;
  };
}

}  // namespace carrier::bench
