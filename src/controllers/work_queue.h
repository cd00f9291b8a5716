#pragma once
// A work queue of string keys, as controllers use them: a key added while it is queued is
// queued once; a key added while a worker processes it is processed again after that worker
// is done (never by two workers at once); a failed key comes back after an exponential
// backoff (5 ms doubling up to 1000 s) until it succeeds. One queue serves every logical
// cluster: keys name the cluster. Delayed adds share one timer thread per queue.
// With a metrics registry it reports Kubernetes' workqueue metrics for its name:
// workqueue_depth, workqueue_adds_total, workqueue_retries_total and
// workqueue_queue_duration_seconds (workqueue_work_duration_seconds is its user's to observe).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>

#include "base/metrics.h"

namespace carrier::controllers {

class WorkQueue {
 public:
  // `registry` may be null (no metrics).
  explicit WorkQueue(metrics::Registry* registry = nullptr, const std::string& name = "");
  ~WorkQueue();  // ShutDown()

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Requeues a key whose processing failed, after its backoff.
  void AddRateLimited(const std::string& key);
  // Forgets a key's failures (call after it succeeded).
  void Forget(const std::string& key);

  // Blocks for the next key; nullopt once shut down (keys still queued are not handed out).
  std::optional<std::string> Get();
  // Marks a key from Get() as processed (it is queued again if it was added meanwhile).
  void Done(const std::string& key);

  void ShutDown();
  size_t Length() const;
  size_t Failures(const std::string& key) const;

 private:
  void TimerLoop();
  void PushLocked(const std::string& key);  // to the back of queue_, noting when

  metrics::Counter* adds_ = nullptr;
  metrics::Counter* retries_ = nullptr;
  metrics::Histogram* queue_duration_ = nullptr;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> queued_at_;

  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::condition_variable timer_cv_;
  std::deque<std::string> queue_;
  std::set<std::string, std::less<>> dirty_;       // queued (or to requeue after Done)
  std::set<std::string, std::less<>> processing_;  // handed to a worker
  std::unordered_map<std::string, size_t> failures_;
  std::multimap<std::chrono::steady_clock::time_point, std::string> delayed_;
  bool shutting_down_ = false;
  std::thread timer_;
};

// The backoff of a key after `failures` consecutive failures.
std::chrono::milliseconds Backoff(size_t failures);

}  // namespace carrier::controllers
