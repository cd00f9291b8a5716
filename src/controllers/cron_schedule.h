#pragma once
// CronJob schedules as Kubernetes reads spec.schedule: the standard five fields (minute,
// hour, day of month, month, day of week) with lists, ranges, steps, `*`, `?` and the names
// JAN-DEC / SUN-SAT, or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly. A time zone in the schedule (CRON_TZ=/TZ=) is refused: Kubernetes wants
// spec.timeZone instead. As in standard cron, when neither day field is `*` a day matching
// either one matches.
//
// A schedule fires at every instant whose wall-clock time in the zone matches it, as
// Kubernetes' cron library computes it: a wall time the zone skips (the spring-forward gap)
// does not fire that day, one it repeats (the fall-back overlap) fires at both instants.

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"
#include "base/time_zone.h"

namespace carrier::controllers {

class CronSchedule {
 public:
  // kInvalidArgument with the reason (e.g. "end of range (70) above maximum (59): 0-70").
  static Result<CronSchedule> Parse(std::string_view spec);

  // The first firing strictly after `after` (Unix seconds); nullopt if none within 5 years.
  std::optional<int64_t> Next(int64_t after, const TimeZone& zone) const;
  // The last firing at or before `at`; nullopt if none within the 5 years before.
  std::optional<int64_t> Previous(int64_t at, const TimeZone& zone) const;

 private:
  bool DayMatches(const CivilTime& day) const;
  std::optional<int64_t> Search(int64_t t, const TimeZone& zone, bool forward) const;

  uint64_t minutes_ = 0, hours_ = 0, days_ = 0, months_ = 0, weekdays_ = 0;  // bit sets
  bool days_star_ = false, weekdays_star_ = false;
};

}  // namespace carrier::controllers
