#pragma once
// The in-process controller runtime: every controller of every logical cluster is fed from
// one watch over the whole store (through the API server's watch cache) and served by one
// pool of worker threads over one work queue. Nothing runs for an idle cluster: a store
// change is routed to the controllers it concerns, which queue the keys to reconcile;
// reconcilers are level-triggered (they read the current state and make it right) and a
// failure retries with backoff. At start, and whenever the watch has to be restarted, every
// existing object is offered to the controllers once (a resync). Controllers reading and
// watching through the watch cache see every event only after the cache applied it.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "controllers/work_queue.h"
#include "storage/store.h"

namespace carrier::controllers {

// A store key of an API object: /<cluster>/<group or "core">/<resource>/[<ns>/]<name>.
struct ObjectRef {
  std::string cluster;
  std::string group;  // "" for the core group
  std::string resource;
  std::string namespace_;  // "" for cluster-scoped objects
  std::string name;
};
// nullopt for keys that are not API objects (Carrier's own records under /_carrier/...).
std::optional<ObjectRef> ParseObjectKey(std::string_view key);

struct Change {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  const ObjectRef& ref;
  // The stored value before the change (a delete's last value); null during a resync.
  const std::string* previous_value = nullptr;
  const std::string* value = nullptr;  // a put's new value (also during a resync)
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string_view name() const = 0;
  // Adds to `keys` what to reconcile because of this change (often nothing).
  virtual void OnChange(const Change& change, std::vector<std::string>& keys) = 0;
  // Makes the world match the desired state for `key`. An error retries with backoff;
  // `requeue_after` > 0 asks to look again later even on success.
  virtual Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) = 0;
};

class ControllerManager {
 public:
  // With `registry`, the queue's workqueue_* metrics (name "controllers") and per controller
  // carrier_controller_reconcile_duration_seconds and carrier_controller_reconcile_errors_total.
  ControllerManager(storage::Store& store, int workers, metrics::Registry* registry = nullptr);
  ~ControllerManager();  // Stop()

  void Add(std::unique_ptr<Controller> controller);  // before Start
  Status Start();
  void Stop();

  size_t QueueLength() const { return queue_.Length(); }

 private:
  void Work();
  void Route(Change::Type type, std::string_view key, const std::string* previous = nullptr,
             const std::string* value = nullptr);
  Status Resync();
  void Enqueue(size_t controller, const std::string& key);

  storage::Store& store_;
  const int worker_count_;
  metrics::Registry* registry_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  struct ControllerMetrics {
    metrics::Histogram* reconcile = nullptr;
    metrics::Counter* errors = nullptr;
  };
  std::vector<ControllerMetrics> metrics_;  // per controller, when registry_ is set
  metrics::Histogram* work_duration_ = nullptr;
  WorkQueue queue_;  // keys "<controller index>|<key>"
  std::unique_ptr<storage::Watch> watch_;
  std::mutex watch_mu_;
  std::mutex route_mu_;  // controllers see one change at a time
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace carrier::controllers
