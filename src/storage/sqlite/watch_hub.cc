#include "storage/sqlite/watch_hub.h"

#include <algorithm>
#include <optional>

namespace carrier::storage::sqlite {

namespace {

using Clock = std::chrono::steady_clock;

struct WatchState {
  KeyRange range;
  bool prev_kv = true;
  std::chrono::milliseconds progress_interval{0};
  WatchCallback callback;

  Revision min_revision = 0;  // events below it are not wanted (a start in the future)
  bool synced = false;        // live events are appended by Publish
  Revision next_replay = 0;   // while not synced: the next revision to replay
  Revision delivered = 0;     // every matching event up to here has been handed over
  std::deque<Event> pending;
  std::optional<WatchResponse> final;  // the error that ends the watch

  bool progress_requested = false;
  bool progress_due = false;
  Clock::time_point last_sent;

  bool scheduled = false;  // queued for, or held by, a dispatcher
  bool running = false;    // a dispatcher is reading history or running the callback
  bool cancelled = false;
  bool ended = false;
};

// The watch a dispatcher thread is serving, so Cancel() from inside a callback cannot wait
// for itself.
thread_local const WatchState* serving = nullptr;

}  // namespace

struct WatchHub::Core {
  HistoryReader reader;
  WatchHubLimits limits;

  std::mutex mu;
  std::condition_variable work_cv;  // dispatchers: ready work or a progress deadline
  std::condition_variable idle_cv;  // Cancel(): the watch's dispatcher finished
  bool stopping = false;
  Revision committed = 0;
  std::deque<Event> ring;  // every event with revision >= ring_first, in order
  Revision ring_first = 1;
  std::vector<std::shared_ptr<WatchState>> watches;
  std::deque<std::shared_ptr<WatchState>> ready;

  void Schedule(const std::shared_ptr<WatchState>& w) {
    if (w->scheduled || w->cancelled || w->ended) return;
    w->scheduled = true;
    ready.push_back(w);
    work_cv.notify_one();
  }

  void Remove(const WatchState* w) {
    std::erase_if(watches, [w](const auto& p) { return p.get() == w; });
  }

  // Adds one event to a watch's pending queue, ending the watch when it is too far behind.
  void Append(WatchState& w, const Event& e) {
    if (w.final || e.kv.mod_revision < w.min_revision || !w.range.Contains(e.kv.key)) return;
    if (w.pending.size() >= limits.max_pending_events) {
      WatchResponse end;
      end.revision = w.delivered;
      end.error = Unavailable("watch fell more than " + std::to_string(limits.max_pending_events) +
                              " events behind; resume with a new watch from revision " +
                              std::to_string(w.delivered + 1));
      w.final = std::move(end);
      w.pending.clear();
      return;
    }
    Event copy = e;
    if (!w.prev_kv) copy.prev_kv.reset();
    w.pending.push_back(std::move(copy));
  }

  // Joins the live stream when the ring holds everything the watch still needs.
  bool TrySync(WatchState& w) {
    if (w.synced) return true;
    if (w.next_replay > committed) {
      w.synced = true;
    } else if (w.next_replay >= ring_first) {
      for (const auto& e : ring) {
        if (e.kv.mod_revision >= w.next_replay) Append(w, e);
      }
      w.synced = true;
    }
    return w.synced;
  }

  bool HasWork(const WatchState& w) const {
    return w.final || !w.synced || !w.pending.empty() || (w.progress_requested || w.progress_due);
  }

  // What to hand the callback next (nullopt: nothing). May unlock to read history.
  std::optional<WatchResponse> Next(const std::shared_ptr<WatchState>& w,
                                    std::unique_lock<std::mutex>& lock) {
    if (w->final) {
      WatchResponse end = std::move(*w->final);
      w->final.reset();
      w->ended = true;
      Remove(w.get());
      return end;
    }
    if (!TrySync(*w)) {
      const Revision from = w->next_replay;
      const Revision to = std::min(committed, from + limits.replay_window - 1);
      lock.unlock();
      Revision compacted = 0;
      auto events = reader(from, to, w->range, w->prev_kv, &compacted);
      lock.lock();
      if (w->cancelled) return std::nullopt;
      if (!events.ok()) {
        WatchResponse end;
        end.error = events.status();
        end.compact_revision = compacted;
        end.revision = w->delivered;
        w->ended = true;
        Remove(w.get());
        return end;
      }
      for (auto& e : *events) w->pending.push_back(std::move(e));
      w->next_replay = to + 1;
      TrySync(*w);
      if (w->final) return Next(w, lock);
    }
    if (!w->pending.empty()) {
      WatchResponse batch;
      batch.events.assign(std::make_move_iterator(w->pending.begin()),
                          std::make_move_iterator(w->pending.end()));
      w->pending.clear();
      batch.revision = batch.events.back().kv.mod_revision;
      w->delivered = batch.revision;
      return batch;
    }
    if (w->synced && (w->progress_requested || w->progress_due)) {
      w->progress_requested = w->progress_due = false;
      WatchResponse progress;
      progress.revision = committed;
      w->delivered = std::max(w->delivered, committed);
      return progress;
    }
    return std::nullopt;
  }

  // Marks idle watches whose progress interval has passed; returns the next deadline.
  Clock::time_point ScanProgress(Clock::time_point now) {
    auto next = Clock::time_point::max();
    for (const auto& w : watches) {
      if (w->progress_interval.count() <= 0 || w->ended || w->cancelled) continue;
      auto due = w->last_sent + w->progress_interval;
      if (due <= now) {
        if (w->synced && w->pending.empty()) {
          w->progress_due = true;
          Schedule(w);
        }
        due = now + w->progress_interval;
      }
      next = std::min(next, due);
    }
    return next;
  }

  void DispatchLoop() {
    std::unique_lock lock(mu);
    auto next_scan = Clock::now();
    while (!stopping) {
      auto now = Clock::now();
      if (now >= next_scan) next_scan = ScanProgress(now);
      if (ready.empty()) {
        if (next_scan == Clock::time_point::max()) {
          work_cv.wait(lock);
        } else {
          work_cv.wait_until(lock, next_scan);
        }
        // A new watch with a progress interval may need an earlier scan.
        next_scan = std::min(next_scan, Clock::now());
        continue;
      }
      auto w = std::move(ready.front());
      ready.pop_front();
      if (w->cancelled || w->ended) {
        w->scheduled = false;
        continue;
      }
      w->running = true;
      auto response = Next(w, lock);
      if (response && !w->cancelled) {
        lock.unlock();
        serving = w.get();
        w->callback(std::move(*response));
        serving = nullptr;
        lock.lock();
        w->last_sent = Clock::now();
      }
      w->running = false;
      idle_cv.notify_all();
      if (!w->cancelled && !w->ended && HasWork(*w)) {
        ready.push_back(std::move(w));
      } else {
        w->scheduled = false;
      }
    }
  }
};

namespace {

class HubWatch : public Watch {
 public:
  HubWatch(std::shared_ptr<WatchHub::Core> core, std::shared_ptr<WatchState> state)
      : core_(std::move(core)), state_(std::move(state)) {}
  ~HubWatch() override { Cancel(); }

  void Cancel() override {
    std::unique_lock lock(core_->mu);
    if (state_->cancelled) return;
    state_->cancelled = true;
    core_->Remove(state_.get());
    if (serving == state_.get()) return;  // called from its own callback
    core_->idle_cv.wait(lock, [&] { return !state_->running; });
  }

  void RequestProgress() override {
    std::lock_guard lock(core_->mu);
    state_->progress_requested = true;
    core_->Schedule(state_);
  }

 private:
  std::shared_ptr<WatchHub::Core> core_;
  std::shared_ptr<WatchState> state_;
};

}  // namespace

WatchHub::WatchHub(HistoryReader reader, Revision committed, WatchHubLimits limits)
    : core_(std::make_shared<Core>()) {
  core_->reader = std::move(reader);
  core_->limits = limits;
  core_->committed = committed;
  core_->ring_first = committed + 1;
  for (int i = 0; i < std::max(1, limits.dispatchers); ++i) {
    dispatchers_.emplace_back([core = core_.get()] { core->DispatchLoop(); });
  }
}

WatchHub::~WatchHub() {
  {
    std::lock_guard lock(core_->mu);
    core_->stopping = true;
  }
  core_->work_cv.notify_all();
  for (auto& t : dispatchers_) t.join();
}

Result<std::unique_ptr<Watch>> WatchHub::Start(const WatchOptions& options, WatchCallback callback,
                                               Revision compacted) {
  if (!callback) return InvalidArgument("watch needs a callback");
  if (options.start_revision < 0) return InvalidArgument("negative watch start revision");
  auto w = std::make_shared<WatchState>();
  w->range = options.range;
  w->prev_kv = options.prev_kv;
  w->progress_interval = options.progress_interval;
  w->callback = std::move(callback);
  w->last_sent = Clock::now();

  std::lock_guard lock(core_->mu);
  if (options.start_revision != 0 && options.start_revision <= compacted) {
    return Gone("watch start revision " + std::to_string(options.start_revision) +
                " is compacted (compacted revision " + std::to_string(compacted) + ")");
  }
  Revision start = options.start_revision != 0 ? options.start_revision : core_->committed + 1;
  w->min_revision = start;
  w->next_replay = start;
  w->delivered = start - 1;
  core_->TrySync(*w);
  core_->watches.push_back(w);
  if (!w->synced || !w->pending.empty() || w->final) core_->Schedule(w);
  if (w->progress_interval.count() > 0) core_->work_cv.notify_all();
  return std::unique_ptr<Watch>(new HubWatch(core_, std::move(w)));
}

void WatchHub::Publish(Revision committed, std::vector<Event> events) {
  std::lock_guard lock(core_->mu);
  core_->committed = committed;
  for (const auto& w : core_->watches) {
    if (!w->synced || w->cancelled || w->ended) continue;
    size_t before = w->pending.size();
    bool had_final = w->final.has_value();
    for (const auto& e : events) core_->Append(*w, e);
    if (w->pending.size() != before || w->final.has_value() != had_final) core_->Schedule(w);
  }
  for (auto& e : events) core_->ring.push_back(std::move(e));
  while (core_->ring.size() > core_->limits.ring_events) {
    Revision oldest = core_->ring.front().kv.mod_revision;
    while (!core_->ring.empty() && core_->ring.front().kv.mod_revision == oldest) {
      core_->ring.pop_front();
    }
    core_->ring_first = oldest + 1;
  }
  if (core_->ring.empty()) core_->ring_first = committed + 1;
}

}  // namespace carrier::storage::sqlite
