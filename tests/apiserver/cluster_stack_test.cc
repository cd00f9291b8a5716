// A serving stack over its own backend: it serves through its watch cache, lives as long as a
// request or stream bound to it, ends its streams on Close, and is destroyed only by its
// graveyard's Collect (never inside a callback where its last reference happens to drop).
#include "apiserver/cluster_stack.h"

#include <gtest/gtest.h>

#include "controllers/controller_manager.h"
#include "storage/sqlite_test_util.h"

namespace carrier::apiserver {
namespace {

class FakeWriter : public http::ChunkWriter {
 public:
  bool Write(std::string data) override {
    written += data;
    return !closed_;
  }
  void Close() override { closed_ = true; }
  bool closed() const override { return closed_; }
  void OnClosed(std::function<void()>) override {}
  size_t queued_bytes() const override { return 0; }
  std::string written;

 private:
  bool closed_ = false;
};

class FakeExchange : public http::Exchange {
 public:
  const http::Request& request() const override { return request_; }
  void ReadBody(std::shared_ptr<http::BodySink>, uint64_t, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Respond(http::Response response) override { status = response.status; }
  std::shared_ptr<http::ChunkWriter> RespondChunked(int, http::Headers) override {
    writer = std::make_shared<FakeWriter>();
    return writer;
  }
  int status = 0;
  std::shared_ptr<FakeWriter> writer;

 private:
  http::Request request_;
};

struct OwnedBackend {
  std::shared_ptr<storage::Store> store;
  std::weak_ptr<storage::Store> alive;
};

OwnedBackend NewBackend(storage::testing::ScratchDir& dir) {
  storage::SqliteOptions options;
  options.path = dir.File("store.db");
  auto store = storage::OpenSqliteStore(options);
  EXPECT_TRUE(store.ok());
  std::shared_ptr<storage::Store> shared(std::move(*store));
  return {shared, shared};
}

TEST(ClusterStackTest, ServesThroughItsCacheAndIsDestroyedOnlyByItsGraveyard) {
  storage::testing::ScratchDir dir;
  auto backend = NewBackend(dir);
  auto graveyard = std::make_shared<StackGraveyard>();
  auto stack = ClusterStack::Open(std::move(backend.store), {}, graveyard);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_TRUE((*stack)->store().Put("/tenant/core/configmaps/default/a", "{}").ok());
  auto got = (*stack)->store().Get("/tenant/core/configmaps/default/a");
  ASSERT_TRUE(got.ok() && got->kv);

  // A bound request keeps the stack; so does a stream it started, after the request is gone.
  auto inner = std::make_shared<FakeExchange>();
  auto bound = ClusterStack::Bind(*stack, inner);
  stack->reset();
  graveyard->Collect();
  EXPECT_FALSE(backend.alive.expired());
  auto stream = bound->RespondChunked(200, {});
  bound.reset();
  graveyard->Collect();
  EXPECT_FALSE(backend.alive.expired()) << "the open stream keeps its stack";
  EXPECT_TRUE(stream->Write("event\n"));
  EXPECT_EQ(inner->writer->written, "event\n");

  // The last reference drops: the stack waits in the graveyard until collected.
  stream.reset();
  inner.reset();
  EXPECT_FALSE(backend.alive.expired());
  graveyard->Collect();
  EXPECT_TRUE(backend.alive.expired());
}

TEST(ClusterStackTest, CloseEndsTheStreamsStartedThroughIt) {
  storage::testing::ScratchDir dir;
  auto backend = NewBackend(dir);
  auto stack = ClusterStack::Open(std::move(backend.store), {});
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  auto first = std::make_shared<FakeExchange>(), second = std::make_shared<FakeExchange>();
  auto a = ClusterStack::Bind(*stack, first)->RespondChunked(200, {});
  auto b = ClusterStack::Bind(*stack, second)->RespondChunked(200, {});
  b->Close();  // a client that went away
  EXPECT_FALSE(first->writer->closed());
  (*stack)->Close();
  EXPECT_TRUE(first->writer->closed());
  EXPECT_FALSE(a->Write("late"));
  // Without a graveyard the stack goes with its last reference.
  stack->reset();
  a.reset();
  b.reset();
  EXPECT_TRUE(backend.alive.expired());
}

TEST(ClusterStackTest, ControllersStartAndStop) {
  storage::testing::ScratchDir dir;
  auto backend = NewBackend(dir);
  ClusterStackOptions options;
  options.disabled_admission_plugins = {"NoSuchPlugin"};
  EXPECT_FALSE(ClusterStack::Open(backend.store, options).ok()) << "an unknown plugin is refused";
  auto stack = ClusterStack::Open(std::move(backend.store), {});
  ASSERT_TRUE(stack.ok());
  CoreControllerOptions core;
  core.workers = 1;
  core.client_ca_pem = [](const std::string&) { return std::string(); };
  core.client_ca = [](const std::string&) -> Result<x509::KeyPair> { return NotFound("no CA"); };
  ASSERT_TRUE((*stack)->StartControllers(core, {}).ok());
  (*stack)->StopControllers();
  ASSERT_TRUE((*stack)->StartControllers(core, {}).ok()) << "a stopped set is replaced";
  (*stack)->Close();
}

}  // namespace
}  // namespace carrier::apiserver
