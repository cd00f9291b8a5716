#include "controllers/work_queue.h"

#include <algorithm>

namespace carrier::controllers {

std::chrono::milliseconds Backoff(size_t failures) {
  constexpr int64_t kBaseMs = 5;
  constexpr int64_t kMaxMs = 1000 * 1000;
  if (failures == 0) return std::chrono::milliseconds(0);
  int64_t ms = kBaseMs;
  for (size_t i = 1; i < failures && ms < kMaxMs; ++i) ms *= 2;
  return std::chrono::milliseconds(std::min(ms, kMaxMs));
}

WorkQueue::WorkQueue(metrics::Registry* registry, const std::string& name) {
  if (registry != nullptr) {
    adds_ = registry->CounterOf("workqueue_adds_total", "Total number of adds handled by workqueue",
                                "name", name);
    retries_ = registry->CounterOf("workqueue_retries_total",
                                   "Total number of retries handled by workqueue", "name", name);
    queue_duration_ = registry->HistogramOf(
        "workqueue_queue_duration_seconds",
        "How long in seconds an item stays in workqueue before being requested.",
        metrics::ExponentialBuckets(1e-8, 10, 10), "name", name);
    registry->Gauge("workqueue_depth", "Current depth of workqueue",
                    [this] { return static_cast<double>(Length()); }, "name", name);
  }
  timer_ = std::thread([this] { TimerLoop(); });  // after the members it reads are set
}

void WorkQueue::PushLocked(const std::string& key) {
  queue_.push_back(key);
  if (queue_duration_) queued_at_[key] = std::chrono::steady_clock::now();
  ready_.notify_one();
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (timer_.joinable()) timer_.join();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (adds_) adds_->Add();
  if (processing_.count(key)) return;  // requeued by Done
  PushLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return Add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  delayed_.emplace(std::chrono::steady_clock::now() + delay, key);
  timer_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  size_t failures;
  {
    std::lock_guard lock(mu_);
    failures = ++failures_[key];
  }
  if (retries_) retries_->Add();
  AddAfter(key, Backoff(failures));
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (shutting_down_) return std::nullopt;  // what is still queued is dropped: we are stopping
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  if (auto it = queued_at_.find(key); it != queued_at_.end()) {
    queue_duration_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count());
    queued_at_.erase(it);
  }
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) PushLocked(key);
}

void WorkQueue::ShutDown() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  ready_.notify_all();
  timer_cv_.notify_all();
}

size_t WorkQueue::Length() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkQueue::Failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    auto now = std::chrono::steady_clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      std::string key = delayed_.begin()->second;
      delayed_.erase(delayed_.begin());
      if (!dirty_.count(key)) {
        dirty_.insert(key);
        if (adds_) adds_->Add();
        if (!processing_.count(key)) PushLocked(key);
      }
    }
    if (delayed_.empty()) {
      timer_cv_.wait(lock);
    } else {
      timer_cv_.wait_until(lock, delayed_.begin()->first);
    }
  }
}

}  // namespace carrier::controllers
