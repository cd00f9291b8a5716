// Leader election over one store: one leader at a time, hand-over on release, take-over
// after a leader vanished for the lease duration.
#include "controllers/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>

#include "storage/sqlite_test_util.h"
#include "support/test_util.h"

namespace carrier::controllers {
namespace {

using namespace std::chrono_literals;

class LeaderElectionTest : public ::testing::Test {
 protected:
  LeaderElectionOptions Options(const std::string& identity) {
    LeaderElectionOptions o;
    o.identity = identity;
    o.lease_duration = 1000ms;
    o.renew_deadline = 600ms;
    o.retry_period = 100ms;
    return o;
  }
  storage::testing::ScratchStore store_;
};

struct Candidate {
  std::atomic<int> started{0}, stopped{0};
  std::unique_ptr<LeaderElector> elector;
};

TEST_F(LeaderElectionTest, OneLeaderThenHandOverOnRelease) {
  Candidate a, b;
  a.elector = std::make_unique<LeaderElector>(*store_, Options("a"), [&] { ++a.started; }, [&] { ++a.stopped; });
  a.elector->Start();
  ASSERT_TRUE(test::WaitFor([&] { return a.elector->leading(); }, 10s));
  b.elector = std::make_unique<LeaderElector>(*store_, Options("b"), [&] { ++b.started; }, [&] { ++b.stopped; });
  b.elector->Start();
  // b keeps trying while a renews; well past the lease duration it still does not lead.
  std::this_thread::sleep_for(2500ms);
  EXPECT_TRUE(a.elector->leading());
  EXPECT_FALSE(b.elector->leading());
  EXPECT_EQ(b.started, 0);

  a.elector->Stop();  // releases the lease
  EXPECT_EQ(a.stopped, 1);
  ASSERT_TRUE(test::WaitFor([&] { return b.elector->leading(); }, 10s));
  EXPECT_EQ(b.started, 1);

  auto lease = store_->Get("/root/coordination.k8s.io/leases/kube-system/carrier-controller-manager");
  ASSERT_TRUE(lease.ok() && lease->kv);
  EXPECT_NE(lease->kv->value.find("\"holderIdentity\":\"b\""), std::string::npos) << lease->kv->value;
  EXPECT_NE(lease->kv->value.find("\"leaseTransitions\":1"), std::string::npos) << lease->kv->value;
}

TEST_F(LeaderElectionTest, ALeaderThatStopsRenewingIsReplacedAfterTheLeaseDuration) {
  // A stale lease held by a vanished candidate.
  ASSERT_TRUE(store_
                  ->Put("/root/coordination.k8s.io/leases/kube-system/carrier-controller-manager",
                        R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"carrier-controller-manager","namespace":"kube-system","uid":"x"},"spec":{"holderIdentity":"gone","leaseDurationSeconds":1,"renewTime":"2026-01-01T00:00:00.000000Z","leaseTransitions":3}})")
                  .ok());
  Candidate b;
  b.elector = std::make_unique<LeaderElector>(*store_, Options("b"), [&] { ++b.started; }, [&] { ++b.stopped; });
  const auto started = std::chrono::steady_clock::now();
  b.elector->Start();
  ASSERT_TRUE(test::WaitFor([&] { return b.elector->leading(); }, 10s));
  // Not before it watched the lease stay unchanged for the lease duration.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1000ms);
}

}  // namespace
}  // namespace carrier::controllers
