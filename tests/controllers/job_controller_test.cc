// The Job controller reconciling Jobs in a real SQLite store, one Reconcile at a time, with
// the test playing the kubelet (pod phases) in between.
#include "controllers/job_controller.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class JobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { controller_ = std::make_unique<JobController>(*store_); }

  std::string JobKey() const { return StoreKey("root", BuiltInType("batch", "jobs"), "default", "work"); }

  void CreateJob(json::object spec) {
    if (!spec.contains("template")) {
      spec["template"] = json::object{
          {"spec", json::object{{"restartPolicy", "Never"},
                                {"containers", json::array{json::object{{"name", "c"}, {"image", "busybox"}}}}}}};
    }
    json::object job{{"apiVersion", "batch/v1"},
                     {"kind", "Job"},
                     {"metadata", json::object{{"name", "work"}, {"namespace", "default"}}},
                     {"spec", std::move(spec)}};
    ASSERT_TRUE(CreateObject(*store_, JobKey(), std::move(job)).ok());
  }

  std::chrono::milliseconds Sync() {
    std::chrono::milliseconds requeue{0};
    Status st = controller_->Reconcile("root/default/work", requeue);
    EXPECT_TRUE(st.ok()) << st.message();
    return requeue;
  }

  std::optional<json::object> Job() {
    auto got = GetObject(*store_, JobKey());
    EXPECT_TRUE(got.ok());
    if (!got.ok() || !*got) return std::nullopt;
    return *(*got)->object;
  }

  std::vector<StoredObject> Pods(const std::string& phase = "") {
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix("/root/core/pods/default/");
    auto listed = store_->List(list);
    EXPECT_TRUE(listed.ok());
    std::vector<StoredObject> out;
    for (const auto& kv : listed->kvs) {
      auto got = GetObject(*store_, kv.key);
      if (!got.ok() || !*got) continue;
      if (!phase.empty() && StringAt(ObjectAt((*got)->object, "status"), "phase") != phase) continue;
      out.push_back(std::move(**got));
    }
    return out;
  }

  // The kubelet's part: the pod ran to `phase`, finishing `finished_ago` ago.
  void Finish(const StoredObject& stale, const std::string& phase, std::chrono::seconds finished_ago = 3600s) {
    auto got = GetObject(*store_, stale.key);
    ASSERT_TRUE(got.ok() && *got);
    StoredObject& pod = **got;
    const std::string at = apiserver::Rfc3339(std::chrono::system_clock::now() - finished_ago);
    (*pod.object)["status"] = json::object{
        {"phase", phase},
        {"containerStatuses",
         json::array{json::object{{"name", "c"},
                                  {"state", json::object{{"terminated", json::object{{"exitCode", phase == "Succeeded" ? 0 : 1},
                                                                                       {"finishedAt", at}}}}}}}}};
    ASSERT_TRUE(UpdateObject(*store_, pod).ok());
  }

  int64_t StatusInt(const char* field) {
    auto job = Job();
    return job ? IntAt(ObjectAt(&*job, "status"), field, 0) : -1;
  }

  storage::testing::ScratchStore store_;
  std::unique_ptr<JobController> controller_;
};

TEST_F(JobControllerTest, RunsCompletionsAtMostParallelismAtATime) {
  CreateJob(json::object{{"completions", 3}, {"parallelism", 2}});
  Sync();  // fills in the generated selector and labels
  auto job = Job();
  ASSERT_TRUE(job);
  const std::string uid(apiserver::MetaString(*job, "uid"));
  EXPECT_EQ(StringAt(ObjectAt(ObjectAt(ObjectAt(&*job, "spec"), "selector"), "matchLabels"),
                     "batch.kubernetes.io/controller-uid"),
            uid);
  EXPECT_EQ(IntAt(ObjectAt(&*job, "spec"), "backoffLimit", 0), 6);

  Sync();
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 2u);
  for (const auto& pod : pods) {
    EXPECT_EQ(LabelOf(*pod.object, "batch.kubernetes.io/controller-uid"), uid);
    EXPECT_EQ(LabelOf(*pod.object, "batch.kubernetes.io/job-name"), "work");
    EXPECT_EQ(LabelOf(*pod.object, "controller-uid"), uid);
    EXPECT_EQ(LabelOf(*pod.object, "job-name"), "work");
    const json::object& ref = pod.object->at("metadata").at("ownerReferences").at(0).as_object();
    EXPECT_EQ(StringAt(&ref, "kind"), "Job");
    EXPECT_EQ(StringAt(&ref, "uid"), uid);
    EXPECT_TRUE(BoolAt(&ref, "controller"));
  }
  EXPECT_EQ(StatusInt("active"), 2);
  job = Job();
  EXPECT_FALSE(StringAt(ObjectAt(&*job, "status"), "startTime").empty());

  Finish(pods[0], "Succeeded");
  Sync();
  EXPECT_EQ(Pods("Pending").size(), 2u);  // one replacement: 1 succeeded, 2 running
  EXPECT_EQ(StatusInt("succeeded"), 1);
  EXPECT_EQ(StatusInt("active"), 2);

  for (auto& pod : Pods("Pending")) Finish(pod, "Succeeded");
  Sync();
  EXPECT_EQ(Pods("Pending").size(), 0u);  // three succeeded: nothing more to run
  EXPECT_EQ(StatusInt("succeeded"), 3);
  EXPECT_EQ(StatusInt("active"), 0);
  job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Complete"), "True");
  EXPECT_FALSE(StringAt(ObjectAt(&*job, "status"), "completionTime").empty());
  Sync();
  EXPECT_EQ(Pods().size(), 3u);  // finished pods stay with the Job
}

TEST_F(JobControllerTest, FailuresBackOffThenExceedTheBackoffLimit) {
  CreateJob(json::object{{"backoffLimit", 1}});
  Sync();
  Sync();
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  Finish(pods[0], "Failed", /*finished_ago=*/0s);
  auto requeue = Sync();
  EXPECT_EQ(Pods("Pending").size(), 0u);  // the replacement waits out the back-off
  EXPECT_GT(requeue, 0ms);
  EXPECT_LE(requeue, 10s);
  EXPECT_EQ(StatusInt("failed"), 1);

  Finish(pods[0], "Failed", /*finished_ago=*/60s);
  Sync();
  auto pending = Pods("Pending");
  ASSERT_EQ(pending.size(), 1u);
  Finish(pending[0], "Failed", 0s);
  Sync();
  auto job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Failed"), "True");
  EXPECT_EQ(StatusInt("failed"), 2);
  const json::object& cond = job->at("status").at("conditions").at(0).as_object();
  EXPECT_EQ(StringAt(&cond, "reason"), "BackoffLimitExceeded");
  EXPECT_EQ(StringAt(&cond, "message"), "Job has reached the specified backoff limit");
  EXPECT_EQ(Pods("Pending").size(), 0u);
}

TEST_F(JobControllerTest, SuspendDeletesActivePodsAndResumeStartsAgain) {
  CreateJob(json::object{{"suspend", true}, {"parallelism", 2}, {"completions", 4}});
  Sync();
  Sync();
  EXPECT_EQ(Pods().size(), 0u);
  auto job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Suspended"), "True");
  EXPECT_EQ(StringAt(ObjectAt(&*job, "status"), "startTime"), "");

  auto read = GetObject(*store_, JobKey());
  ASSERT_TRUE(read.ok() && *read);
  (*(*read)->object)["spec"].as_object()["suspend"] = false;
  ASSERT_TRUE(UpdateObject(*store_, **read).ok());
  Sync();
  EXPECT_EQ(Pods().size(), 2u);
  job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Suspended"), "False");
  EXPECT_NE(StringAt(ObjectAt(&*job, "status"), "startTime"), "");

  read = GetObject(*store_, JobKey());
  (*(*read)->object)["spec"].as_object()["suspend"] = true;
  ASSERT_TRUE(UpdateObject(*store_, **read).ok());
  Sync();
  EXPECT_EQ(Pods().size(), 0u);
  EXPECT_EQ(ConditionStatus(*Job(), "Suspended"), "True");
  EXPECT_EQ(StatusInt("active"), 0);
}

TEST_F(JobControllerTest, WithoutCompletionsOneSuccessEndsTheWorkQueue) {
  CreateJob(json::object{{"parallelism", 2}});
  Sync();
  Sync();
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 2u);
  Finish(pods[0], "Succeeded");
  Sync();
  EXPECT_EQ(Pods().size(), 2u);  // no new pod once one succeeded
  EXPECT_NE(ConditionStatus(*Job(), "Complete"), "True");
  Finish(pods[1], "Succeeded");
  Sync();
  EXPECT_EQ(ConditionStatus(*Job(), "Complete"), "True");
  EXPECT_EQ(StatusInt("succeeded"), 2);
}

TEST_F(JobControllerTest, ActiveDeadlineFailsTheJob) {
  CreateJob(json::object{{"activeDeadlineSeconds", 30}, {"completions", 1}});
  Sync();
  auto requeue = Sync();
  EXPECT_EQ(Pods().size(), 1u);
  EXPECT_GT(requeue, 0ms);  // looks again when the deadline passes
  EXPECT_LE(requeue, 30s);
  auto read = GetObject(*store_, JobKey());
  (*(*read)->object)["status"].as_object()["startTime"] =
      apiserver::Rfc3339(std::chrono::system_clock::now() - 31s);
  ASSERT_TRUE(UpdateObject(*store_, **read).ok());
  Sync();
  auto job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Failed"), "True");
  EXPECT_EQ(StringAt(&job->at("status").at("conditions").at(0).as_object(), "reason"), "DeadlineExceeded");
  EXPECT_EQ(Pods().size(), 0u);
}

TEST_F(JobControllerTest, IndexedJobsRunEachIndexOnce) {
  CreateJob(json::object{{"completions", 3}, {"parallelism", 2}, {"completionMode", "Indexed"}});
  Sync();
  Sync();
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 2u);
  std::set<std::string> indexes;
  for (const auto& pod : pods) {
    const std::string index = AnnotationOf(*pod.object, "batch.kubernetes.io/job-completion-index");
    indexes.insert(index);
    EXPECT_EQ(LabelOf(*pod.object, "batch.kubernetes.io/job-completion-index"), index);
    EXPECT_EQ(StringAt(ObjectAt(pod.object, "spec"), "hostname"), "work-" + index);
    EXPECT_EQ(std::string(apiserver::MetaString(*pod.object, "name")).rfind("work-" + index + "-", 0), 0u);
    const json::object& env = pod.object->at("spec").at("containers").at(0).at("env").at(0).as_object();
    EXPECT_EQ(StringAt(&env, "name"), "JOB_COMPLETION_INDEX");
  }
  EXPECT_EQ(indexes, (std::set<std::string>{"0", "1"}));

  for (auto& pod : pods) {
    if (AnnotationOf(*pod.object, "batch.kubernetes.io/job-completion-index") == "1") Finish(pod, "Succeeded");
  }
  Sync();
  auto pending = Pods("Pending");
  ASSERT_EQ(pending.size(), 2u);  // index 0 still running, index 2 started
  indexes.clear();
  for (const auto& pod : pending) indexes.insert(AnnotationOf(*pod.object, "batch.kubernetes.io/job-completion-index"));
  EXPECT_EQ(indexes, (std::set<std::string>{"0", "2"}));
  auto job = Job();
  EXPECT_EQ(StringAt(ObjectAt(&*job, "status"), "completedIndexes"), "1");

  for (auto& pod : pending) Finish(pod, "Succeeded");
  Sync();
  job = Job();
  EXPECT_EQ(ConditionStatus(*job, "Complete"), "True");
  EXPECT_EQ(StringAt(ObjectAt(&*job, "status"), "completedIndexes"), "0-2");
  EXPECT_EQ(IntAt(ObjectAt(&*job, "status"), "succeeded", 0), 3);
}

TEST_F(JobControllerTest, TtlAfterFinishedDeletesTheJob) {
  CreateJob(json::object{{"ttlSecondsAfterFinished", 0}});
  Sync();
  Sync();
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 1u);
  Finish(pods[0], "Succeeded");
  Sync();
  EXPECT_EQ(ConditionStatus(*Job(), "Complete"), "True");
  Sync();  // the status write queues it again
  EXPECT_FALSE(Job().has_value());
}

}  // namespace
}  // namespace carrier::controllers
