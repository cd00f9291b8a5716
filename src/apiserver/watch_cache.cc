#include "apiserver/watch_cache.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace carrier::apiserver {

using storage::Event;
using storage::KeyRange;
using storage::KeyValue;
using storage::Revision;
using storage::WatchResponse;
using Clock = std::chrono::steady_clock;

std::optional<std::string> ResourceCollectionOf(std::string_view key) {
  // "/<cluster>/<group>/<resource>/..." → "/<cluster>/<group>/<resource>/"
  if (key.size() < 2 || key[0] != '/' || key[1] == '_') return std::nullopt;
  size_t pos = 0;
  for (int segment = 0; segment < 3; ++segment) {
    pos = key.find('/', pos + 1);
    if (pos == std::string_view::npos) return std::nullopt;
  }
  return std::string(key.substr(0, pos + 1));
}

namespace {

struct CacheWatch {
  KeyRange range;
  bool prev_kv = true;
  std::chrono::milliseconds progress_interval{0};
  storage::WatchCallback callback;

  // Guarded by the cache's mutex.
  Revision next = 0;  // the first revision not yet queued
  std::deque<WatchResponse> pending;
  Revision progress_wanted = 0;  // queue a progress notification once the cache reaches it
  Clock::time_point last_queued = Clock::now();

  std::atomic<bool> cancelled{false};
  std::mutex deliver_mu;  // one callback at a time, in queue order
};

struct Collection {
  std::map<std::string, KeyValue, std::less<>> objects;
  Revision loaded_at = 0;      // the revision the initial list was read at
  std::deque<Event> history;   // the latest events, oldest first
  Revision complete_from = 0;  // history holds every event of the collection from here on
  std::vector<std::shared_ptr<CacheWatch>> watchers;
};

class WatchCache;

class CacheWatchHandle : public storage::Watch {
 public:
  CacheWatchHandle(WatchCache& cache, std::shared_ptr<CacheWatch> w)
      : cache_(cache), w_(std::move(w)) {}
  ~CacheWatchHandle() override { Cancel(); }
  void Cancel() override;
  void RequestProgress() override;

 private:
  WatchCache& cache_;
  std::shared_ptr<CacheWatch> w_;
};

class WatchCache : public storage::Store {
 public:
  WatchCache(storage::Store& backend, WatchCacheOptions options)
      : backend_(backend), options_(std::move(options)) {
    if (!options_.collection_of) options_.collection_of = ResourceCollectionOf;
  }

  ~WatchCache() override {
    std::unique_ptr<storage::Watch> feed;
    {
      std::lock_guard lock(mu_);
      feed = std::move(feed_);
    }
    if (feed) feed->Cancel();
  }

  Status StartFeed() {
    std::unique_lock lock(mu_);
    return StartFeedLocked(lock);
  }

  Result<storage::GetResult> Get(std::string_view key, Revision revision) override {
    auto collection = options_.collection_of(key);
    if (revision != 0 || !collection) return backend_.Get(key, revision);
    std::unique_lock lock(mu_);
    Collection* c = Ready(*collection, lock);
    if (c == nullptr) {
      lock.unlock();
      return backend_.Get(key, revision);
    }
    storage::GetResult result;
    result.revision = std::max(revision_, c->loaded_at);
    if (auto it = c->objects.find(key); it != c->objects.end()) result.kv = it->second;
    return result;
  }

  Result<storage::ListResult> List(const storage::ListOptions& options) override {
    auto collection = CollectionOfRange(options.range);
    if (options.revision != 0 || !collection) return backend_.List(options);
    std::unique_lock lock(mu_);
    Collection* c = Ready(*collection, lock);
    if (c == nullptr) {
      lock.unlock();
      return backend_.List(options);
    }
    storage::ListResult result;
    result.revision = std::max(revision_, c->loaded_at);
    const KeyRange& range = options.range;
    auto it = options.start_after.empty() ? c->objects.lower_bound(range.begin)
                                          : c->objects.upper_bound(options.start_after);
    if (!options.start_after.empty() && options.start_after < range.begin) {
      it = c->objects.lower_bound(range.begin);
    }
    for (; it != c->objects.end() && range.Contains(it->first); ++it) {
      if (options.limit > 0 && static_cast<int64_t>(result.kvs.size()) == options.limit) {
        result.more = true;
        for (; it != c->objects.end() && range.Contains(it->first); ++it) ++result.remaining;
        break;
      }
      KeyValue kv = it->second;
      if (options.keys_only) kv.value.clear();
      result.kvs.push_back(std::move(kv));
    }
    return result;
  }

  Result<storage::TxnResult> Txn(const storage::TxnRequest& request) override {
    auto result = backend_.Txn(request);
    if (result.ok()) {
      // Also after a failed compare: the caller may read next and must see what it lost to.
      Revision seen = last_write_.load();
      while (seen < result->revision && !last_write_.compare_exchange_weak(seen, result->revision)) {
      }
    }
    return result;
  }

  Result<std::unique_ptr<storage::Watch>> StartWatch(const storage::WatchOptions& options,
                                                     storage::WatchCallback callback) override {
    auto collection = CollectionOfRange(options.range);
    if (!callback || options.start_revision < 0) {
      return backend_.StartWatch(options, std::move(callback));
    }
    if (!collection) return StartWideWatch(options, std::move(callback));
    if (options.start_revision != 0) {
      // The contract: a start at or below the compacted revision is Gone, even if the
      // cache still has those events.
      std::unique_lock lock(mu_);
      const bool in_past = options.start_revision <= revision_;
      lock.unlock();
      if (in_past) {
        auto compacted = backend_.CompactedRevision();
        if (compacted.ok() && options.start_revision <= *compacted) {
          return backend_.StartWatch(options, std::move(callback));
        }
      }
    }
    std::unique_lock lock(mu_);
    Collection* c = Ready(*collection, lock);
    const Revision head = c ? std::max(revision_, c->loaded_at) : 0;
    const Revision start = options.start_revision != 0 ? options.start_revision : head + 1;
    if (c == nullptr || start < c->complete_from) {
      lock.unlock();
      storage::WatchOptions from_backend = options;
      from_backend.start_revision = start > 0 ? start : 0;
      return backend_.StartWatch(from_backend, std::move(callback));
    }
    auto w = std::make_shared<CacheWatch>();
    w->range = options.range;
    w->prev_kv = options.prev_kv;
    w->progress_interval = options.progress_interval;
    w->callback = std::move(callback);
    w->next = start;
    WatchResponse replay;
    for (const Event& e : c->history) {
      if (e.kv.mod_revision >= start && w->range.Contains(e.kv.key)) {
        replay.events.push_back(Shaped(*w, e));
      }
    }
    if (!replay.events.empty()) {
      replay.revision = replay.events.back().kv.mod_revision;
      w->next = replay.revision + 1;
      w->pending.push_back(std::move(replay));
    }
    w->next = std::max(w->next, head + 1);
    c->watchers.push_back(w);
    lock.unlock();
    Drain(*w);
    return std::unique_ptr<storage::Watch>(new CacheWatchHandle(*this, std::move(w)));
  }

  Result<Revision> CurrentRevision() override { return backend_.CurrentRevision(); }
  Result<Revision> CompactedRevision() override { return backend_.CompactedRevision(); }
  Status Compact(Revision revision) override { return backend_.Compact(revision); }
  Result<storage::LeaseId> GrantLease(std::chrono::seconds ttl) override {
    return backend_.GrantLease(ttl);
  }
  Status KeepAlive(storage::LeaseId lease) override { return backend_.KeepAlive(lease); }
  Status RevokeLease(storage::LeaseId lease) override { return backend_.RevokeLease(lease); }

  void CancelWatch(const std::shared_ptr<CacheWatch>& w) {
    {
      std::lock_guard lock(mu_);
      w->cancelled.store(true);
      wide_watchers_.erase(std::remove(wide_watchers_.begin(), wide_watchers_.end(), w),
                           wide_watchers_.end());
      if (auto collection = options_.collection_of(w->range.begin)) {
        if (auto it = collections_.find(*collection); it != collections_.end()) {
          auto& list = it->second.watchers;
          list.erase(std::remove(list.begin(), list.end(), w), list.end());
        }
      }
      w->pending.clear();
    }
    // Waits for a callback in progress.
    std::lock_guard deliver(w->deliver_mu);
  }

  void RequestProgressOf(const std::shared_ptr<CacheWatch>& w) {
    std::unique_lock lock(mu_);
    if (w->cancelled.load()) return;
    const Revision target = std::max(last_write_.load(), revision_);
    if (w->progress_wanted == 0) ++progress_waiters_;
    w->progress_wanted = std::max<Revision>(target, 1);
    QueueWantedProgress();
    if (w->progress_wanted != 0 && feed_) feed_->RequestProgress();
    lock.unlock();
    Drain(*w);
  }

 private:
  // A watch of a range that is not one collection (the controllers watch everything). It has
  // no history, so it starts from the cache's revision or later; its events are delivered
  // after the cache applied them, so a read made on receiving one sees at least that change.
  Result<std::unique_ptr<storage::Watch>> StartWideWatch(const storage::WatchOptions& options,
                                                         storage::WatchCallback callback) {
    std::unique_lock lock(mu_);
    if (broken_ && !StartFeedLocked(lock).ok()) {
      lock.unlock();
      return backend_.StartWatch(options, std::move(callback));
    }
    if (options.start_revision != 0 && options.start_revision <= revision_) {
      lock.unlock();
      return backend_.StartWatch(options, std::move(callback));
    }
    auto w = std::make_shared<CacheWatch>();
    w->range = options.range;
    w->prev_kv = options.prev_kv;
    w->progress_interval = options.progress_interval;
    w->callback = std::move(callback);
    w->next = options.start_revision != 0 ? options.start_revision : revision_ + 1;
    wide_watchers_.push_back(w);
    return std::unique_ptr<storage::Watch>(new CacheWatchHandle(*this, std::move(w)));
  }

  // Every watcher: those of each cached collection, then the wide ones.
  template <typename F>
  void ForEachWatcher(F&& f) {
    for (auto& [name, c] : collections_) {
      for (auto& w : c.watchers) f(w);
    }
    for (auto& w : wide_watchers_) f(w);
  }

  Status StartFeedLocked(std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    auto head = backend_.CurrentRevision();
    lock.lock();
    if (!head.ok()) return head.status();
    revision_ = *head;
    collections_.clear();
    storage::WatchOptions feed;
    feed.range = KeyRange::All();
    feed.start_revision = revision_ + 1;
    feed.prev_kv = true;
    feed.progress_interval = options_.feed_progress_interval;
    lock.unlock();
    auto watch = backend_.StartWatch(feed, [this](WatchResponse r) { OnFeed(std::move(r)); });
    lock.lock();
    if (!watch.ok()) return watch.status();
    feed_ = std::move(*watch);
    broken_ = false;
    return {};
  }

  std::optional<std::string> CollectionOfRange(const KeyRange& range) const {
    if (range.end.empty()) return options_.collection_of(range.begin);
    if (range.end == std::string(1, '\0')) return std::nullopt;
    auto collection = options_.collection_of(range.begin);
    if (!collection && range.begin.size() > 1 && range.begin.back() == '/') {
      // A prefix that is exactly a collection ("/c/core/pods/").
      collection = options_.collection_of(range.begin + "x");
    }
    if (!collection || range.begin.compare(0, collection->size(), *collection) != 0) {
      return std::nullopt;
    }
    const std::string end = storage::PrefixEnd(*collection);
    if (!end.empty() && range.end > end) return std::nullopt;
    return collection;
  }

  // The collection, loaded and caught up with this process's writes; null when the cache
  // cannot answer (the read then goes to the backend).
  Collection* Ready(const std::string& name, std::unique_lock<std::mutex>& lock) {
    if (broken_ && !StartFeedLocked(lock).ok()) return nullptr;
    if (!WaitFresh(lock)) return nullptr;
    auto it = collections_.find(name);
    if (it != collections_.end()) return &it->second;
    storage::ListOptions all;
    all.range = KeyRange::Prefix(name);
    // Under the lock, so no feed event is applied while loading; events at or below the
    // list's revision are then skipped for this collection.
    auto listed = backend_.List(all);
    if (!listed.ok()) return nullptr;
    Collection& c = collections_[name];
    for (auto& kv : listed->kvs) {
      std::string key = kv.key;
      c.objects.emplace(std::move(key), std::move(kv));
    }
    c.loaded_at = listed->revision;
    c.complete_from = listed->revision + 1;
    return &c;
  }

  bool WaitFresh(std::unique_lock<std::mutex>& lock) {
    Revision target = last_write_.load();
    if (options_.consistent_reads_from_backend) {
      lock.unlock();
      auto head = backend_.CurrentRevision();
      lock.lock();
      if (!head.ok()) return false;
      target = std::max(target, *head);
    }
    if (revision_ >= target) return true;
    if (feed_) feed_->RequestProgress();  // a revision without an event (none in the feed)
    return advanced_.wait_for(lock, options_.freshness_wait,
                              [&] { return revision_ >= target || broken_; }) &&
           !broken_;
  }

  Event Shaped(const CacheWatch& w, const Event& e) const {
    if (w.prev_kv || !e.prev_kv) return e;
    Event copy = e;
    copy.prev_kv.reset();
    return copy;
  }

  void Queue(CacheWatch& w, WatchResponse response, std::vector<std::shared_ptr<CacheWatch>>& touched,
             const std::shared_ptr<CacheWatch>& ref) {
    w.pending.push_back(std::move(response));
    w.last_queued = Clock::now();
    if (std::find(touched.begin(), touched.end(), ref) == touched.end()) touched.push_back(ref);
  }

  void OnFeed(WatchResponse response) {
    std::vector<std::shared_ptr<CacheWatch>> touched;
    {
      std::lock_guard lock(mu_);
      if (!response.error.ok()) {
        // Events may have been missed: every cached collection is dropped and its watchers
        // end (they resume from their last revision through a new watch).
        ForEachWatcher([&](const std::shared_ptr<CacheWatch>& w) {
          WatchResponse end;
          end.error = Status(Code::kUnavailable, "the watch cache restarted: " +
                                                     response.error.message());
          end.revision = w->next - 1;
          Queue(*w, std::move(end), touched, w);
        });
        collections_.clear();
        wide_watchers_.clear();
        broken_ = true;
      } else {
        std::unordered_map<CacheWatch*, WatchResponse> batches;
        std::vector<std::shared_ptr<CacheWatch>> order;
        for (Event& e : response.events) {
          const Revision rev = e.kv.mod_revision;
          auto offer = [&](const std::shared_ptr<CacheWatch>& w) {
            if (rev < w->next || !w->range.Contains(e.kv.key)) return;
            WatchResponse& batch = batches[w.get()];
            if (batch.events.empty()) order.push_back(w);
            batch.events.push_back(Shaped(*w, e));
            batch.revision = rev;  // w->next moves after the response: a txn's events share it
          };
          for (auto& w : wide_watchers_) offer(w);
          auto name = options_.collection_of(e.kv.key);
          auto it = name ? collections_.find(*name) : collections_.end();
          if (it != collections_.end() && rev > it->second.loaded_at) {
            Collection& c = it->second;
            if (e.type == Event::Type::kDelete) {
              c.objects.erase(e.kv.key);
            } else {
              c.objects[e.kv.key] = e.kv;
            }
            for (auto& w : c.watchers) offer(w);
            c.history.push_back(std::move(e));
            while (c.history.size() > options_.history_per_collection) {
              c.complete_from = c.history.front().kv.mod_revision + 1;
              c.history.pop_front();
            }
          }
          revision_ = std::max(revision_, rev);
        }
        for (auto& w : order) {
          WatchResponse& batch = batches[w.get()];
          w->next = batch.revision + 1;
          Queue(*w, std::move(batch), touched, w);
        }
        revision_ = std::max(revision_, response.revision);
        if (response.IsProgress()) QueuePeriodicProgress(touched);
        if (progress_waiters_ > 0) QueueWantedProgress(&touched);
      }
    }
    advanced_.notify_all();
    for (auto& w : touched) Drain(*w);
  }

  // Bookmarks for idle watchers that asked for them.
  void QueuePeriodicProgress(std::vector<std::shared_ptr<CacheWatch>>& touched) {
    const auto now = Clock::now();
    ForEachWatcher([&](const std::shared_ptr<CacheWatch>& w) {
      if (w->progress_interval.count() <= 0 || now - w->last_queued < w->progress_interval) {
        return;
      }
      WatchResponse progress;
      progress.revision = std::max(revision_, w->next - 1);
      w->next = progress.revision + 1;
      Queue(*w, std::move(progress), touched, w);
    });
  }

  void QueueWantedProgress(std::vector<std::shared_ptr<CacheWatch>>* touched = nullptr) {
    ForEachWatcher([&](const std::shared_ptr<CacheWatch>& w) {
      if (w->progress_wanted == 0 || revision_ < w->progress_wanted) return;
      w->progress_wanted = 0;
      --progress_waiters_;
      WatchResponse progress;
      progress.revision = std::max(revision_, w->next - 1);
      w->next = progress.revision + 1;
      w->pending.push_back(std::move(progress));
      w->last_queued = Clock::now();
      if (touched && std::find(touched->begin(), touched->end(), w) == touched->end()) {
        touched->push_back(w);
      }
    });
  }

  // Hands a watcher its queued responses, in order, one callback at a time.
  void Drain(CacheWatch& w) {
    std::lock_guard deliver(w.deliver_mu);
    for (;;) {
      std::deque<WatchResponse> batch;
      {
        std::lock_guard lock(mu_);
        batch.swap(w.pending);
      }
      if (batch.empty()) return;
      for (auto& r : batch) {
        if (w.cancelled.load()) return;
        const bool last = !r.error.ok();
        w.callback(std::move(r));
        if (last) {
          w.cancelled.store(true);
          return;
        }
      }
    }
  }

  storage::Store& backend_;
  WatchCacheOptions options_;
  std::atomic<Revision> last_write_{0};

  std::mutex mu_;
  std::condition_variable advanced_;
  Revision revision_ = 0;  // every event up to here is applied
  bool broken_ = false;    // the feed ended; restarted by the next read
  int progress_waiters_ = 0;
  std::map<std::string, Collection, std::less<>> collections_;
  std::vector<std::shared_ptr<CacheWatch>> wide_watchers_;  // ranges beyond one collection
  std::unique_ptr<storage::Watch> feed_;
};

void CacheWatchHandle::Cancel() { cache_.CancelWatch(w_); }
void CacheWatchHandle::RequestProgress() { cache_.RequestProgressOf(w_); }

}  // namespace

Result<std::unique_ptr<storage::Store>> StartWatchCache(storage::Store& backend,
                                                         WatchCacheOptions options) {
  auto cache = std::make_unique<WatchCache>(backend, std::move(options));
  CARRIER_RETURN_IF_ERROR(cache->StartFeed());
  return std::unique_ptr<storage::Store>(std::move(cache));
}

}  // namespace carrier::apiserver
