#pragma once
// Small helpers for tests and benchmarks: a temporary directory removed on destruction, a
// free loopback TCP port, and waiting on a condition with a deadline.

#include <chrono>
#include <functional>
#include <string>

namespace carrier::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "carrier-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the caller must cope with a race).
int FreePort();

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace carrier::test
