#include "controllers/cronjob_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "apiserver/authn/bootstrap_token.h"
#include "apiserver/object_meta.h"
#include "controllers/cron_schedule.h"
#include "controllers/event_recorder.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kComponent = "cronjob-controller";
constexpr const char* kScheduledTimestamp = "batch.kubernetes.io/cronjob-scheduled-timestamp";

std::optional<int64_t> ParseTime(const std::string& text) {
  auto t = apiserver::authn::ParseRfc3339(text);
  if (!t) return std::nullopt;
  return t->time_since_epoch().count();
}

std::string TimeText(int64_t seconds) {
  return apiserver::Rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
}

struct OwnedJob {
  StoredObject read;
  std::string name;
  std::string finished;  // "", "Complete" or "Failed"
};

bool OwnedBy(const json::object& obj, const std::string& uid) {
  if (const json::array* refs = ArrayAt(ObjectAt(&obj, "metadata"), "ownerReferences")) {
    for (const auto& r : *refs) {
      if (StringAt(r.if_object(), "uid") == uid) return true;
    }
  }
  return false;
}

bool Finished(const json::object& job, std::string& how) {
  for (const char* type : {"Complete", "Failed"}) {
    if (ConditionStatus(job, type) == "True") {
      how = type;
      return true;
    }
  }
  return false;
}

json::object JobReference(const json::object& job) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"namespace", apiserver::MetaString(job, "namespace")},
          {"name", apiserver::MetaString(job, "name")},
          {"uid", apiserver::MetaString(job, "uid")}};
}

json::object NewJob(const json::object& cj, const std::string& job_name, const std::string& ns,
                    const std::string& scheduled) {
  const json::object* tmpl = ObjectAt(ObjectAt(&cj, "spec"), "jobTemplate");
  const json::object* tmpl_meta = ObjectAt(tmpl, "metadata");
  json::object meta{{"name", job_name}, {"namespace", ns}};
  if (const json::object* labels = ObjectAt(tmpl_meta, "labels")) meta["labels"] = *labels;
  json::object annotations;
  if (const json::object* a = ObjectAt(tmpl_meta, "annotations")) annotations = *a;
  annotations[kScheduledTimestamp] = scheduled;
  meta["annotations"] = std::move(annotations);
  meta["ownerReferences"] = json::array{workload::ControllerRef(cj, "batch/v1", "CronJob")};
  const json::object* spec = ObjectAt(tmpl, "spec");
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", std::move(meta)},
          {"spec", spec ? *spec : json::object()}};
}

}  // namespace

std::string Rfc3339In(int64_t unix_seconds, const TimeZone& zone) {
  const int32_t offset = zone.OffsetAt(unix_seconds);
  const CivilTime c = CivilFromSeconds(unix_seconds + offset);
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02u:%02u:%02u", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  std::string out = text;
  if (offset == 0) return out + "Z";
  const int32_t abs = offset < 0 ? -offset : offset;
  std::snprintf(text, sizeof text, "%c%02d:%02d", offset < 0 ? '-' : '+', abs / 3600, abs / 60 % 60);
  return out + text;
}

Result<TimeZone> CronJobController::Zone(const std::string& name) {
  std::lock_guard lock(zones_mu_);
  if (auto it = zones_.find(name); it != zones_.end()) return it->second;
  auto zone = TimeZone::Load(name);
  if (zone.ok()) zones_.emplace(name, *zone);
  return zone;
}

void CronJobController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.group != "batch") return;
  if (ref.resource == "cronjobs" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.resource == "jobs") {
    const std::string* value = change.type == Change::Type::kPut ? change.value : change.previous_value;
    if (value == nullptr || value->find("\"CronJob\"") == std::string::npos) return;
    auto owner = workload::ControllerOf(*value);
    if (owner && owner->first == "CronJob") keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + owner->second);
  }
}

Status CronJobController::Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a), ns = key.substr(a + 1, b - a - 1),
                    name = key.substr(b + 1);
  const auto& job_type = BuiltInType("batch", "jobs");
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("batch", "cronjobs"), ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  StoredObject& read = **got;
  json::object& cj = *read.object;
  if (!apiserver::MetaString(cj, "deletionTimestamp").empty()) return {};
  const std::string uid(apiserver::MetaString(cj, "uid"));
  const json::object* spec = ObjectAt(&cj, "spec");
  const json::object* old_status = ObjectAt(&cj, "status");

  // The Jobs this CronJob owns.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, job_type, ns, ""));
  auto listed = store_.List(list);
  if (!listed.ok()) return listed.status();
  std::vector<OwnedJob> jobs;
  for (const auto& kv : listed->kvs) {
    auto owner = workload::ControllerOf(kv.value);
    if (!owner || owner->first != "CronJob" || owner->second != name) continue;
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok()) continue;
    if (!OwnedBy(*decoded, uid)) continue;
    OwnedJob job;
    job.name = apiserver::MetaString(*decoded, "name");
    job.read.key = kv.key;
    job.read.revision = kv.mod_revision;
    job.read.holder = std::make_shared<json::object>(std::move(*decoded));
    job.read.object = job.read.holder.get();
    Finished(*job.read.object, job.finished);
    jobs.push_back(std::move(job));
  }

  std::vector<std::pair<std::string, std::string>> events;  // Normal (reason, message)
  std::string last_successful = StringAt(old_status, "lastSuccessfulTime");
  std::string last_schedule = StringAt(old_status, "lastScheduleTime");
  std::vector<std::string> was_active;
  if (const json::array* active = ArrayAt(old_status, "active")) {
    for (const auto& r : *active) was_active.push_back(StringAt(r.if_object(), "name"));
  }
  json::array active;
  std::vector<OwnedJob*> succeeded, failed;
  for (auto& job : jobs) {
    if (job.finished.empty()) {
      active.push_back(JobReference(*job.read.object));
      continue;
    }
    if (std::find(was_active.begin(), was_active.end(), job.name) != was_active.end()) {
      events.emplace_back("SawCompletedJob", "Saw completed job: " + job.name + ", status: " + job.finished);
    }
    if (job.finished == "Complete") {
      succeeded.push_back(&job);
      const std::string done = StringAt(ObjectAt(job.read.object, "status"), "completionTime");
      if (ParseTime(done).value_or(0) > ParseTime(last_successful).value_or(0)) last_successful = done;
    } else {
      failed.push_back(&job);
    }
  }

  // History limits: the oldest finished Jobs go first.
  auto prune = [&](std::vector<OwnedJob*>& finished, int64_t limit) -> Status {
    std::sort(finished.begin(), finished.end(), [](const OwnedJob* x, const OwnedJob* y) {
      const auto tx = ParseTime(StringAt(ObjectAt(x->read.object, "status"), "startTime")).value_or(0);
      const auto ty = ParseTime(StringAt(ObjectAt(y->read.object, "status"), "startTime")).value_or(0);
      return tx != ty ? tx < ty : x->name < y->name;
    });
    for (size_t i = 0; static_cast<int64_t>(finished.size() - i) > std::max<int64_t>(limit, 0); ++i) {
      if (Status st = DeleteObject(store_, finished[i]->read); !st.ok()) return st;
      events.emplace_back("SuccessfulDelete", "Deleted job " + finished[i]->name);
    }
    return {};
  };
  if (Status st = prune(succeeded, IntAt(spec, "successfulJobsHistoryLimit", 3)); !st.ok()) return st;
  if (Status st = prune(failed, IntAt(spec, "failedJobsHistoryLimit", 1)); !st.ok()) return st;

  // Scheduling.
  Status schedule_error;
  const std::string schedule_text = StringAt(spec, "schedule");
  const std::string zone_name = StringAt(spec, "timeZone");
  auto schedule = CronSchedule::Parse(schedule_text);
  auto zone = zone_name.empty() ? Result<TimeZone>(TimeZone::Utc()) : Zone(zone_name);
  if (!BoolAt(spec, "suspend") && !schedule.ok()) {
    schedule_error = RecordEvent(
        store_, cluster, cj, "Warning", "UnparseableSchedule",
        "unparseable schedule: \"" + schedule_text + "\" : " + schedule.status().message(), {kComponent, ""});
  } else if (!BoolAt(spec, "suspend") && !zone.ok()) {
    schedule_error = RecordEvent(
        store_, cluster, cj, "Warning", "UnknownTimeZone",
        "invalid timeZone: \"" + zone_name + "\": " + zone.status().message(), {kComponent, ""});
  } else if (!BoolAt(spec, "suspend")) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    const int64_t now = now_ms.count() / 1000;
    int64_t earliest = ParseTime(last_schedule).value_or(
        ParseTime(std::string(apiserver::MetaString(cj, "creationTimestamp"))).value_or(now));
    if (spec && spec->contains("startingDeadlineSeconds")) {
      earliest = std::max(earliest, now - IntAt(spec, "startingDeadlineSeconds", 0));
    }
    const std::optional<int64_t> scheduled = schedule->Previous(now, *zone);
    const std::string policy = StringAt(spec, "concurrencyPolicy");
    if (scheduled && *scheduled > earliest && !(policy == "Forbid" && !active.empty())) {
      const std::string job_name = name + "-" + std::to_string(*scheduled / 60);
      const bool exists = std::any_of(jobs.begin(), jobs.end(), [&](const OwnedJob& j) { return j.name == job_name; });
      if (!exists) {
        if (policy == "Replace") {
          for (auto& job : jobs) {
            if (!job.finished.empty()) continue;
            if (Status st = DeleteObject(store_, job.read); !st.ok()) return st;  // pods follow (GC)
            events.emplace_back("SuccessfulDelete", "Deleted job " + job.name);
          }
          active = json::array();
        }
        const std::string job_key = StoreKey(cluster, job_type, ns, job_name);
        Status st = CreateObject(store_, job_key, NewJob(cj, job_name, ns, Rfc3339In(*scheduled, *zone)));
        if (!st.ok() && st.code() != Code::kAlreadyExists) {
          (void)RecordEvent(store_, cluster, cj, "Warning", "FailedCreate",
                                      "Error creating job: " + st.message(), {kComponent, ""});
          return st;
        }
        auto created = GetObject(store_, job_key);
        if (!created.ok()) return created.status();
        if (*created && OwnedBy(*(*created)->object, uid)) {
          active.push_back(JobReference(*(*created)->object));
          if (st.ok()) events.emplace_back("SuccessfulCreate", "Created job " + job_name);
        }
      }
      last_schedule = TimeText(*scheduled);
    }
    if (auto next = schedule->Next(now, *zone)) {
      // Just after the next time, so that Previous() then finds it.
      requeue_after = std::chrono::milliseconds(*next * 1000 - now_ms.count() + 100);
    }
  }

  json::object status = old_status ? *old_status : json::object();
  if (active.empty()) {
    status.erase("active");
  } else {
    status["active"] = std::move(active);
  }
  if (!last_schedule.empty()) status["lastScheduleTime"] = last_schedule;
  if (!last_successful.empty()) status["lastSuccessfulTime"] = last_successful;
  if (old_status == nullptr || json::value(*old_status) != json::value(status)) {
    cj["status"] = std::move(status);
    Status st = UpdateObject(store_, read);
    if (!st.ok() && st.code() != Code::kConflict) return st;  // a newer version requeues itself
  }
  for (const auto& [reason, message] : events) {
    (void)RecordEvent(store_, cluster, cj, "Normal", reason, message, {kComponent, ""});
  }
  return schedule_error;
}

}  // namespace carrier::controllers
