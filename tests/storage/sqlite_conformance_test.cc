// The shared Store conformance suite against the SQLite backend.
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"
#include "storage/store_conformance.h"

namespace carrier::storage::testing {
namespace {

class SqliteBackend : public StoreBackend {
 public:
  SqliteBackend() { Open(); }
  Store& store() override { return *store_; }
  void Reopen() override {
    store_.reset();
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
    store_ = std::move(*store);
  }

  ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(BackendFactory{
                             "sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         BackendFactoryName);

}  // namespace
}  // namespace carrier::storage::testing
