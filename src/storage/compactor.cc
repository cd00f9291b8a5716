#include "storage/compactor.h"

#include <spdlog/spdlog.h>

namespace carrier::storage {

Compactor::Compactor(Store& store, CompactionPolicy policy)
    : store_(store), policy_(policy), thread_([this] { Loop(); }) {}

Compactor::~Compactor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Result<Revision> Compactor::RunOnce(std::chrono::steady_clock::time_point now) {
  std::lock_guard run_lock(run_mu_);
  auto head = store_.CurrentRevision();
  if (!head.ok()) return head.status();
  samples_.emplace_back(now, *head);

  // The newest sample at least min_age old is the furthest we may compact by age.
  Revision by_age = 0;
  while (!samples_.empty() && now - samples_.front().first >= policy_.min_age) {
    by_age = samples_.front().second;
    samples_.pop_front();
  }
  if (by_age != 0) samples_.emplace_front(now - policy_.min_age, by_age);

  Revision target = std::min(by_age, *head - policy_.min_revisions);
  if (target <= compacted_ || target <= 0) return Revision{0};
  Status st = store_.Compact(target);
  if (!st.ok() && st.code() != Code::kGone) return st;
  compacted_ = target;
  return target;
}

void Compactor::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto done = RunOnce(std::chrono::steady_clock::now());
    if (!done.ok()) spdlog::warn("automatic compaction failed: {}", done.status().ToString());
    lock.lock();
    wake_.wait_for(lock, policy_.check_interval, [this] { return stopping_; });
  }
}

}  // namespace carrier::storage
