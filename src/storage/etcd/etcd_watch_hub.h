#pragma once
// Internal to the etcd backend: every watch of one Store multiplexed over a single etcd
// Watch stream. A reader thread owns the stream: it dispatches responses to the watches'
// callbacks and, when the stream breaks, reconnects (to the next endpoint if need be) and
// re-creates every watch from its last delivered revision + 1, so callbacks see no gap and
// no duplicate. Watch ids are chosen by the client, so they survive a reconnect.
//
// Progress: etcd answers a WatchProgressRequest with a stream-wide revision and no id.
// etcd 3.4.23 answers at once, on a control path that can overtake events still queued in
// the server (etcd issue 15220); newer releases answer in order but defer, and may never
// send, the answer while a watch of the stream is catching up. The hub therefore keeps at
// most one progress request unanswered per stream (so an answer always belongs to the round
// that asked), asks twice and reports the first answer only after the second arrives, and
// restarts the stream when a round gets no usable answer in time (see etcd_watch_hub.cc).
// Notifications go only to watches known to be caught up: created at or beyond the head,
// or having seen an event at or beyond their creation head, or one of etcd's periodic
// per-watch notifications (sent only to caught-up watchers; every
// --experimental-watch-progress-notify-interval, 10 minutes by default). A watch that
// started in the past and sees no event may therefore wait that long for its first one.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/etcd/etcd_connection.h"

namespace carrier::storage::etcd {

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // A restart re-creates every watch, and on etcd 3.4.23 (which never drops an answer) a
  // quiet watch re-created after writes is no longer known to be caught up, so the deadline
  // is generous: it is there for releases that defer answers, not for a slow server.
  static constexpr std::chrono::milliseconds kRoundDeadline{10000};
  // round_deadline: how long a progress round may go without a usable answer before the
  // stream is restarted.
  static std::shared_ptr<WatchHub> Create(std::shared_ptr<Connection> connection,
                                          std::chrono::milliseconds round_deadline = kRoundDeadline);
  ~WatchHub();

  // Registers a watch that delivers changes with revision >= start (start > 0). It waits
  // (briefly, also for the stream to come up) for etcd to confirm the creation, so that a
  // watch started from the head is known to be caught up before the caller writes anything.
  std::unique_ptr<Watch> Start(const WatchOptions& options, Revision start, WatchCallback callback);
  // Stops the threads; no callback runs after it returns.
  void Shutdown();

 private:
  struct State;
  class Handle;
  using Stream = grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;
  using Clock = std::chrono::steady_clock;

  WatchHub(std::shared_ptr<Connection> connection, std::chrono::milliseconds round_deadline);
  void ReadLoop();
  void TimerLoop();
  void Cancel(const std::shared_ptr<State>& state);
  void RequestProgress(const std::shared_ptr<State>& state);

  // All below run with mu_ held.
  void SendCreate(State& state);
  void WantProgress(State& state);
  void StartProgressRound();
  void AskProgress(int phase);
  void AbandonStream(const char* why);
  void Write(const etcdserverpb::WatchRequest& request);

  // Reader thread: turns one response into deliveries (made after mu_ is released).
  struct Delivery {
    std::shared_ptr<State> state;
    WatchResponse response;
  };
  void Dispatch(const etcdserverpb::WatchResponse& response, std::vector<Delivery>& out);
  void OnProgressAnswer(Revision revision, std::vector<Delivery>& out);
  void MarkSynced(State& state);
  static void Deliver(Delivery& delivery);

  const std::shared_ptr<Connection> connection_;
  const std::chrono::milliseconds round_deadline_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable created_;  // a create request was answered
  bool stopping_ = false;
  std::atomic<bool> stop_connecting_{false};  // cuts a reconnect wait short on Shutdown
  std::map<int64_t, std::shared_ptr<State>> watches_;
  int64_t next_id_ = 1;
  // The current stream (null while reconnecting) and its generation.
  std::shared_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Stream> stream_;
  uint64_t generation_ = 0;
  std::deque<int64_t> awaiting_created_;  // create requests in flight, in order
  // The current stream is being torn down (a round went unanswered): its answers are ignored.
  bool abandoned_ = false;
  Revision known_head_ = 0;  // the highest header revision etcd has sent
  // Progress rounds: 0 idle, 1 waiting for the first answer, 2 for the confirming one.
  int round_phase_ = 0;
  uint64_t round_id_ = 0;
  Revision round_needed_ = 0;    // known_head_ when the round started
  Revision round_revision_ = 0;  // the first answer
  Clock::time_point round_asked_;  // when the unanswered request was written
  std::thread reader_;
  std::thread timer_;
};

}  // namespace carrier::storage::etcd
