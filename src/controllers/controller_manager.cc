#include "controllers/controller_manager.h"

#include <spdlog/spdlog.h>

namespace carrier::controllers {

namespace {
// The work-queue key that restarts the watch after it ended.
constexpr std::string_view kResyncKey = "resync";
// A reconcile slower than this holds a shared worker too long: it is logged.
constexpr std::chrono::milliseconds kSlowReconcile{1000};
}  // namespace

std::optional<ObjectRef> ParseObjectKey(std::string_view key) {
  if (key.size() < 2 || key[0] != '/' || key[1] == '_') return std::nullopt;
  std::vector<std::string_view> parts;
  size_t start = 1;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    parts.push_back(key.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() != 4 && parts.size() != 5) return std::nullopt;
  for (auto p : parts) {
    if (p.empty()) return std::nullopt;
  }
  ObjectRef ref;
  ref.cluster = std::string(parts[0]);
  ref.group = parts[1] == "core" ? "" : std::string(parts[1]);
  ref.resource = std::string(parts[2]);
  if (parts.size() == 5) ref.namespace_ = std::string(parts[3]);
  ref.name = std::string(parts.back());
  return ref;
}

ControllerManager::ControllerManager(storage::Store& store, int workers,
                                     metrics::Registry* registry)
    : store_(store),
      worker_count_(workers),
      registry_(registry),
      queue_(registry, "controllers") {
  if (registry_) {
    work_duration_ = registry_->HistogramOf(
        "workqueue_work_duration_seconds",
        "How long in seconds processing an item from workqueue takes.",
        metrics::ExponentialBuckets(1e-8, 10, 10), "name", "controllers");
  }
}

ControllerManager::~ControllerManager() { Stop(); }

void ControllerManager::Add(std::unique_ptr<Controller> controller) {
  if (registry_) {
    const std::string name(controller->name());
    metrics_.push_back(
        {registry_->HistogramOf("carrier_controller_reconcile_duration_seconds",
                                "How long in seconds one reconcile of a controller takes.",
                                metrics::ExponentialBuckets(1e-5, 4, 12), "controller", name),
         registry_->CounterOf("carrier_controller_reconcile_errors_total",
                              "Reconciles that failed and were retried with backoff.",
                              "controller", name)});
  }
  controllers_.push_back(std::move(controller));
}

Status ControllerManager::Start() {
  CARRIER_RETURN_IF_ERROR(Resync());
  for (int i = 0; i < worker_count_; ++i) workers_.emplace_back([this] { Work(); });
  return {};
}

void ControllerManager::Stop() {
  if (stopping_.exchange(true)) return;
  std::unique_ptr<storage::Watch> watch;
  {
    std::lock_guard lock(watch_mu_);
    watch = std::move(watch_);
  }
  if (watch) watch->Cancel();
  queue_.ShutDown();
  for (auto& t : workers_) t.join();
}

void ControllerManager::Enqueue(size_t controller, const std::string& key) {
  queue_.Add(std::to_string(controller) + "|" + key);
}

void ControllerManager::Route(Change::Type type, std::string_view key,
                              const std::string* previous, const std::string* value) {
  auto ref = ParseObjectKey(key);
  if (!ref) return;
  std::lock_guard lock(route_mu_);  // the watch and a resync's list may route at once
  Change change{type, *ref, previous, value};
  std::vector<std::string> keys;
  for (size_t i = 0; i < controllers_.size(); ++i) {
    keys.clear();
    controllers_[i]->OnChange(change, keys);
    for (const auto& k : keys) Enqueue(i, k);
  }
}

// Follows changes from now on, then offers every existing object to the controllers. The
// watch starts first so that no change falls between the two; a change seen both ways only
// queues its key twice (reconcilers are level-triggered). Through the watch cache the
// events arrive after the cache applied them, so a reconcile never reads older state than
// the event that queued it.
Status ControllerManager::Resync() {
  storage::WatchOptions options;
  options.range = storage::KeyRange::All();
  options.start_revision = 0;
  options.prev_kv = true;  // a deleted owner's uid is in its last value
  auto watch = store_.StartWatch(options, [this](storage::WatchResponse r) {
    if (!r.error.ok()) {
      if (!stopping_) queue_.AddAfter(std::string(kResyncKey), std::chrono::milliseconds(100));
      return;
    }
    for (const auto& e : r.events) {
      Route(e.type == storage::Event::Type::kDelete ? Change::Type::kDelete : Change::Type::kPut,
            e.kv.key, e.prev_kv ? &e.prev_kv->value : nullptr,
            e.type == storage::Event::Type::kPut ? &e.kv.value : nullptr);
    }
  });
  if (!watch.ok()) return watch.status();
  {
    std::lock_guard lock(watch_mu_);
    watch_ = std::move(*watch);
  }
  storage::ListOptions list;
  list.range = storage::KeyRange::All();
  list.limit = 500;
  for (;;) {
    auto page = store_.List(list);
    if (!page.ok()) return page.status();
    list.revision = page->revision;
    for (const auto& kv : page->kvs) Route(Change::Type::kPut, kv.key, nullptr, &kv.value);
    if (!page->more || page->kvs.empty()) break;
    list.start_after = page->kvs.back().key;
  }
  return {};
}

void ControllerManager::Work() {
  while (auto item = queue_.Get()) {
    const std::string& entry = *item;
    if (entry == kResyncKey) {
      if (Status st = Resync(); !st.ok()) {
        spdlog::warn("controllers: resync failed: {}", st.message());
        queue_.AddRateLimited(entry);
      } else {
        queue_.Forget(entry);
      }
      queue_.Done(entry);
      continue;
    }
    const size_t bar = entry.find('|');
    const size_t index = std::stoul(entry.substr(0, bar));
    const std::string key = entry.substr(bar + 1);
    std::chrono::milliseconds requeue_after{0};
    const auto started = std::chrono::steady_clock::now();
    Status st = controllers_[index]->Reconcile(key, requeue_after);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (registry_) {
      const double seconds = std::chrono::duration<double>(took).count();
      work_duration_->Observe(seconds);
      metrics_[index].reconcile->Observe(seconds);
      if (!st.ok()) metrics_[index].errors->Add();
    }
    if (took > kSlowReconcile) {
      spdlog::warn("controller {}: reconciling {} took {} ms", controllers_[index]->name(), key,
                   took.count());
    }
    if (!st.ok()) {
      queue_.AddRateLimited(entry);
      spdlog::debug("controller {}: {}: {} (retry {})", controllers_[index]->name(), key,
                    st.message(), queue_.Failures(entry));
    } else {
      queue_.Forget(entry);
      if (requeue_after.count() > 0) queue_.AddAfter(entry, requeue_after);
    }
    queue_.Done(entry);
  }
}

}  // namespace carrier::controllers
