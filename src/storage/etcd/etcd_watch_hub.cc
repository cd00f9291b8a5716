#include "storage/etcd/etcd_watch_hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace carrier::storage::etcd {

// Clients choose watch ids; etcd answers stream-wide requests with this one.
constexpr int64_t kStreamWideId = -1;
// How long Start waits for etcd to confirm a watch's creation.
constexpr std::chrono::seconds kCreateWait(5);

struct WatchHub::State {
  int64_t id = 0;
  WatchOptions options;
  WatchCallback callback;

  // Guarded by the hub's mu_.
  Revision next_revision = 0;  // the first revision not yet delivered
  uint64_t created_on = 0;     // generation of the stream it was last created on
  bool created = false;        // etcd confirmed the creation on that stream
  Revision created_at = 0;     // etcd's head revision when it created the watch
  bool synced = false;         // known to have caught up with the head
  uint64_t wants_round = 0;    // a progress round it waits for (0: none)
  Clock::time_point last_activity = Clock::now();

  // Serialises callbacks with Cancel().
  std::mutex callback_mu;
  bool ended = false;
};

class WatchHub::Handle : public Watch {
 public:
  Handle(std::shared_ptr<WatchHub> hub, std::shared_ptr<State> state)
      : hub_(std::move(hub)), state_(std::move(state)) {}
  ~Handle() override { Cancel(); }
  void Cancel() override { hub_->Cancel(state_); }
  void RequestProgress() override { hub_->RequestProgress(state_); }

 private:
  std::shared_ptr<WatchHub> hub_;
  std::shared_ptr<State> state_;
};

std::shared_ptr<WatchHub> WatchHub::Create(std::shared_ptr<Connection> connection,
                                           std::chrono::milliseconds round_deadline) {
  std::shared_ptr<WatchHub> hub(new WatchHub(std::move(connection), round_deadline));
  hub->reader_ = std::thread([raw = hub.get()] { raw->ReadLoop(); });
  hub->timer_ = std::thread([raw = hub.get()] { raw->TimerLoop(); });
  return hub;
}

WatchHub::WatchHub(std::shared_ptr<Connection> connection, std::chrono::milliseconds round_deadline)
    : connection_(std::move(connection)), round_deadline_(round_deadline) {}

WatchHub::~WatchHub() { Shutdown(); }

void WatchHub::Shutdown() {
  std::map<int64_t, std::shared_ptr<State>> watches;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_connecting_ = true;
    if (context_) context_->TryCancel();
    watches.swap(watches_);
  }
  wake_.notify_all();
  created_.notify_all();
  if (reader_.joinable()) reader_.join();
  if (timer_.joinable()) timer_.join();
  for (auto& [id, state] : watches) {
    std::lock_guard lock(state->callback_mu);
    state->ended = true;
  }
}

std::unique_ptr<Watch> WatchHub::Start(const WatchOptions& options, Revision start,
                                       WatchCallback callback) {
  auto state = std::make_shared<State>();
  state->options = options;
  state->callback = std::move(callback);
  state->next_revision = start;
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      state->ended = true;
    } else {
      state->id = next_id_++;
      watches_[state->id] = state;
      // Without a stream the reader creates the watch once it has connected.
      if (stream_) SendCreate(*state);
      // Without this wait a write made right after Start returns can reach etcd before the
      // create request; etcd then replays from `start` and the watch cannot tell when it has
      // caught up (see the header), so a quiet watch would get no progress notification.
      created_.wait_for(lock, kCreateWait, [&] {
        auto it = watches_.find(state->id);
        return stopping_ || it == watches_.end() || state->created;
      });
    }
  }
  if (options.progress_interval.count() > 0) wake_.notify_all();
  return std::make_unique<Handle>(shared_from_this(), state);
}

void WatchHub::Cancel(const std::shared_ptr<State>& state) {
  {
    std::lock_guard lock(mu_);
    auto it = watches_.find(state->id);
    if (it != watches_.end() && it->second == state) {
      watches_.erase(it);
      if (stream_ && state->created_on == generation_) {
        etcdserverpb::WatchRequest request;
        request.mutable_cancel_request()->set_watch_id(state->id);
        Write(request);
      }
    }
  }
  // Waits for a callback in progress on the reader thread to return.
  std::lock_guard lock(state->callback_mu);
  state->ended = true;
}

void WatchHub::RequestProgress(const std::shared_ptr<State>& state) {
  std::lock_guard lock(mu_);
  auto it = watches_.find(state->id);
  if (it == watches_.end() || it->second != state) return;
  WantProgress(*state);
}

void WatchHub::Write(const etcdserverpb::WatchRequest& request) {
  // A failed write means the stream is breaking; the reader notices and reconnects.
  if (stream_) stream_->Write(request);
}

void WatchHub::SendCreate(State& state) {
  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(state.options.range.begin);
  create->set_range_end(state.options.range.end);
  create->set_start_revision(state.next_revision);
  create->set_prev_kv(state.options.prev_kv);
  // Always: etcd's periodic per-watch notifications are what marks a watch that started in
  // the past as caught up when it sees no event (they are forwarded only when wanted).
  create->set_progress_notify(true);
  create->set_watch_id(state.id);
  state.created_on = generation_;
  state.created = false;
  state.synced = false;
  awaiting_created_.push_back(state.id);
  Write(request);
}

void WatchHub::WantProgress(State& state) {
  // A round already asked may have read the head before this request: wait for the next.
  state.wants_round = round_id_ + 1;
  if (round_phase_ == 0) StartProgressRound();
}

// Progress rounds. Invariant: one round at a time, and a progress request is written only
// when the stream has no unanswered one (at a round's start, or after the previous request
// was answered); answers are used only while the stream is current and not abandoned. etcd
// sends at most one answer per request, so every answer used belongs to the current round's
// last request: a late answer can never complete a later round.
// A round needs a revision no lower than every header seen before it started; a first
// answer below that (from a member lagging behind) is ignored. A round without a usable
// answer for round_deadline_ after its last request (dropped or deferred by etcd, or too low)
// abandons the stream; the reader reconnects, re-creates every watch from its next revision
// and starts the round again on the new stream, so a round cannot stall.
void WatchHub::StartProgressRound() {
  if (!stream_ || abandoned_ || round_phase_ != 0) return;
  ++round_id_;
  round_needed_ = known_head_;
  AskProgress(1);
}

void WatchHub::AskProgress(int phase) {
  round_phase_ = phase;
  round_asked_ = Clock::now();
  etcdserverpb::WatchRequest request;
  request.mutable_progress_request();
  Write(request);
  wake_.notify_all();  // the timer watches the deadline
}

void WatchHub::AbandonStream(const char* why) {
  spdlog::warn("etcd watch stream: {}; restarting it", why);
  abandoned_ = true;
  round_phase_ = 0;
  if (context_) context_->TryCancel();
}

void WatchHub::OnProgressAnswer(Revision revision, std::vector<Delivery>& out) {
  if (abandoned_ || round_phase_ == 0) return;
  if (round_phase_ == 1) {
    // Too low: no request is unanswered now, so the deadline restarts the stream.
    if (revision < round_needed_) return;
    // Ask again: by the time the second answer comes back, the server has sent what was
    // queued when it read the revision of the first.
    round_revision_ = revision;
    AskProgress(2);
    return;
  }
  round_phase_ = 0;
  bool again = false;
  for (auto& [id, state] : watches_) {
    if (state->wants_round == 0) continue;
    if (state->wants_round > round_id_ || !state->synced) {
      again = again || state->synced;
      continue;
    }
    state->wants_round = 0;
    Revision at = std::max(round_revision_, state->next_revision - 1);
    state->next_revision = at + 1;
    state->last_activity = Clock::now();
    WatchResponse progress;
    progress.revision = at;
    out.push_back({state, std::move(progress)});
  }
  if (again) StartProgressRound();
}

void WatchHub::MarkSynced(State& state) {
  if (state.synced) return;
  state.synced = true;
  if (state.wants_round != 0 && round_phase_ == 0) StartProgressRound();
}

void WatchHub::Dispatch(const etcdserverpb::WatchResponse& response, std::vector<Delivery>& out) {
  const Revision header = response.header().revision();
  known_head_ = std::max(known_head_, header);
  if (response.created()) {
    if (awaiting_created_.empty()) return;
    int64_t id = awaiting_created_.front();
    awaiting_created_.pop_front();
    created_.notify_all();
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    State& state = *it->second;
    if (response.canceled()) {
      WatchResponse end;
      end.error = Status(Code::kInternal, "etcd refused the watch: " + response.cancel_reason());
      out.push_back({it->second, std::move(end)});
      watches_.erase(it);
      return;
    }
    state.created = true;
    state.created_at = header;
    if (state.next_revision > header) MarkSynced(state);
    return;
  }
  if (response.watch_id() == kStreamWideId) {
    OnProgressAnswer(header, out);
    return;
  }
  auto it = watches_.find(response.watch_id());
  if (it == watches_.end()) return;  // cancelled meanwhile
  auto state = it->second;
  if (response.canceled()) {
    WatchResponse end;
    if (response.compact_revision() != 0) {
      end.compact_revision = response.compact_revision();
      end.error = Gone("watch start revision " + std::to_string(state->next_revision) +
                       " is compacted (store compacted to " +
                       std::to_string(response.compact_revision()) + ")");
    } else {
      end.error = Unavailable("etcd cancelled the watch: " + response.cancel_reason());
    }
    out.push_back({state, std::move(end)});
    watches_.erase(it);
    return;
  }
  state->last_activity = Clock::now();
  if (response.events_size() == 0) {
    // A per-watch progress notification: etcd sends these only to caught-up watches.
    MarkSynced(*state);
    Revision at = std::max(header, state->next_revision - 1);
    state->next_revision = at + 1;
    if (state->options.progress_interval.count() > 0 || state->wants_round != 0) {
      state->wants_round = 0;
      WatchResponse progress;
      progress.revision = at;
      out.push_back({state, std::move(progress)});
    }
    return;
  }
  WatchResponse batch;
  for (const auto& e : response.events()) {
    // After a reconnect the watch restarts at next_revision, so nothing older can come;
    // the check keeps the promise even if a server replays.
    if (e.kv().mod_revision() < state->next_revision) continue;
    Event event;
    event.type = e.type() == mvccpb::Event::DELETE ? Event::Type::kDelete : Event::Type::kPut;
    event.kv = FromProto(e.kv());
    if (e.has_prev_kv()) event.prev_kv = FromProto(e.prev_kv());
    batch.events.push_back(std::move(event));
  }
  if (batch.events.empty()) return;
  batch.revision = batch.events.back().kv.mod_revision;
  state->next_revision = batch.revision + 1;
  if (state->created && batch.revision >= state->created_at) MarkSynced(*state);
  out.push_back({state, std::move(batch)});
}

void WatchHub::Deliver(Delivery& delivery) {
  State& state = *delivery.state;
  std::lock_guard lock(state.callback_mu);
  if (state.ended) return;
  if (!delivery.response.error.ok()) state.ended = true;
  state.callback(std::move(delivery.response));
}

void WatchHub::ReadLoop() {
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto endpoint = connection_->Connected(&stop_connecting_);
    if (!endpoint.ok()) {
      if (endpoint.status().code() == Code::kCancelled) return;
      spdlog::warn("etcd watch stream: {}", endpoint.status().message());
    } else {
      auto context = std::make_shared<grpc::ClientContext>();
      Stream* stream = nullptr;
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        context_ = context;
        stream_ = (*endpoint)->watch->Watch(context.get());
        stream = stream_.get();
        ++generation_;
        awaiting_created_.clear();
        abandoned_ = false;
        round_phase_ = 0;
        bool wanted = false;
        for (auto& [id, state] : watches_) {
          SendCreate(*state);
          wanted = wanted || state->wants_round != 0;
        }
        if (wanted) StartProgressRound();
      }
      etcdserverpb::WatchResponse response;
      std::vector<Delivery> deliveries;
      while (stream->Read(&response)) {
        backoff = std::chrono::milliseconds(50);
        {
          std::lock_guard lock(mu_);
          Dispatch(response, deliveries);
        }
        for (auto& d : deliveries) Deliver(d);
        deliveries.clear();
      }
      std::unique_ptr<Stream> finished;
      {
        std::lock_guard lock(mu_);
        finished = std::move(stream_);
        round_phase_ = 0;  // asked again on the next stream
      }
      created_.notify_all();
      grpc::Status status = finished->Finish();
      {
        std::lock_guard lock(mu_);
        context_.reset();
        if (stopping_) return;
      }
      spdlog::warn("etcd watch stream to {} ended ({}); reconnecting", (*endpoint)->target,
                   status.error_message());
      connection_->MarkFailed(*endpoint);
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, backoff, [this] { return stopping_; });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

void WatchHub::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto& [id, state] : watches_) {
      auto interval = state->options.progress_interval;
      if (interval.count() <= 0) continue;
      auto due = state->last_activity + interval;
      if (due <= now) {
        if (state->wants_round == 0) WantProgress(*state);
        state->last_activity = now;
        due = now + interval;
      }
      next = std::min(next, due);
    }
    if (round_phase_ != 0 && !abandoned_) {
      auto due = round_asked_ + round_deadline_;
      if (due <= now) {
        AbandonStream("a progress request got no usable answer in time");
      } else {
        next = std::min(next, due);
      }
    }
    if (next == Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, next);
    }
  }
}

}  // namespace carrier::storage::etcd
