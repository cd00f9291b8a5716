// The Store conformance suite against the watch cache in front of a real etcd, with reads
// waiting for etcd's current revision as replicas sharing an etcd do. RestartServer() stops
// and starts etcd under the cache: the feed resumes and the cache stays consistent.
#include "apiserver/one_segment_collections.h"
#include "apiserver/watch_cache.h"
#include "storage/etcd/etcd_store.h"
#include "storage/store_conformance.h"
#include "support/etcd_process.h"

namespace carrier::storage::testing {
namespace {


class CachedEtcdBackend : public StoreBackend {
 public:
  bool Start() {
    Status started = etcd_.Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return started.ok() && Open();
  }
  ~CachedEtcdBackend() override { Close(); }
  Store& store() override { return *cache_; }
  void Reopen() override {
    Close();
    Open();
  }
  bool RestartServer() override {
    Status stopped = etcd_.Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.ToString();
    Status started = etcd_.Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return true;
  }

 private:
  bool Open() {
    EtcdOptions options;
    options.endpoints = {etcd_.endpoint()};
    auto store = OpenEtcdStore(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return false;
    backend_ = std::move(*store);
    apiserver::WatchCacheOptions cache_options;
    cache_options.collection_of = FirstSegment;
    cache_options.consistent_reads_from_backend = true;
    cache_options.feed_progress_interval = std::chrono::milliseconds(100);
    auto cache = apiserver::StartWatchCache(*backend_, cache_options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    if (!cache.ok()) return false;
    cache_ = std::move(*cache);
    return true;
  }
  void Close() {
    cache_.reset();
    backend_.reset();
  }

  carrier::test::EtcdProcess etcd_;
  std::unique_ptr<Store> backend_;
  std::unique_ptr<Store> cache_;
};

INSTANTIATE_TEST_SUITE_P(CachedEtcd, StoreConformance,
                         ::testing::Values(BackendFactory{
                             "cached_etcd",
                             []() -> std::unique_ptr<StoreBackend> {
                               auto backend = std::make_unique<CachedEtcdBackend>();
                               if (!backend->Start()) return nullptr;
                               return backend;
                             }}),
                         BackendFactoryName);

}  // namespace
}  // namespace carrier::storage::testing
