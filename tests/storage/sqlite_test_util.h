#pragma once
// Helpers shared by the tests that need a real store: a scratch directory removed
// afterwards, and a SQLite store opened in one.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite/sqlite_store.h"

namespace carrier::storage::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "carrier-sqlite-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A SQLite store (defaults, automatic compaction included) in its own scratch directory.
class ScratchStore {
 public:
  ScratchStore() {
    SqliteOptions options;
    options.path = dir_.File("store.db");
    auto store = OpenSqliteStore(options);
    if (!store.ok()) {
      ADD_FAILURE() << "open the scratch store: " << store.status().ToString();
      return;
    }
    store_ = std::move(*store);
  }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace carrier::storage::testing
