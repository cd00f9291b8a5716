#pragma once
// Automatic compaction for any Store: remembers which revision was current at which time
// and compacts history that is both older than the policy's minimum age and more than its
// minimum number of revisions behind the head. One thread serves the whole process.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "storage/store.h"

namespace carrier::storage {

class Compactor {
 public:
  Compactor(Store& store, CompactionPolicy policy);
  ~Compactor();  // stops the thread
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // One round: sample the head revision at `now` and compact if the policy allows.
  // Returns the revision compacted to, or 0 when nothing was compacted. Public for tests.
  Result<Revision> RunOnce(std::chrono::steady_clock::time_point now);

 private:
  void Loop();

  Store& store_;
  const CompactionPolicy policy_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, Revision>> samples_;
  Revision compacted_ = 0;
  std::mutex run_mu_;  // serialises RunOnce (the loop and tests)
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace carrier::storage
