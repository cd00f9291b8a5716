#pragma once
// A scratch SQLite store for reconciling controllers directly in tests: objects are created
// as JSON (uid and creationTimestamp added as the REST layer would) and read back decoded.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/objects.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers::testing {

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions options;
    options.path = dir_.File("store.db");
    auto opened = storage::OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
  }

  static std::string Key(std::string_view group, std::string_view resource, std::string_view name,
                         std::string_view ns = "default") {
    return StoreKey("c1", BuiltInType(group, resource), ns, name);
  }

  // Creates the object given as JSON text under the "c1" cluster; returns its uid.
  std::string Create(std::string_view group, std::string_view resource, std::string_view json_text) {
    auto parsed = api::DecodeJson(json_text);
    EXPECT_TRUE(parsed.ok() && parsed->is_object()) << json_text;
    boost::json::object obj = parsed->as_object();
    const std::string name(apiserver::MetaString(obj, "name"));
    std::string ns(apiserver::MetaString(obj, "namespace"));
    if (ns.empty()) ns = "default";
    apiserver::MutableMetadata(obj)["namespace"] = ns;
    if (!apiserver::MutableMetadata(obj).contains("generation")) {
      apiserver::MutableMetadata(obj)["generation"] = 1;
    }
    const std::string key = Key(group, resource, name, ns);
    EXPECT_TRUE(CreateObject(*store_, key, std::move(obj)).ok()) << key;
    return Uid(group, resource, name, ns);
  }

  std::string Uid(std::string_view group, std::string_view resource, std::string_view name,
                  std::string_view ns = "default") {
    auto got = Get(group, resource, name, ns);
    return got ? std::string(apiserver::MetaString(*got, "uid")) : std::string();
  }

  // The stored object, or nullopt.
  std::optional<boost::json::object> Get(std::string_view group, std::string_view resource,
                                         std::string_view name, std::string_view ns = "default") {
    auto got = GetObject(*store_, Key(group, resource, name, ns));
    if (!got.ok() || !*got) return std::nullopt;
    return *(*got)->object;
  }

  // Every object of a collection in the namespace.
  std::vector<boost::json::object> List(std::string_view group, std::string_view resource,
                                        std::string_view ns = "default") {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(Key(group, resource, "", ns));
    auto listed = store_->List(list);
    std::vector<boost::json::object> out;
    if (!listed.ok()) return out;
    for (const auto& kv : listed->kvs) {
      auto obj = apiserver::DecodeStored(kv.value, kv.mod_revision);
      if (obj.ok()) out.push_back(std::move(*obj));
    }
    return out;
  }

  storage::testing::ScratchDir dir_;
  std::unique_ptr<storage::Store> store_;
};

// A JSON value at a path of object keys ("status", "currentHealthy"); null when absent.
inline boost::json::value At(const boost::json::object& o, std::initializer_list<std::string_view> path) {
  const boost::json::value* v = nullptr;
  const boost::json::object* cur = &o;
  for (std::string_view k : path) {
    if (cur == nullptr) return nullptr;
    v = cur->if_contains(k);
    if (v == nullptr) return nullptr;
    cur = v->if_object();
  }
  return v ? *v : boost::json::value();
}

}  // namespace carrier::controllers::testing
