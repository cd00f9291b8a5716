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

WorkQueue::WorkQueue() : timer_([this] { TimerLoop(); }) {}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (timer_.joinable()) timer_.join();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // requeued by Done
  queue_.push_back(key);
  ready_.notify_one();
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
  AddAfter(key, Backoff(failures));
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    ready_.notify_one();
  }
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
        if (!processing_.count(key)) {
          queue_.push_back(key);
          ready_.notify_one();
        }
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
