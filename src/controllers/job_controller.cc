#include "controllers/job_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <set>

#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/batch_defaults.h"
#include "apiserver/object_meta.h"
#include "controllers/event_recorder.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kComponent = "job-controller";
constexpr const char* kCompletionIndex = "batch.kubernetes.io/job-completion-index";
// Kubernetes' pod failure back-off: 10 s, doubling per failure, at most 6 minutes.
constexpr int64_t kBackoffBaseSeconds = 10;
constexpr int64_t kBackoffMaxSeconds = 360;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TimeText(int64_t seconds) {
  return apiserver::Rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

std::optional<int64_t> ParseTime(const std::string& text) {
  auto t = apiserver::authn::ParseRfc3339(text);
  if (!t) return std::nullopt;
  return t->time_since_epoch().count();
}

// When a pod finished: its containers' latest finishedAt, else when it stopped being Ready.
std::optional<int64_t> FinishedAt(const json::object& pod) {
  std::optional<int64_t> latest;
  if (const json::array* statuses = ArrayAt(ObjectAt(&pod, "status"), "containerStatuses")) {
    for (const auto& s : *statuses) {
      const json::object* terminated = ObjectAt(ObjectAt(s.if_object(), "state"), "terminated");
      if (auto t = ParseTime(StringAt(terminated, "finishedAt")); t && (!latest || *t > *latest)) latest = t;
    }
  }
  if (latest) return latest;
  if (const json::array* conds = ArrayAt(ObjectAt(&pod, "status"), "conditions")) {
    for (const auto& c : *conds) {
      if (StringAt(c.if_object(), "type") == "Ready") return ParseTime(StringAt(c.if_object(), "lastTransitionTime"));
    }
  }
  return std::nullopt;
}

int64_t Restarts(const json::object& pod) {
  int64_t total = 0;
  for (const char* field : {"initContainerStatuses", "containerStatuses"}) {
    if (const json::array* statuses = ArrayAt(ObjectAt(&pod, "status"), field)) {
      for (const auto& s : *statuses) total += IntAt(s.if_object(), "restartCount", 0);
    }
  }
  return total;
}

// The completion index of an Indexed Job's pod; nullopt when it has none.
std::optional<int64_t> PodIndex(const json::object& pod) {
  const std::string text = AnnotationOf(pod, kCompletionIndex);
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(text);
}

// The Job's pods as the controller counts them.
struct JobPods {
  std::vector<StoredObject> active;
  int64_t ready = 0, terminating = 0, succeeded = 0, failed = 0;
  int64_t restarts = 0;  // container restarts of running and pending pods
  std::optional<int64_t> last_success;
  std::vector<int64_t> failure_times;
  std::set<int64_t> succeeded_indexes;  // Indexed Jobs
};

Result<JobPods> ListPods(storage::Store& store, const std::string& cluster, const std::string& ns,
                         const std::string& job_name, const std::string& uid) {
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, BuiltInType("", "pods"), ns, ""));
  auto pods = store.List(list);
  if (!pods.ok()) return pods.status();
  JobPods out;
  for (const auto& kv : pods->kvs) {
    auto owner = workload::ControllerOf(kv.value);
    if (!owner || owner->first != "Job" || owner->second != job_name) continue;
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok()) continue;
    bool owned = false;
    if (const json::array* refs = ArrayAt(ObjectAt(&*decoded, "metadata"), "ownerReferences")) {
      for (const auto& r : *refs) owned = owned || StringAt(r.if_object(), "uid") == uid;
    }
    if (!owned) continue;
    const std::string phase = StringAt(ObjectAt(&*decoded, "status"), "phase");
    if (phase == "Succeeded") {
      ++out.succeeded;
      if (auto index = PodIndex(*decoded)) out.succeeded_indexes.insert(*index);
      if (auto t = FinishedAt(*decoded); t && (!out.last_success || *t > *out.last_success)) out.last_success = t;
    } else if (phase == "Failed") {
      ++out.failed;
      if (auto t = FinishedAt(*decoded)) out.failure_times.push_back(*t);
    } else if (!apiserver::MetaString(*decoded, "deletionTimestamp").empty()) {
      ++out.terminating;
    } else {
      if (workload::PodReady(*decoded)) ++out.ready;
      out.restarts += Restarts(*decoded);
      StoredObject pod;
      pod.key = kv.key;
      pod.revision = kv.mod_revision;
      pod.holder = std::make_shared<json::object>(std::move(*decoded));
      pod.object = pod.holder.get();
      out.active.push_back(std::move(pod));
    }
  }
  return out;
}

// Replaces the condition of the same type, or appends it.
void SetCondition(json::array& conditions, json::object condition) {
  for (auto& c : conditions) {
    if (c.is_object() && StringAt(&c.get_object(), "type") == StringAt(&condition, "type")) {
      c = std::move(condition);
      return;
    }
  }
  conditions.push_back(std::move(condition));
}

// status.completedIndexes ("1,3-5") and back; indexes at or above `completions` are dropped.
std::set<int64_t> ParseIndexes(const std::string& text, int64_t completions) {
  std::set<int64_t> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    start = end + 1;
    const size_t dash = part.find('-');
    char* rest = nullptr;
    const long long first = std::strtoll(part.c_str(), &rest, 10);
    if (rest == part.c_str()) continue;  // not a number: ignored
    const long long last = dash == std::string::npos ? first : std::strtoll(part.c_str() + dash + 1, nullptr, 10);
    for (long long i = std::max(0LL, first); i <= last && i < completions; ++i) out.insert(i);
  }
  return out;
}

std::string FormatIndexes(const std::set<int64_t>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int64_t first = *it, last = *it;
    for (++it; it != indexes.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ",";
    out += std::to_string(first) + (last > first ? "-" + std::to_string(last) : "");
  }
  return out;
}

// A pod of the template; for an Indexed Job, of completion index `index`: named
// <job>-<index>-<suffix>, annotated and labelled with the index, hostname <job>-<index>, and
// JOB_COMPLETION_INDEX in every container's environment.
json::object NewPod(const json::object& job, const std::string& ns, std::optional<int64_t> index) {
  const std::string job_name(apiserver::MetaString(job, "name"));
  const json::object* tmpl = ObjectAt(ObjectAt(&job, "spec"), "template");
  json::object meta;
  if (const json::object* m = ObjectAt(tmpl, "metadata")) meta = *m;
  const std::string base = index ? job_name + "-" + std::to_string(*index) + "-" : job_name + "-";
  const std::string pod_name = base + workload::RandomSuffix(5);
  meta["name"] = pod_name;
  meta["namespace"] = ns;
  meta["generateName"] = base;
  meta["ownerReferences"] = json::array{workload::ControllerRef(job, "batch/v1", "Job")};
  const json::object* pod_spec = ObjectAt(tmpl, "spec");
  json::object spec = pod_spec ? *pod_spec : json::object();
  if (index) {
    for (const char* field : {"annotations", "labels"}) {
      json::value& map = meta[field];
      if (!map.is_object()) map = json::object();
      map.get_object()[kCompletionIndex] = std::to_string(*index);
    }
    if (!spec.contains("hostname")) spec["hostname"] = job_name + "-" + std::to_string(*index);
    for (const char* field : {"initContainers", "containers"}) {
      json::value* containers = spec.if_contains(field);
      if (containers == nullptr || !containers->is_array()) continue;
      for (auto& c : containers->get_array()) {
        if (!c.is_object()) continue;
        json::value& env = c.get_object()["env"];
        if (!env.is_array()) env = json::array();
        env.get_array().push_back(json::object{
            {"name", "JOB_COMPLETION_INDEX"},
            {"valueFrom", json::object{{"fieldRef", json::object{
                {"fieldPath", std::string("metadata.annotations['") + kCompletionIndex + "']"}}}}}});
      }
    }
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)},
          {"status", json::object{{"phase", "Pending"}}}};
}

Status DeletePods(storage::Store& store, std::vector<StoredObject>& pods, size_t count) {
  for (size_t i = 0; i < count && i < pods.size(); ++i) {
    Status st = DeleteObject(store, pods[i]);
    if (!st.ok() && st.code() != Code::kConflict) return st;
  }
  return {};
}

// A finished Job: deleted ttlSecondsAfterFinished after it finished.
Status ExpireFinished(storage::Store& store, const StoredObject& read, int64_t now,
                      std::chrono::milliseconds& requeue_after) {
  const json::object& job = *read.object;
  const json::object* spec = ObjectAt(&job, "spec");
  if (spec == nullptr || !spec->contains("ttlSecondsAfterFinished")) return {};
  const int64_t ttl = IntAt(spec, "ttlSecondsAfterFinished", 0);
  std::optional<int64_t> finished = ParseTime(StringAt(ObjectAt(&job, "status"), "completionTime"));
  if (const json::array* conds = ArrayAt(ObjectAt(&job, "status"), "conditions"); !finished && conds) {
    for (const auto& c : *conds) {
      const std::string type = StringAt(c.if_object(), "type");
      if ((type == "Complete" || type == "Failed") && StringAt(c.if_object(), "status") == "True") {
        finished = ParseTime(StringAt(c.if_object(), "lastTransitionTime"));
      }
    }
  }
  if (!finished) return {};
  if (now >= *finished + ttl) return DeleteObject(store, read);  // the pods follow (GC)
  requeue_after = std::chrono::seconds(*finished + ttl - now);
  return {};
}

}  // namespace

void JobController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group == "batch" && ref.resource == "jobs" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.group.empty() && ref.resource == "pods") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr || value->find("\"Job\"") == std::string::npos) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == "Job") keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
  }
}

Status JobController::Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a), ns = key.substr(a + 1, b - a - 1),
                    name = key.substr(b + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("batch", "jobs"), ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& read = **got;
  json::object& job = *read.object;
  if (!apiserver::MetaString(job, "deletionTimestamp").empty()) return {};
  if (apiserver::JobNeedsSelector(job)) {
    apiserver::DefaultJob(job);
    Status st = UpdateObject(store_, read);
    return st.code() == Code::kConflict ? Status() : st;  // the write queues the Job again
  }
  const std::string uid(apiserver::MetaString(job, "uid"));
  const int64_t now = NowSeconds();
  auto listed = ListPods(store_, cluster, ns, name, uid);
  if (!listed.ok()) return listed.status();
  JobPods& pods = *listed;

  if (ConditionStatus(job, "Complete") == "True" || ConditionStatus(job, "Failed") == "True") {
    if (Status st = DeletePods(store_, pods.active, pods.active.size()); !st.ok()) return st;
    return ExpireFinished(store_, read, now, requeue_after);
  }

  const json::object* spec = ObjectAt(&job, "spec");
  const json::object* old_status = ObjectAt(&job, "status");
  const json::array* old_conditions = ArrayAt(old_status, "conditions");
  const int64_t failed = std::max(static_cast<int64_t>(pods.failed), IntAt(old_status, "failed", 0));
  std::optional<int64_t> completions;
  if (spec && spec->contains("completions") && !spec->at("completions").is_null()) {
    completions = IntAt(spec, "completions", 1);
  }
  // Indexed: each index 0..completions-1 must succeed once (completedIndexes persists them).
  const bool indexed = completions && StringAt(spec, "completionMode") == "Indexed";
  std::set<int64_t> done;
  if (indexed) {
    done = ParseIndexes(StringAt(old_status, "completedIndexes"), *completions);
    for (int64_t i : pods.succeeded_indexes) {
      if (i < *completions) done.insert(i);
    }
  }
  const int64_t succeeded = indexed ? static_cast<int64_t>(done.size())
                                    : std::max(pods.succeeded, IntAt(old_status, "succeeded", 0));
  const int64_t parallelism = std::max<int64_t>(0, IntAt(spec, "parallelism", 1));
  const int64_t backoff_limit = IntAt(spec, "backoffLimit", 6);
  const bool suspend = BoolAt(spec, "suspend");
  const bool on_failure =
      StringAt(ObjectAt(ObjectAt(spec, "template"), "spec"), "restartPolicy") == "OnFailure";
  std::string start_time = StringAt(old_status, "startTime"), completion_time;
  json::array conditions = old_conditions ? *old_conditions : json::array();
  const std::optional<int64_t> deadline =
      spec && spec->contains("activeDeadlineSeconds")
          ? std::optional<int64_t>(IntAt(spec, "activeDeadlineSeconds", 0))
          : std::nullopt;
  const std::optional<int64_t> started = ParseTime(start_time);

  std::string fail_reason, fail_message;
  if (failed > backoff_limit ||
      (on_failure && (backoff_limit == 0 ? pods.restarts > 0 : pods.restarts >= backoff_limit))) {
    fail_reason = "BackoffLimitExceeded";
    fail_message = "Job has reached the specified backoff limit";
  } else if (!suspend && deadline && started && now >= *started + *deadline) {
    fail_reason = "DeadlineExceeded";
    fail_message = "Job was active longer than specified deadline";
  }
  const bool complete = fail_reason.empty() && (completions ? succeeded >= *completions
                                                            : succeeded > 0 && pods.active.empty());
  std::vector<std::pair<std::string, std::string>> events;  // (reason, message), Normal
  int64_t active = static_cast<int64_t>(pods.active.size()), ready = pods.ready;

  if (!fail_reason.empty() || complete || suspend) {
    if (Status st = DeletePods(store_, pods.active, pods.active.size()); !st.ok()) return st;
    active = ready = 0;
  }
  if (!fail_reason.empty()) {
    SetCondition(conditions, NewCondition("Failed", "True", fail_reason, fail_message, old_conditions));
  } else if (complete) {
    SetCondition(conditions, NewCondition("Complete", "True", "CompletionsReached",
                                          "Reached expected number of succeeded pods", old_conditions));
    completion_time = TimeText(now);
    events.emplace_back("Completed", "Job completed");
  } else if (suspend) {
    if (ConditionStatus(job, "Suspended") != "True") {
      SetCondition(conditions, NewCondition("Suspended", "True", "JobSuspended", "Job suspended", old_conditions));
      events.emplace_back("Suspended", "Job suspended");
    }
  } else {
    if (ConditionStatus(job, "Suspended") == "True") {
      SetCondition(conditions, NewCondition("Suspended", "False", "JobResumed", "Job resumed", old_conditions));
      events.emplace_back("Resumed", "Job resumed");
      start_time.clear();  // a resumed Job's deadline counts from now
    }
    if (start_time.empty()) start_time = TimeText(now);
    // Without completions, no new pod once one succeeded: the others finish the work.
    int64_t want = completions ? std::min(parallelism, std::max<int64_t>(0, *completions - succeeded))
                               : (succeeded > 0 ? active : parallelism);
    // Failures since the last success delay the replacement pods.
    int64_t failures = 0, last_failure = 0;
    for (int64_t t : pods.failure_times) {
      if (pods.last_success && t <= *pods.last_success) continue;
      ++failures;
      last_failure = std::max(last_failure, t);
    }
    const int64_t delay =
        failures == 0 ? 0 : std::min(kBackoffMaxSeconds, kBackoffBaseSeconds << std::min<int64_t>(failures - 1, 10));
    const bool backing_off = failures > 0 && now < last_failure + delay;
    auto create = [&](std::optional<int64_t> index) -> Status {
      json::object pod = NewPod(job, ns, index);
      const std::string pod_name(apiserver::MetaString(pod, "name"));
      Status st = CreateObject(store_, StoreKey(cluster, BuiltInType("", "pods"), ns, pod_name), std::move(pod));
      if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
      events.emplace_back("SuccessfulCreate", "Created pod: " + pod_name);
      return {};
    };
    if (indexed) {
      // One active pod per index still to succeed: duplicates and finished indexes go.
      std::set<int64_t> running;
      for (auto& pod : pods.active) {
        auto index = PodIndex(*pod.object);
        if (index && *index < *completions && !done.count(*index) && !running.count(*index)) {
          running.insert(*index);
          continue;
        }
        if (workload::PodReady(*pod.object)) --ready;
        Status st = DeleteObject(store_, pod);
        if (!st.ok() && st.code() != Code::kConflict) return st;
      }
      active = static_cast<int64_t>(running.size());
      if (backing_off && active < want) {
        requeue_after = std::chrono::seconds(last_failure + delay - now);
      } else {
        for (int64_t i = 0; i < *completions && active < want; ++i) {
          if (done.count(i) || running.count(i)) continue;
          if (Status st = create(i); !st.ok()) return st;
          ++active;
        }
      }
    } else if (active < want) {
      if (backing_off) {
        requeue_after = std::chrono::seconds(last_failure + delay - now);
      } else {
        for (int64_t i = active; i < want; ++i) {
          if (Status st = create(std::nullopt); !st.ok()) return st;
        }
        active = want;
      }
    } else if (active > want) {
      std::stable_sort(pods.active.begin(), pods.active.end(), [](const StoredObject& x, const StoredObject& y) {
        return workload::DeletionRank(*x.object) < workload::DeletionRank(*y.object);
      });
      const size_t surplus = static_cast<size_t>(active - want);
      for (size_t i = 0; i < surplus; ++i) {
        if (workload::PodReady(*pods.active[i].object)) --ready;
        events.emplace_back("SuccessfulDelete",
                            "Deleted pod: " + std::string(apiserver::MetaString(*pods.active[i].object, "name")));
      }
      if (Status st = DeletePods(store_, pods.active, surplus); !st.ok()) return st;
      active = want;
    }
    if (deadline) {  // look again when the deadline passes
      const int64_t left = std::max<int64_t>(1, ParseTime(start_time).value_or(now) + *deadline - now);
      if (requeue_after.count() == 0 || std::chrono::seconds(left) < requeue_after) {
        requeue_after = std::chrono::seconds(left);
      }
    }
  }

  json::object status = old_status ? *old_status : json::object();
  auto set_count = [&](const char* field, int64_t v, bool keep_zero) {
    if (v > 0 || keep_zero) status[field] = v;
    else status.erase(field);
  };
  set_count("active", active, false);
  set_count("ready", ready, true);
  set_count("terminating", pods.terminating, true);
  set_count("succeeded", succeeded, false);
  set_count("failed", failed, false);
  if (indexed && !done.empty()) status["completedIndexes"] = FormatIndexes(done);
  if (!start_time.empty()) status["startTime"] = start_time;
  if (!completion_time.empty()) status["completionTime"] = completion_time;
  if (!conditions.empty()) status["conditions"] = std::move(conditions);
  status["uncountedTerminatedPods"] = json::object();
  if (old_status == nullptr || json::value(*old_status) != json::value(status)) {
    job["status"] = std::move(status);
    Status st = UpdateObject(store_, read);
    if (!st.ok() && st.code() != Code::kConflict) return st;  // a newer version requeues itself
  }
  if (!fail_reason.empty()) {
    (void)RecordEvent(store_, cluster, job, "Warning", fail_reason, fail_message, {kComponent, ""});
  }
  for (const auto& [reason, message] : events) {
    (void)RecordEvent(store_, cluster, job, "Normal", reason, message, {kComponent, ""});
  }
  return {};  // a finished Job's status write queues it again for ttlSecondsAfterFinished
}

}  // namespace carrier::controllers
