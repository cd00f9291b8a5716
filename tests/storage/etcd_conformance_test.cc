// The Store conformance suite against the etcd backend: every test gets its own real etcd
// (tests/support's EtcdProcess), which RestartServer() stops and starts on the same ports.

#include "storage/etcd/etcd_store.h"
#include "storage/store_conformance.h"
#include "support/etcd_process.h"

namespace carrier::storage::testing {
namespace {

class EtcdBackend : public StoreBackend {
 public:
  bool Start() {
    Status started = etcd_.Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return started.ok() && Open();
  }
  Store& store() override { return *store_; }
  void Reopen() override {
    store_.reset();
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
    if (store.ok()) store_ = std::move(*store);
    return store.ok();
  }

  carrier::test::EtcdProcess etcd_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Etcd, StoreConformance,
                         ::testing::Values(BackendFactory{
                             "etcd",
                             []() -> std::unique_ptr<StoreBackend> {
                               auto backend = std::make_unique<EtcdBackend>();
                               if (!backend->Start()) return nullptr;
                               return backend;
                             }}),
                         BackendFactoryName);

}  // namespace
}  // namespace carrier::storage::testing
