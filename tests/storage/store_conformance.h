#pragma once
// The conformance suite every Store backend must pass. A backend instantiates it with
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            ::testing::Values(BackendFactory{"sqlite", [] {...}}),
//                            BackendFactoryName);

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/store.h"

namespace carrier::storage::testing {

// One backend instance for one test, with its data.
class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  virtual Store& store() = 0;
  // Closes the store and opens it again over the same data. Watches must be gone first.
  virtual void Reopen() = 0;
  // Stops and restarts the server behind an open store (watches stay open and must resume
  // by themselves). Returns false when the backend has no server (embedded).
  virtual bool RestartServer() = 0;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<StoreBackend>()> make;
};

inline std::string BackendFactoryName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

class StoreConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    ASSERT_NE(backend_, nullptr);
  }
  void TearDown() override { backend_.reset(); }
  Store& store() { return backend_->store(); }

  std::unique_ptr<StoreBackend> backend_;
};

}  // namespace carrier::storage::testing
