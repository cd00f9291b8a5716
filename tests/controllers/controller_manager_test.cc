#include "controllers/controller_manager.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

using namespace std::chrono_literals;

TEST(ParseObjectKeyTest, NamespacedClusterScopedAndOthers) {
  auto pod = ParseObjectKey("/root/core/pods/default/web");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->cluster, "root");
  EXPECT_EQ(pod->group, "");
  EXPECT_EQ(pod->resource, "pods");
  EXPECT_EQ(pod->namespace_, "default");
  EXPECT_EQ(pod->name, "web");
  auto crd = ParseObjectKey("/t1/apiextensions.k8s.io/customresourcedefinitions/a.b.io");
  ASSERT_TRUE(crd);
  EXPECT_EQ(crd->group, "apiextensions.k8s.io");
  EXPECT_EQ(crd->namespace_, "");
  EXPECT_FALSE(ParseObjectKey("/_carrier/clusters/t1"));
  EXPECT_FALSE(ParseObjectKey("/root/core/pods"));
  EXPECT_FALSE(ParseObjectKey("/root/core/pods/a/b/c"));
  EXPECT_FALSE(ParseObjectKey("/root//pods/a"));
}

// Records what it reconciles.
class Recorder : public Controller {
 public:
  std::string_view name() const override { return "recorder"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override {
    if (change.ref.resource == "widgets") keys.push_back(change.ref.cluster + "/" + change.ref.name);
  }
  Status Reconcile(const std::string& key, std::chrono::milliseconds&) override {
    std::lock_guard lock(mu);
    if (fail_once.erase(key)) return Status(Code::kUnavailable, "try again");
    seen.insert(key);
    cv.notify_all();
    return {};
  }
  bool WaitFor(const std::string& key) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return seen.count(key) > 0; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> seen, fail_once;
};

TEST(ControllerManagerTest, ExistingObjectsAndChangesReachTheControllerAndFailuresRetry) {
  storage::testing::ScratchDir dir;
  storage::SqliteOptions options;
  options.path = dir.File("store.db");
  auto store = storage::OpenSqliteStore(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("/a/example.io/widgets/old", "{}").ok());
  ASSERT_TRUE((*store)->Put("/a/example.io/gadgets/ignored", "{}").ok());

  auto recorder = std::make_unique<Recorder>();
  Recorder* r = recorder.get();
  r->fail_once = {"b/new"};
  ControllerManager manager(**store, 2);
  manager.Add(std::move(recorder));
  ASSERT_TRUE(manager.Start().ok());
  EXPECT_TRUE(r->WaitFor("a/old"));  // the resync at start
  ASSERT_TRUE((*store)->Put("/b/example.io/widgets/ns/new", "{}").ok());
  EXPECT_TRUE(r->WaitFor("b/new"));  // after one failure and its backoff
  manager.Stop();
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->seen.count("a/ignored"), 0u);
}

}  // namespace
}  // namespace carrier::controllers
