#include "apiserver/watch_stream.h"

#include <boost/json.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "api/status_json.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver {

namespace json = boost::json;
using namespace std::chrono_literals;

// One thread closes every stream whose timeoutSeconds has passed.
class WatchRegistry::Timeouts {
 public:
  Timeouts() : thread_([this] { Loop(); }) {}
  ~Timeouts() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Add(std::chrono::steady_clock::time_point when, std::weak_ptr<http::ChunkWriter> w) {
    {
      std::lock_guard lock(mu_);
      deadlines_.emplace(when, std::move(w));
    }
    cv_.notify_all();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      auto now = std::chrono::steady_clock::now();
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        if (auto s = deadlines_.begin()->second.lock()) s->Close();
        deadlines_.erase(deadlines_.begin());
      }
      if (deadlines_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, deadlines_.begin()->first);
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::weak_ptr<http::ChunkWriter>>
      deadlines_;
  bool stopping_ = false;
  std::thread thread_;
};

// One open watch: owns the store watch and writes events to the client.
class WatchRegistry::Stream : public std::enable_shared_from_this<WatchRegistry::Stream> {
 public:
  Stream(WatchSpec spec, std::shared_ptr<http::ChunkWriter> writer)
      : spec_(std::move(spec)), writer_(std::move(writer)) {}

  void SetWatch(std::unique_ptr<storage::Watch> watch) {
    std::lock_guard lock(mu_);
    watch_ = std::move(watch);
  }
  void Cancel() {
    std::unique_ptr<storage::Watch> watch;
    {
      std::lock_guard lock(mu_);
      watch = std::move(watch_);
    }
    if (watch) watch->Cancel();
  }

  void SendInitial() {
    for (const auto& obj : spec_.initial) Send("ADDED", obj);
    spec_.initial.clear();
    if (spec_.send_initial_events_end_bookmark) {
      SendBookmark(initial_revision_, /*initial_events_end=*/true);
    }
  }
  void set_initial_revision(storage::Revision r) { initial_revision_ = r; }

  void OnResponse(storage::WatchResponse response) {
    if (!response.error.ok()) {
      if (response.error.code() == Code::kGone) {
        SendExpired(response.compact_revision);
      }
      writer_->Close();
      return;
    }
    if (response.IsProgress()) {
      if (spec_.bookmarks) SendBookmark(response.revision, false);
      return;
    }
    for (const auto& event : response.events) Deliver(event);
  }

  void SendExpired(storage::Revision compacted) {
    auto error = api::NewResourceExpired(
        "too old resource version: " + std::to_string(spec_.start_revision - 1) + " (" +
        std::to_string(compacted) + ")");
    json::object line{{"type", "ERROR"}, {"object", api::ToJson(error)}};
    writer_->Write(json::serialize(line) + "\n");
  }

 private:
  void Deliver(const storage::Event& event) {
    std::optional<json::object> prev;
    if (event.prev_kv) {
      auto p = DecodeStored(event.prev_kv->value, event.prev_kv->mod_revision);
      if (p.ok()) prev = std::move(*p);
    }
    bool prev_matches = prev && spec_.matches(*prev);
    if (event.type == storage::Event::Type::kDelete) {
      if (!prev_matches) return;
      SetResourceVersion(*prev, event.kv.mod_revision);
      Send("DELETED", *prev);
      return;
    }
    auto obj = DecodeStored(event.kv.value, event.kv.mod_revision);
    if (!obj.ok()) return;
    bool now_matches = spec_.matches(*obj);
    if (now_matches) {
      Send(prev_matches ? "MODIFIED" : "ADDED", *obj);
    } else if (prev_matches) {
      // The object left the selection: to this watcher it is gone.
      Send("DELETED", *obj);
    }
  }

  void Send(std::string_view type, const json::object& obj) {
    json::object line{{"type", type}, {"object", spec_.render(obj)}};
    writer_->Write(json::serialize(line) + "\n");
  }

  void SendBookmark(storage::Revision revision, bool initial_events_end) {
    json::object meta{{"resourceVersion", std::to_string(revision)}};
    if (initial_events_end) {
      meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
    }
    json::object obj{
        {"kind", spec_.kind}, {"apiVersion", spec_.api_version}, {"metadata", std::move(meta)}};
    json::object line{{"type", "BOOKMARK"}, {"object", std::move(obj)}};
    writer_->Write(json::serialize(line) + "\n");
  }

  WatchSpec spec_;
  std::shared_ptr<http::ChunkWriter> writer_;
  storage::Revision initial_revision_ = 0;
  std::mutex mu_;
  std::unique_ptr<storage::Watch> watch_;
};

WatchRegistry::WatchRegistry(storage::Store& store)
    : store_(store), timeouts_(std::make_unique<Timeouts>()) {}

WatchRegistry::~WatchRegistry() = default;

void WatchRegistry::EndWatches(std::string_view key_prefix) {
  std::vector<std::shared_ptr<http::ChunkWriter>> ending;
  {
    std::lock_guard lock(open_mu_);
    for (const auto& [id, open] : open_) {
      if (open.range_begin.compare(0, key_prefix.size(), key_prefix) != 0) continue;
      if (auto writer = open.writer.lock()) ending.push_back(std::move(writer));
    }
  }
  for (auto& writer : ending) writer->Close();  // OnClosed erases the entry
}

void WatchRegistry::Start(std::shared_ptr<http::Exchange> exchange, WatchSpec spec) {
  storage::WatchOptions options;
  options.range = spec.range;
  options.start_revision = spec.start_revision;
  options.prev_kv = true;
  options.progress_interval = spec.bookmarks ? std::chrono::milliseconds(60s) : 0ms;
  const auto timeout = spec.timeout;
  const storage::Revision initial_revision =
      spec.start_revision > 0 ? spec.start_revision - 1 : 0;

  auto writer = exchange->RespondChunked(
      200, {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}});
  auto stream = std::make_shared<Stream>(std::move(spec), writer);
  stream->set_initial_revision(initial_revision);
  stream->SendInitial();

  auto watch = store_.StartWatch(options, [stream](storage::WatchResponse r) {
    stream->OnResponse(std::move(r));
  });
  if (!watch.ok()) {
    if (watch.status().code() == Code::kGone) {
      auto compacted = store_.CompactedRevision();
      stream->SendExpired(compacted.ok() ? *compacted : 0);
    } else {
      json::object line{{"type", "ERROR"}, {"object", api::ToJson(watch.status())}};
      writer->Write(json::serialize(line) + "\n");
    }
    writer->Close();
    return;
  }
  stream->SetWatch(std::move(*watch));
  uint64_t id;
  {
    std::lock_guard lock(open_mu_);
    id = next_id_++;
    open_[id] = OpenStream{options.range.begin, writer};
  }
  // The stream lives until the client goes away, the timeout passes, the server stops or
  // EndWatches ends it.
  writer->OnClosed([this, stream, id] {
    stream->Cancel();
    std::lock_guard lock(open_mu_);
    open_.erase(id);
  });
  if (timeout.count() > 0) {
    timeouts_->Add(std::chrono::steady_clock::now() + timeout, writer);
  }
}

}  // namespace carrier::apiserver
