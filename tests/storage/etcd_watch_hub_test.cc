// The etcd watch hub's progress rounds against a scripted stand-in for etcd's Watch service:
// answers that etcd drops, defers or gives from a lagging member, which a real etcd 3.4.23
// does not produce on demand.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "storage/etcd/etcd_watch_hub.h"
#include "support/test_util.h"

namespace carrier::storage::etcd {
namespace {

using carrier::test::WaitFor;

constexpr int64_t kStreamWide = -1;

// A Watch service whose answers a test scripts: `respond` gets the stream's number (0 for the
// first), the request and, for progress requests, how many came before it on that stream.
class ScriptedWatchService final : public etcdserverpb::Watch::Service {
 public:
  using Respond = std::function<std::vector<etcdserverpb::WatchResponse>(
      int stream, const etcdserverpb::WatchRequest& request, int progress_before)>;
  explicit ScriptedWatchService(Respond respond) : respond_(std::move(respond)) {}

  grpc::Status Watch(grpc::ServerContext*,
                     grpc::ServerReaderWriter<etcdserverpb::WatchResponse,
                                              etcdserverpb::WatchRequest>* stream) override {
    int number;
    {
      std::lock_guard lock(mu_);
      number = static_cast<int>(progress_requests_.size());
      progress_requests_.push_back(0);
    }
    etcdserverpb::WatchRequest request;
    while (stream->Read(&request)) {
      int before = 0;
      if (request.has_progress_request()) {
        std::lock_guard lock(mu_);
        before = progress_requests_[number]++;
      }
      for (const auto& response : respond_(number, request, before)) stream->Write(response);
    }
    return grpc::Status::OK;
  }

  // Progress requests received, per stream.
  std::vector<int> ProgressRequests() {
    std::lock_guard lock(mu_);
    return progress_requests_;
  }

 private:
  const Respond respond_;
  std::mutex mu_;
  std::vector<int> progress_requests_;
};

etcdserverpb::WatchResponse Created(const etcdserverpb::WatchCreateRequest& create) {
  // Pretends the store's head is just below the watch's start, so the watch is caught up.
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(create.start_revision() - 1);
  r.set_watch_id(create.watch_id());
  r.set_created(true);
  return r;
}

etcdserverpb::WatchResponse ProgressAnswer(Revision revision) {
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(revision);
  r.set_watch_id(kStreamWide);
  return r;
}

etcdserverpb::WatchResponse Put(int64_t watch_id, const std::string& key, Revision revision) {
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(revision);
  r.set_watch_id(watch_id);
  auto* kv = r.add_events()->mutable_kv();
  kv->set_key(key);
  kv->set_value("v");
  kv->set_create_revision(revision);
  kv->set_mod_revision(revision);
  kv->set_version(1);
  return r;
}

// Collects what a watch delivers.
struct Recorder {
  std::mutex mu;
  std::vector<Revision> progress;
  size_t events = 0;

  WatchCallback Callback() {
    return [this](WatchResponse r) {
      std::lock_guard lock(mu);
      if (r.IsProgress()) progress.push_back(r.revision);
      events += r.events.size();
    };
  }
  std::vector<Revision> Progress() {
    std::lock_guard lock(mu);
    return progress;
  }
  size_t Events() {
    std::lock_guard lock(mu);
    return events;
  }
};

class WatchHubTest : public ::testing::Test {
 protected:
  void Serve(ScriptedWatchService::Respond respond) {
    service_ = std::make_unique<ScriptedWatchService>(std::move(respond));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    EtcdOptions options;
    options.endpoints = {"127.0.0.1:" + std::to_string(port)};
    auto connection = Connection::Open(options);
    ASSERT_TRUE(connection.ok()) << connection.status().ToString();
    // Short, so that the tests do not wait for the production deadline.
    hub_ = WatchHub::Create(*connection, std::chrono::milliseconds(500));
  }
  void TearDown() override {
    if (hub_) hub_->Shutdown();
    if (server_) server_->Shutdown();
  }
  std::unique_ptr<Watch> Start(const std::string& prefix, Revision start, Recorder& recorder) {
    WatchOptions options;
    options.range = KeyRange::Prefix(prefix);
    return hub_->Start(options, start, recorder.Callback());
  }

  std::unique_ptr<ScriptedWatchService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<WatchHub> hub_;
};

// etcd may drop or defer a progress request (newer releases do while a watch of the stream
// is catching up): the round restarts the stream and completes on the new one, and no
// second request is written on a stream while one is unanswered.
TEST_F(WatchHubTest, UnansweredProgressRequestRestartsTheStream) {
  Serve([](int stream, const etcdserverpb::WatchRequest& request, int) {
    std::vector<etcdserverpb::WatchResponse> out;
    if (request.has_create_request()) out.push_back(Created(request.create_request()));
    if (request.has_progress_request() && stream > 0) out.push_back(ProgressAnswer(10));
    return out;
  });
  Recorder recorder;
  auto watch = Start("/quiet/", 11, recorder);
  watch->RequestProgress();
  watch->RequestProgress();
  watch->RequestProgress();
  ASSERT_TRUE(WaitFor([&] { return !recorder.Progress().empty(); }));
  EXPECT_EQ(recorder.Progress().front(), 10);
  auto asked = service_->ProgressRequests();
  ASSERT_GE(asked.size(), 2u);
  EXPECT_EQ(asked[0], 1) << "a second request was written while the first was unanswered";
}

// A progress answer below a revision the hub has already seen (a member lagging behind, or
// a late answer) never completes a round: the watch's notification is at or above it.
TEST_F(WatchHubTest, AnswerBelowTheKnownHeadIsNotUsed) {
  Serve([](int stream, const etcdserverpb::WatchRequest& request, int before) {
    std::vector<etcdserverpb::WatchResponse> out;
    if (request.has_create_request()) {
      const auto& create = request.create_request();
      out.push_back(Created(create));
      // The busy watch's first creation sees a write at 20, the hub's head from then on.
      if (create.key() == "/busy/" && create.start_revision() == 20) {
        out.push_back(Put(create.watch_id(), "/busy/k", 20));
      }
    }
    if (request.has_progress_request()) {
      out.push_back(ProgressAnswer(stream == 0 && before == 0 ? 15 : 20));
    }
    return out;
  });
  Recorder quiet, busy;
  auto quiet_watch = Start("/quiet/", 11, quiet);
  auto busy_watch = Start("/busy/", 20, busy);
  ASSERT_TRUE(WaitFor([&] { return busy.Events() == 1; }));
  quiet_watch->RequestProgress();
  ASSERT_TRUE(WaitFor([&] { return !quiet.Progress().empty(); }));
  for (Revision r : quiet.Progress()) EXPECT_GE(r, 20);
  EXPECT_EQ(quiet.Events(), 0u);
}

}  // namespace
}  // namespace carrier::storage::etcd
