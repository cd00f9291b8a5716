#include "api/json_path.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api {
namespace {

namespace json = boost::json;

const json::value kHostedCluster = json::parse(R"({
  "status": {
    "kubeconfig": {"name": "demo-admin-kubeconfig"},
    "version": {"history": [
      {"state": "Partial", "version": "4.15.1"},
      {"state": "Completed", "version": "4.15.0"}]},
    "conditions": [
      {"type": "Available", "status": "True"},
      {"type": "Progressing", "status": "False", "message": "done"}],
    "replicas": 3
  }
})");

std::vector<std::string> Eval(std::string_view path, const json::value& doc = kHostedCluster) {
  auto parsed = JsonPath::Parse(path);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::vector<std::string> out;
  if (!parsed.ok()) return out;
  for (const json::value* v : parsed->Evaluate(doc)) {
    out.push_back(v->is_string() ? std::string(v->get_string()) : json::serialize(*v));
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(JsonPathTest, FieldsAndIndexes) {
  EXPECT_EQ(Eval(".status.kubeconfig.name"), Strings{"demo-admin-kubeconfig"});
  EXPECT_EQ(Eval("{.status.replicas}"), Strings{"3"});
  EXPECT_EQ(Eval(".status.version.history[0].version"), Strings{"4.15.1"});
  EXPECT_EQ(Eval(".status.version.history[-1].version"), Strings{"4.15.0"});
  EXPECT_EQ(Eval(".status['kubeconfig'].name"), Strings{"demo-admin-kubeconfig"});
  EXPECT_EQ(Eval(".status.version.history[*].state"), (Strings{"Partial", "Completed"}));
  EXPECT_TRUE(Eval(".status.missing.deeper").empty());
  EXPECT_TRUE(Eval(".status.version.history[7]").empty());
}

TEST(JsonPathTest, FiltersCompareStringsNumbersAndPresence) {
  EXPECT_EQ(Eval(".status.conditions[?(@.type==\"Available\")].status"), Strings{"True"});
  EXPECT_EQ(Eval(".status.version.history[?(@.state==\"Completed\")].version"),
            Strings{"4.15.0"});
  EXPECT_EQ(Eval(".status.version.history[?(@.state!=\"\")].state"),
            (Strings{"Partial", "Completed"}));
  EXPECT_EQ(Eval(".status.conditions[?(@.message)].type"), Strings{"Progressing"});
  auto numbers = json::parse(R"({"items":[{"n":1},{"n":5},{"n":9}]})");
  EXPECT_EQ(Eval(".items[?(@.n > 4)].n", numbers), (Strings{"5", "9"}));
  EXPECT_EQ(Eval(".items[?(@.n <= 1)].n", numbers), Strings{"1"});
}

TEST(JsonPathTest, MalformedExpressionsAreErrors) {
  for (std::string_view bad : {"", "status", ".status[", ".status[?(@.a==)]", ".a[?(x)]",
                               ".a['unterminated]", ".a..b"}) {
    auto parsed = JsonPath::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace carrier::api
