#include "controllers/cron_schedule.h"

#include <gtest/gtest.h>

#include "controllers/cronjob_controller.h"

namespace carrier::controllers {
namespace {

int64_t At(int64_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

CronSchedule MustParse(const char* spec) {
  auto s = CronSchedule::Parse(spec);
  EXPECT_TRUE(s.ok()) << spec << ": " << s.status().message();
  return s.ok() ? *s : *CronSchedule::Parse("* * * * *");
}

TimeZone Zone(const char* name) {
  auto z = TimeZone::Load(name);
  EXPECT_TRUE(z.ok()) << name;
  return z.ok() ? *z : TimeZone::Utc();
}

TEST(CronScheduleTest, RejectsWhatKubernetesRejects) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty spec string"},
      {"* * * *", "expected exactly 5 fields, found 4: [* * * *]"},
      {"* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"},
      {"60 * * * *", "end of range (60) above maximum (59): 60"},
      {"* 0-24 * * *", "end of range (24) above maximum (23): 0-24"},
      {"* * 0 * *", "beginning of range (0) below minimum (1): 0"},
      {"* * * * 7", "end of range (7) above maximum (6): 7"},
      {"5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"},
      {"*/0 * * * *", "step of range should be a positive number: */0"},
      {"1-2-3 * * * *", "too many hyphens: 1-2-3"},
      {"1/2/3 * * * *", "too many slashes: 1/2/3"},
      {"x * * * *", "failed to parse int from x"},
      {"* * * FOO *", "failed to parse int from FOO"},
      {"@every 5m", "unrecognized descriptor: @every 5m"},
      {"CRON_TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
      {"TZ=Europe/Berlin 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
  };
  for (const auto& [spec, message] : cases) {
    auto s = CronSchedule::Parse(spec);
    ASSERT_FALSE(s.ok()) << spec;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(s.status().message(), message) << spec;
  }
}

TEST(CronScheduleTest, ListsRangesStepsAndNames) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(MustParse("*/15 * * * *").Next(At(2026, 12, 1, 12, 7), utc), At(2026, 12, 1, 12, 15));
  EXPECT_EQ(MustParse("5,10-12,50/5 * * * *").Next(At(2026, 12, 1, 12, 10), utc), At(2026, 12, 1, 12, 11));
  EXPECT_EQ(MustParse("5,10-12,50/5 * * * *").Next(At(2026, 12, 1, 12, 50), utc), At(2026, 12, 1, 12, 55));
  EXPECT_EQ(MustParse("5,10-12,50/5 * * * *").Next(At(2026, 12, 1, 12, 55), utc), At(2026, 12, 1, 13, 5));
  // 2026-12-05 is a Saturday.
  EXPECT_EQ(MustParse("0 9 * * mon-FRI").Next(At(2026, 12, 5), utc), At(2026, 12, 7, 9));
  EXPECT_EQ(MustParse("0 9 ? JAN-mar SUN").Next(At(2026, 12, 5), utc), At(2027, 1, 3, 9));
  EXPECT_EQ(MustParse("  0 0 1 1 *  ").Next(At(2026, 6, 1), utc), At(2027, 1, 1));
  // Both day fields restricted: either matches (2026-02-06 is a Friday); one `*`: both must.
  EXPECT_EQ(MustParse("0 0 13 * FRI").Next(At(2026, 2, 1), utc), At(2026, 2, 6));
  EXPECT_EQ(MustParse("0 0 13 * FRI").Next(At(2026, 2, 6), utc), At(2026, 2, 13));
  EXPECT_EQ(MustParse("0 0 13 * *").Next(At(2026, 2, 1), utc), At(2026, 2, 13));
  EXPECT_EQ(MustParse("0 0 */1 * MON").Next(At(2026, 2, 1), utc), At(2026, 2, 2));
  EXPECT_EQ(MustParse("0 0 29 2 *").Next(At(2026, 3, 1), utc), At(2028, 2, 29));
  EXPECT_FALSE(MustParse("0 0 30 2 *").Next(At(2026, 3, 1), utc).has_value());
}

TEST(CronScheduleTest, PredefinedSchedules) {
  const TimeZone utc = TimeZone::Utc();
  const int64_t t = At(2026, 12, 2, 10, 30);  // a Wednesday
  EXPECT_EQ(MustParse("@yearly").Next(t, utc), At(2027, 1, 1));
  EXPECT_EQ(MustParse("@annually").Next(t, utc), At(2027, 1, 1));
  EXPECT_EQ(MustParse("@monthly").Next(t, utc), At(2027, 1, 1));
  EXPECT_EQ(MustParse("@weekly").Next(t, utc), At(2026, 12, 6));
  EXPECT_EQ(MustParse("@daily").Next(t, utc), At(2026, 12, 3));
  EXPECT_EQ(MustParse("@midnight").Next(t, utc), At(2026, 12, 3));
  EXPECT_EQ(MustParse("@hourly").Next(t, utc), At(2026, 12, 2, 11));
  EXPECT_EQ(MustParse("@hourly").Next(At(2026, 12, 2, 11), utc), At(2026, 12, 2, 12));  // strictly after
}

TEST(CronScheduleTest, PreviousIsAtOrBefore) {
  const TimeZone utc = TimeZone::Utc();
  EXPECT_EQ(MustParse("*/15 * * * *").Previous(At(2026, 12, 1, 12, 7), utc), At(2026, 12, 1, 12));
  EXPECT_EQ(MustParse("*/15 * * * *").Previous(At(2026, 12, 1, 12, 15), utc), At(2026, 12, 1, 12, 15));
  EXPECT_EQ(MustParse("0 0 1 1 *").Previous(At(2026, 6, 1), utc), At(2026, 1, 1));
}

TEST(CronScheduleTest, TimeZonesAndDaylightSavingTime) {
  const TimeZone ny = Zone("America/New_York");
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day.
  const CronSchedule half_past_two = MustParse("30 2 * * *");
  EXPECT_EQ(half_past_two.Next(At(2026, 3, 7, 17), ny), At(2026, 3, 9, 6, 30));  // 02:30 EDT
  EXPECT_EQ(half_past_two.Previous(At(2026, 3, 8, 16), ny), At(2026, 3, 7, 7, 30));  // 02:30 EST
  EXPECT_EQ(MustParse("*/30 * * * *").Next(At(2026, 3, 8, 6, 45), ny), At(2026, 3, 8, 7));  // 03:00 EDT
  // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice and fires twice.
  const CronSchedule half_past_one = MustParse("30 1 * * *");
  EXPECT_EQ(half_past_one.Next(At(2026, 11, 1, 4), ny), At(2026, 11, 1, 5, 30));   // EDT
  EXPECT_EQ(half_past_one.Next(At(2026, 11, 1, 5, 30), ny), At(2026, 11, 1, 6, 30));  // EST
  EXPECT_EQ(half_past_one.Next(At(2026, 11, 1, 6, 30), ny), At(2026, 11, 2, 6, 30));
  EXPECT_EQ(half_past_one.Previous(At(2026, 11, 1, 6, 0), ny), At(2026, 11, 1, 5, 30));
  EXPECT_EQ(MustParse("0 9 * * *").Next(At(2026, 12, 1), Zone("Asia/Kolkata")), At(2026, 12, 1, 3, 30));
  EXPECT_EQ(MustParse("0 9 * * *").Next(At(2026, 7, 1), Zone("Europe/Berlin")), At(2026, 7, 1, 7));
}

TEST(CronScheduleTest, ScheduledTimestampsCarryTheZoneOffset) {
  EXPECT_EQ(Rfc3339In(At(2026, 3, 8, 7), Zone("America/New_York")), "2026-03-08T03:00:00-04:00");
  EXPECT_EQ(Rfc3339In(At(2026, 12, 1, 3, 30), Zone("Asia/Kolkata")), "2026-12-01T09:00:00+05:30");
  EXPECT_EQ(Rfc3339In(At(2026, 12, 1, 3, 30), TimeZone::Utc()), "2026-12-01T03:30:00Z");
}

}  // namespace
}  // namespace carrier::controllers
