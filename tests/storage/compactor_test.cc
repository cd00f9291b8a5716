#include "storage/compactor.h"

#include <gtest/gtest.h>

namespace carrier::storage {
namespace {

// A Store whose head revision the test sets and which records compactions.
class FakeHeadStore : public Store {
 public:
  Revision head = 0;
  std::vector<Revision> compactions;

  Result<Revision> CurrentRevision() override { return head; }
  Status Compact(Revision r) override {
    compactions.push_back(r);
    return {};
  }
  Result<GetResult> Get(std::string_view, Revision) override { return Internal("unused"); }
  Result<ListResult> List(const ListOptions&) override { return Internal("unused"); }
  Result<TxnResult> Txn(const TxnRequest&) override { return Internal("unused"); }
  Result<std::unique_ptr<Watch>> StartWatch(const WatchOptions&, WatchCallback) override {
    return Internal("unused");
  }
  Result<Revision> CompactedRevision() override { return Revision{0}; }
  Result<LeaseId> GrantLease(std::chrono::seconds) override { return Internal("unused"); }
  Status KeepAlive(LeaseId) override { return Internal("unused"); }
  Status RevokeLease(LeaseId) override { return Internal("unused"); }
};

TEST(CompactorTest, KeepsMinimumAgeAndRevisions) {
  FakeHeadStore store;
  CompactionPolicy policy{std::chrono::seconds(300), 1000, std::chrono::hours(24)};
  Compactor compactor(store, policy);
  auto t0 = std::chrono::steady_clock::now() + std::chrono::hours(1);

  store.head = 5000;
  ASSERT_EQ(*compactor.RunOnce(t0), 0);  // nothing is five minutes old yet
  store.head = 9000;
  ASSERT_EQ(*compactor.RunOnce(t0 + std::chrono::seconds(200)), 0);
  store.head = 9100;
  // At t0+300 the sample from t0 (rev 5000) is old enough; head-1000 = 8100 allows it.
  EXPECT_EQ(*compactor.RunOnce(t0 + std::chrono::seconds(300)), 5000);
  store.head = 9200;
  // At t0+500 the sample from t0+200 (rev 9000) is old enough, but only 8200 is 1000 behind.
  EXPECT_EQ(*compactor.RunOnce(t0 + std::chrono::seconds(500)), 8200);
  ASSERT_GE(store.compactions.size(), 2u);
  EXPECT_EQ(store.compactions.back(), 8200);
}

}  // namespace
}  // namespace carrier::storage
