// The shared Store conformance suite against the watch cache in front of SQLite: every
// read and watch the suite makes of a one-segment prefix ("/c/...") is served by the cache.
#include "apiserver/one_segment_collections.h"
#include "apiserver/watch_cache.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"
#include "storage/store_conformance.h"

namespace carrier::storage::testing {
namespace {


class CachedSqliteBackend : public StoreBackend {
 public:
  CachedSqliteBackend() { Open(); }
  ~CachedSqliteBackend() override { Close(); }
  Store& store() override { return *cache_; }
  void Reopen() override {
    Close();
    Open();
  }
  bool RestartServer() override { return false; }

 private:
  void Open() {
    SqliteOptions options;
    options.path = dir_.File("store.db");
    options.auto_compact = false;
    auto store = OpenSqliteStore(options);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return;
    }
    backend_ = std::move(*store);
    apiserver::WatchCacheOptions cache_options;
    cache_options.collection_of = FirstSegment;
    cache_options.feed_progress_interval = std::chrono::milliseconds(100);
    auto cache = apiserver::StartWatchCache(*backend_, cache_options);
    if (!cache.ok()) {
      ADD_FAILURE() << cache.status().ToString();
      return;
    }
    cache_ = std::move(*cache);
  }
  void Close() {
    cache_.reset();
    backend_.reset();
  }

  ScratchDir dir_;
  std::unique_ptr<Store> backend_;
  std::unique_ptr<Store> cache_;
};

INSTANTIATE_TEST_SUITE_P(CachedSqlite, StoreConformance,
                         ::testing::Values(BackendFactory{
                             "cached_sqlite",
                             [] { return std::make_unique<CachedSqliteBackend>(); }}),
                         BackendFactoryName);

}  // namespace
}  // namespace carrier::storage::testing
