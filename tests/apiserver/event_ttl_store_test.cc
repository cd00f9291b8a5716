// Events expire: writes of Event keys get a shared lease, other keys none.
#include "apiserver/event_ttl_store.h"

#include <gtest/gtest.h>

#include "storage/sqlite_test_util.h"
#include "support/test_util.h"

namespace carrier::apiserver {
namespace {

TEST(EventTtlStore, EventKeys) {
  EXPECT_TRUE(IsEventKey("/root/core/events/default/pod-a.1234"));
  EXPECT_TRUE(IsEventKey("/tenant/events.k8s.io/events/ns/x"));
  EXPECT_FALSE(IsEventKey("/root/core/configmaps/default/events"));
  EXPECT_FALSE(IsEventKey("/root/apps/events/default/x"));
  EXPECT_FALSE(IsEventKey("/root/core/eventsx/default/x"));
  EXPECT_FALSE(IsEventKey("/_carrier/core/events/x"));
  EXPECT_FALSE(IsEventKey("/root"));
}

class EventTtlStoreTest : public ::testing::Test {
 protected:
  storage::testing::ScratchStore backend_;
};

TEST_F(EventTtlStoreTest, EventsShareALeaseAndExpire) {
  auto store = WithEventTtl(*backend_, std::chrono::seconds(40));  // leases reused for 2 s
  auto a = store->Put("/c/core/events/default/a", "{}");
  auto b = store->Create("/c/core/events/default/b", "{}");
  auto other = store->Put("/c/core/configmaps/default/a", "{}");
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_NE(a->lease, 0);
  EXPECT_EQ(a->lease, b->lease);
  EXPECT_EQ(other->lease, 0);
  // Revoking stands in for the expiry (the TTL is the backend's business, tested there).
  ASSERT_TRUE(store->RevokeLease(a->lease).ok());
  EXPECT_FALSE(store->Get("/c/core/events/default/a")->kv.has_value());
  EXPECT_TRUE(store->Get("/c/core/configmaps/default/a")->kv.has_value());
  // The next event write notices the lease is gone and takes a new one.
  auto c = store->Put("/c/core/events/default/c", "{}");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(c->lease, 0);
  EXPECT_NE(c->lease, a->lease);
}

TEST_F(EventTtlStoreTest, AnEventIsDeletedAfterTheTtl) {
  auto store = WithEventTtl(*backend_, std::chrono::seconds(1));
  ASSERT_TRUE(store->Put("/c/core/events/default/a", "{}").ok());
  EXPECT_TRUE(test::WaitFor(
      [&] { return !store->Get("/c/core/events/default/a")->kv.has_value(); },
      std::chrono::seconds(30)));
}

}  // namespace
}  // namespace carrier::apiserver
