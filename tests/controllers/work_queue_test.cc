#include "controllers/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace carrier::controllers {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, AKeyQueuedTwiceIsProcessedOnce) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Length(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
  EXPECT_EQ(q.Length(), 0u);
}

TEST(WorkQueueTest, AKeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue q;
  q.Add("a");
  auto key = q.Get();
  q.Add("a");  // changed while a worker holds it
  EXPECT_EQ(q.Length(), 0u);  // not handed to a second worker
  q.Done(*key);
  EXPECT_EQ(q.Length(), 1u);
  EXPECT_EQ(*q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Length(), 0u);
}

TEST(WorkQueueTest, FailuresBackOffExponentiallyUntilForgotten) {
  EXPECT_EQ(Backoff(1), 5ms);
  EXPECT_EQ(Backoff(2), 10ms);
  EXPECT_EQ(Backoff(5), 80ms);
  EXPECT_EQ(Backoff(100), 1000s);
  WorkQueue q;
  q.AddRateLimited("a");
  q.AddRateLimited("a");
  EXPECT_EQ(q.Failures("a"), 2u);
  EXPECT_EQ(*q.Get(), "a");  // arrives after its delay
  q.Forget("a");
  EXPECT_EQ(q.Failures("a"), 0u);
}

TEST(WorkQueueTest, ShutDownWakesWorkers) {
  WorkQueue q;
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = q.Get(); });
  q.ShutDown();
  worker.join();
  EXPECT_FALSE(got.has_value());
}

// A stopping server must not first work through a long queue.
TEST(WorkQueueTest, QueuedKeysAreNotHandedOutAfterShutDown) {
  WorkQueue q;
  for (int i = 0; i < 100; ++i) q.Add("key-" + std::to_string(i));
  q.ShutDown();
  EXPECT_FALSE(q.Get().has_value());
}

}  // namespace
}  // namespace carrier::controllers
