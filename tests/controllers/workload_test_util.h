#pragma once
// Object helpers over a scratch SQLite store for the workload controller tests.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>

#include "api/json_decode.h"
#include "controllers/objects.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers::testing {

inline boost::json::object Obj(std::string_view text) {
  auto v = api::DecodeJson(text);
  EXPECT_TRUE(v.ok() && v->is_object()) << text;
  return v.ok() && v->is_object() ? v->get_object() : boost::json::object();
}

// A scratch store (storage/sqlite_test_util.h) with object helpers for cluster "c1".
class WorkloadStore {
 public:
  storage::Store& operator*() { return *store_; }

  void Create(std::string_view group, std::string_view resource, std::string_view ns, std::string_view name,
              std::string_view json) {
    ASSERT_TRUE(CreateObject(*store_, StoreKey("c1", BuiltInType(group, resource), ns, name), Obj(json)).ok());
  }
  std::optional<StoredObject> Get(std::string_view group, std::string_view resource, std::string_view ns,
                                  std::string_view name) {
    auto got = GetObject(*store_, StoreKey("c1", BuiltInType(group, resource), ns, name));
    EXPECT_TRUE(got.ok());
    return got.ok() ? std::move(*got) : std::nullopt;
  }
  // Names of the objects of a collection in `ns`.
  std::set<std::string> Names(std::string_view group, std::string_view resource, std::string_view ns) {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(StoreKey("c1", BuiltInType(group, resource), ns, ""));
    auto listed = store_->List(list);
    EXPECT_TRUE(listed.ok());
    std::set<std::string> out;
    for (const auto& kv : listed->kvs) out.insert(kv.key.substr(kv.key.rfind('/') + 1));
    return out;
  }
  // Marks a pod Running and Ready, as a kubelet would.
  void MarkRunning(std::string_view ns, std::string_view name) {
    auto pod = Get("", "pods", ns, name);
    ASSERT_TRUE(pod);
    (*pod->object)["status"] = Obj(R"({"phase":"Running","conditions":[{"type":"Ready","status":"True",
                                       "lastTransitionTime":"2026-01-01T00:00:00Z"}]})");
    ASSERT_TRUE(UpdateObject(*store_, *pod).ok());
  }

 private:
  storage::testing::ScratchStore store_;
};

}  // namespace carrier::controllers::testing
