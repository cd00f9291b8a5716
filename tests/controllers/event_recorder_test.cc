// The event recorder: one Event per distinct occurrence, counted on repetition.
#include "controllers/event_recorder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;

class EventRecorderTest : public ::testing::Test {
 protected:
  std::vector<json::object> Events() {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix("/c/core/events/");
    auto listed = store_->List(list);
    EXPECT_TRUE(listed.ok());
    std::vector<json::object> out;
    for (const auto& kv : listed->kvs) out.push_back(json::parse(kv.value).as_object());
    return out;
  }
  storage::testing::ScratchStore store_;
  json::object pod_ = json::parse(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"team","uid":"u-1"}})")
                          .as_object();
};

TEST_F(EventRecorderTest, RepeatsAreCountedOnOneEvent) {
  EventSource scheduler{"default-scheduler", ""};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(RecordEvent(*store_, "c", pod_, "Warning", "FailedScheduling", "no nodes", scheduler).ok());
  }
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  const json::object& e = events[0];
  EXPECT_EQ(e.at("count").as_int64(), 3);
  EXPECT_EQ(e.at("reason").as_string(), "FailedScheduling");
  EXPECT_EQ(e.at("type").as_string(), "Warning");
  EXPECT_EQ(e.at("involvedObject").at("name").as_string(), "web");
  EXPECT_EQ(e.at("involvedObject").at("namespace").as_string(), "team");
  EXPECT_EQ(e.at("involvedObject").at("uid").as_string(), "u-1");
  EXPECT_EQ(e.at("metadata").at("namespace").as_string(), "team");
  EXPECT_EQ(e.at("source").at("component").as_string(), "default-scheduler");
  EXPECT_TRUE(std::string(e.at("metadata").at("name").as_string()).rfind("web.", 0) == 0);
  EXPECT_FALSE(e.at("firstTimestamp").as_string().empty());
}

TEST_F(EventRecorderTest, DifferentMessagesObjectsOrSourcesAreDifferentEvents) {
  EventSource scheduler{"default-scheduler", ""};
  ASSERT_TRUE(RecordEvent(*store_, "c", pod_, "Warning", "FailedScheduling", "no nodes", scheduler).ok());
  ASSERT_TRUE(RecordEvent(*store_, "c", pod_, "Warning", "FailedScheduling", "1 node busy", scheduler).ok());
  ASSERT_TRUE(RecordEvent(*store_, "c", pod_, "Warning", "FailedScheduling", "no nodes",
                          EventSource{"other-scheduler", ""}).ok());
  json::object other = pod_;
  other["metadata"].as_object()["uid"] = "u-2";
  ASSERT_TRUE(RecordEvent(*store_, "c", other, "Warning", "FailedScheduling", "no nodes", scheduler).ok());
  EXPECT_EQ(Events().size(), 4u);
}

TEST_F(EventRecorderTest, ClusterScopedObjectsReportInDefault) {
  json::object node = json::parse(R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","uid":"n"}})").as_object();
  ASSERT_TRUE(RecordEvent(*store_, "c", node, "Normal", "NodeNotReady", "Node n1 status is now: NodeNotReady",
                          EventSource{"node-controller", ""}).ok());
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("metadata").at("namespace").as_string(), "default");
  EXPECT_FALSE(events[0].at("involvedObject").as_object().contains("namespace"));
}

}  // namespace
}  // namespace carrier::controllers
