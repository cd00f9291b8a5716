#pragma once
// The CronJob controller (batch/v1), following Kubernetes' CronJob controller: at each time
// spec.schedule names (cron_schedule.h) in spec.timeZone (UTC when unset) it creates a Job
// from spec.jobTemplate, named <cronjob>-<scheduled time in minutes since the epoch>, owned
// by the CronJob and annotated batch.kubernetes.io/cronjob-scheduled-timestamp, and looks
// again at the next scheduled time (requeue_after, no timers). Of the times missed since
// status.lastScheduleTime only the latest runs, and only if it is not more than
// spec.startingDeadlineSeconds late. concurrencyPolicy Allow runs Jobs side by side, Forbid
// skips a time while a Job is active, Replace deletes the active Jobs first; spec.suspend
// starts nothing. Finished Jobs beyond successfulJobsHistoryLimit (3) / failedJobsHistoryLimit
// (1) are deleted, oldest first. Status: active (references to the unfinished Jobs it owns),
// lastScheduleTime, lastSuccessfulTime.
//
// The API server has no validation hook for built-in types yet, so a CronJob with an
// unparseable schedule or an unknown time zone is stored; the controller reports it with a
// Warning event (UnparseableSchedule / UnknownTimeZone) as Kubernetes' controller does and
// schedules nothing until the CronJob changes. Keys: "<cluster>/<namespace>/<name>".

#include <map>
#include <mutex>

#include "base/time_zone.h"
#include "controllers/controller_manager.h"

namespace carrier::controllers {

class CronJobController : public Controller {
 public:
  explicit CronJobController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "cronjob"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  // Loaded zones are shared by every cluster (one copy per zone name).
  Result<TimeZone> Zone(const std::string& name);

  storage::Store& store_;
  std::mutex zones_mu_;
  std::map<std::string, TimeZone, std::less<>> zones_;
};

// RFC 3339 of `unix_seconds` in `zone` ("2026-03-08T03:00:00-04:00"; "Z" at offset 0).
std::string Rfc3339In(int64_t unix_seconds, const TimeZone& zone);

}  // namespace carrier::controllers
