#pragma once
// A store for authorization and admission tests: SQLite in a scratch directory behind the
// watch cache, plus helpers to write objects where the API server keeps them.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "apiserver/resource_catalog.h"
#include "apiserver/watch_cache.h"
#include "storage/sqlite/sqlite_store.h"

namespace carrier::apiserver::testing {

class PolicyStore {
 public:
  PolicyStore() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "carrier-authz-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    storage::SqliteOptions options;
    options.path = dir_ + "/store.db";
    auto backend = storage::OpenSqliteStore(options);
    EXPECT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    auto cache = StartWatchCache(*backend_);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    cache_ = std::move(*cache);
  }
  ~PolicyStore() {
    cache_.reset();
    backend_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  storage::Store& store() { return *cache_; }

  static const ResourceType& Type(std::string_view group, std::string_view resource) {
    for (const auto& t : ResourceCatalog::BuiltIn().types()) {
      if (t.group == group && t.resource == resource) return t;
    }
    ADD_FAILURE() << "no type " << resource;
    return ResourceCatalog::BuiltIn().types().front();
  }

  // Writes `object_json` (its metadata names it) into `cluster`.
  void Put(const std::string& cluster, std::string_view group, std::string_view resource,
           const std::string& object_json) {
    auto v = api::DecodeJson(object_json);
    ASSERT_TRUE(v.ok()) << object_json;
    const auto& meta = v->at("metadata").as_object();
    std::string ns =
        meta.contains("namespace") ? std::string(meta.at("namespace").as_string()) : "";
    std::string name(meta.at("name").as_string());
    auto put = store().Put(ObjectKey(cluster, Type(group, resource), ns, name), object_json);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }

  std::optional<boost::json::object> Get(const std::string& cluster, std::string_view group,
                                         std::string_view resource, std::string_view ns,
                                         std::string_view name) {
    auto got = store().Get(ObjectKey(cluster, Type(group, resource), ns, name));
    if (!got.ok() || !got->kv) return std::nullopt;
    auto obj = DecodeStored(got->kv->value, got->kv->mod_revision);
    if (!obj.ok()) return std::nullopt;
    return *obj;
  }

 private:
  std::string dir_;
  std::unique_ptr<storage::Store> backend_;
  std::unique_ptr<storage::Store> cache_;
};

// Polls `condition` until it holds or `deadline` passes (for effects delivered by watches).
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval, not a wait
  }
  return true;
}

}  // namespace carrier::apiserver::testing
