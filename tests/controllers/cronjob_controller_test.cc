// The CronJob controller reconciling CronJobs in a real SQLite store, one Reconcile at a time.
#include "controllers/cronjob_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Time(int64_t s) {
  return apiserver::Rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(s)));
}

class CronJobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { controller_ = std::make_unique<CronJobController>(*store_); }

  std::string Key(const char* resource, const std::string& name) const {
    return StoreKey("root", BuiltInType("batch", resource), "default", name);
  }

  // A CronJob created `age` seconds ago (written straight to the store to set its age).
  void CreateCronJob(json::object spec, int64_t age) {
    spec["jobTemplate"] = json::object{
        {"spec", json::object{{"template", json::object{{"spec", json::object{{"restartPolicy", "Never"}}}}}}}};
    json::object cj{{"apiVersion", "batch/v1"},
                    {"kind", "CronJob"},
                    {"metadata", json::object{{"name", "tick"},
                                              {"namespace", "default"},
                                              {"uid", "cj-uid"},
                                              {"creationTimestamp", Time(Now() - age)}}},
                    {"spec", std::move(spec)}};
    ASSERT_TRUE(store_->Create(Key("cronjobs", "tick"), json::serialize(cj)).ok());
  }

  // A Job of the CronJob, finished (`condition` Complete/Failed) or not ("").
  void CreateOwnedJob(const std::string& name, const std::string& condition, int64_t started_ago) {
    json::object status{{"startTime", Time(Now() - started_ago)}};
    if (!condition.empty()) {
      status["conditions"] = json::array{json::object{{"type", condition}, {"status", "True"}}};
      if (condition == "Complete") status["completionTime"] = Time(Now() - started_ago + 1);
    }
    json::object job{{"apiVersion", "batch/v1"},
                     {"kind", "Job"},
                     {"metadata", json::object{{"name", name},
                                               {"namespace", "default"},
                                               {"ownerReferences", json::array{json::object{
                                                   {"apiVersion", "batch/v1"}, {"kind", "CronJob"},
                                                   {"name", "tick"}, {"uid", "cj-uid"},
                                                   {"controller", true}}}}}},
                     {"spec", json::object()},
                     {"status", std::move(status)}};
    ASSERT_TRUE(CreateObject(*store_, Key("jobs", name), std::move(job)).ok());
  }

  std::chrono::milliseconds Sync() {
    std::chrono::milliseconds requeue{0};
    Status st = controller_->Reconcile("root/default/tick", requeue);
    EXPECT_TRUE(st.ok()) << st.message();
    return requeue;
  }

  std::vector<std::string> Jobs() {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix("/root/batch/jobs/default/");
    auto listed = store_->List(list);
    std::vector<std::string> names;
    for (const auto& kv : listed->kvs) names.push_back(kv.key.substr(kv.key.rfind('/') + 1));
    return names;
  }

  json::object CronJob() {
    auto got = GetObject(*store_, Key("cronjobs", "tick"));
    return got.ok() && *got ? *(*got)->object : json::object();
  }

  std::vector<std::string> EventReasons() {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix("/root/core/events/default/");
    auto listed = store_->List(list);
    std::vector<std::string> reasons;
    for (const auto& kv : listed->kvs) {
      reasons.push_back(std::string(json::parse(kv.value).at("reason").as_string()));
    }
    std::sort(reasons.begin(), reasons.end());
    return reasons;
  }

  storage::testing::ScratchStore store_;
  std::unique_ptr<CronJobController> controller_;
};

TEST_F(CronJobControllerTest, CreatesTheJobOfTheLatestMissedTimeAndWaitsForTheNext) {
  CreateCronJob(json::object{{"schedule", "* * * * *"}}, /*age=*/600);
  const int64_t before = Now();
  auto requeue = Sync();
  const int64_t scheduled = before / 60 * 60;  // only the latest of the ten missed minutes
  const std::string name = "tick-" + std::to_string(scheduled / 60);
  ASSERT_EQ(Jobs(), std::vector<std::string>{name});
  EXPECT_GT(requeue, 0ms);
  EXPECT_LE(requeue, 60100ms);
  auto job = GetObject(*store_, Key("jobs", name));
  ASSERT_TRUE(job.ok() && *job);
  EXPECT_EQ(AnnotationOf(*(*job)->object, "batch.kubernetes.io/cronjob-scheduled-timestamp"), Time(scheduled));
  json::object cj = CronJob();
  EXPECT_EQ(StringAt(ObjectAt(&cj, "status"), "lastScheduleTime"), Time(scheduled));
  const json::array* active = ArrayAt(ObjectAt(&cj, "status"), "active");
  ASSERT_TRUE(active && active->size() == 1);
  EXPECT_EQ(StringAt(active->at(0).if_object(), "name"), name);
  Sync();
  EXPECT_EQ(Jobs().size(), 1u);  // the same minute runs once
}

TEST_F(CronJobControllerTest, StartingDeadlineSkipsTimesMissedLongAgo) {
  // Hourly, at the minute two minutes ago: missed by more than the 60 s deadline.
  const int64_t now = Now();
  const int64_t minute = (now / 60 + 58) % 60;  // two minutes before the current one
  CreateCronJob(json::object{{"schedule", std::to_string(minute) + " * * * *"},
                             {"startingDeadlineSeconds", 60}},
                /*age=*/7200);
  Sync();
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(CronJobControllerTest, ForbidSkipsWhileAJobRunsAndReplaceReplacesIt) {
  CreateCronJob(json::object{{"schedule", "* * * * *"}, {"concurrencyPolicy", "Forbid"}}, 600);
  CreateOwnedJob("tick-running", "", 300);
  Sync();
  EXPECT_EQ(Jobs(), std::vector<std::string>{"tick-running"});

  auto read = GetObject(*store_, Key("cronjobs", "tick"));
  (*(*read)->object)["spec"].as_object()["concurrencyPolicy"] = "Replace";
  ASSERT_TRUE(UpdateObject(*store_, **read).ok());
  Sync();
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_NE(jobs[0], "tick-running");
}

TEST_F(CronJobControllerTest, SuspendedCronJobsStartNothing) {
  CreateCronJob(json::object{{"schedule", "* * * * *"}, {"suspend", true}}, 600);
  EXPECT_EQ(Sync(), 0ms);
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(CronJobControllerTest, HistoryLimitsDeleteTheOldestFinishedJobs) {
  CreateCronJob(json::object{{"schedule", "0 0 1 1 *"}, {"successfulJobsHistoryLimit", 1},
                             {"failedJobsHistoryLimit", 1}},
                60);
  CreateOwnedJob("tick-1", "Complete", 400);
  CreateOwnedJob("tick-2", "Complete", 300);
  CreateOwnedJob("tick-3", "Failed", 200);
  CreateOwnedJob("tick-4", "Failed", 100);
  CreateOwnedJob("tick-5", "", 50);
  Sync();
  EXPECT_EQ(Jobs(), (std::vector<std::string>{"tick-2", "tick-4", "tick-5"}));
  json::object cj = CronJob();
  auto kept = GetObject(*store_, Key("jobs", "tick-2"));
  ASSERT_TRUE(kept.ok() && *kept);
  EXPECT_EQ(StringAt(ObjectAt(&cj, "status"), "lastSuccessfulTime"),
            StringAt(ObjectAt((*kept)->object, "status"), "completionTime"));
  EXPECT_EQ(ArrayAt(ObjectAt(&cj, "status"), "active")->size(), 1u);
}

TEST_F(CronJobControllerTest, BadSchedulesAndZonesAreWarnedAboutOnce) {
  CreateCronJob(json::object{{"schedule", "61 * * * *"}}, 600);
  EXPECT_EQ(Sync(), 0ms);
  Sync();
  EXPECT_EQ(EventReasons(), std::vector<std::string>{"UnparseableSchedule"});
  EXPECT_TRUE(Jobs().empty());

  auto read = GetObject(*store_, Key("cronjobs", "tick"));
  auto& spec = (*(*read)->object)["spec"].as_object();
  spec["schedule"] = "* * * * *";
  spec["timeZone"] = "Nowhere/Land";
  ASSERT_TRUE(UpdateObject(*store_, **read).ok());
  Sync();
  EXPECT_EQ(EventReasons(), (std::vector<std::string>{"UnknownTimeZone", "UnparseableSchedule"}));
  EXPECT_TRUE(Jobs().empty());
}

}  // namespace
}  // namespace carrier::controllers
