#pragma once
// Fans committed events out to watches. The committer publishes each durable batch; a watch
// that starts at an older revision first replays history (from a recent-events ring or the
// database), then joins the live stream under the hub lock, so it sees every event once.
// Callbacks run on a small dispatcher pool, one at a time per watch, never on the commit
// path; a watch that falls too far behind ends with kUnavailable (see sqlite_store.h).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace carrier::storage::sqlite {

// Reads the events with revisions in [from, to] from the database, in order, with prev_kv
// when asked. Fails with kGone (and sets *compacted) when `from` is already compacted away.
using HistoryReader = std::function<Result<std::vector<Event>>(
    Revision from, Revision to, const KeyRange& range, bool prev_kv, Revision* compacted)>;

struct WatchHubLimits {
  size_t ring_events = 4096;          // recent events kept in memory for catching up
  size_t max_pending_events = 10000;  // per watch, before it ends with kUnavailable
  Revision replay_window = 1024;      // revisions read from the database per step
  int dispatchers = 2;
};

class WatchHub {
 public:
  WatchHub(HistoryReader reader, Revision committed, WatchHubLimits limits = {});
  ~WatchHub();  // stops the dispatchers; outstanding Watch handles stay safe to cancel
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Registers a watch. `compacted` is the store's compacted revision now.
  Result<std::unique_ptr<Watch>> Start(const WatchOptions& options, WatchCallback callback,
                                       Revision compacted);
  // Publishes a durable batch: `events` (in order) make up revisions up to `committed`.
  void Publish(Revision committed, std::vector<Event> events);

  struct Core;

 private:
  std::shared_ptr<Core> core_;
  std::vector<std::thread> dispatchers_;
};

}  // namespace carrier::storage::sqlite
