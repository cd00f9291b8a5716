#include "base/time_zone.h"

#include <gtest/gtest.h>

namespace carrier {
namespace {

int64_t At(int64_t y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

TimeZone MustLoad(const char* name) {
  auto zone = TimeZone::Load(name);
  EXPECT_TRUE(zone.ok()) << name << ": " << zone.status().message();
  return zone.ok() ? *zone : TimeZone::Utc();
}

TEST(CivilTimeTest, ConvertsBothWays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(At(2026, 3, 8, 7), 1772953200);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  CivilTime c = CivilFromSeconds(At(2026, 3, 8, 13, 45, 7));
  EXPECT_EQ(c.year, 2026);
  EXPECT_EQ(c.month, 3u);
  EXPECT_EQ(c.day, 8u);
  EXPECT_EQ(c.hour, 13u);
  EXPECT_EQ(c.minute, 45u);
  EXPECT_EQ(c.second, 7u);
  EXPECT_EQ(c.weekday, 0u);  // a Sunday
  EXPECT_EQ(CivilFromSeconds(-1).year, 1969);
  EXPECT_EQ(CivilFromSeconds(-1).weekday, 3u);  // 1969-12-31: Wednesday
  EXPECT_EQ(CivilFromSeconds(At(2024, 2, 29)).day, 29u);
}

TEST(TimeZoneTest, NewYorkSwitchesAtTwoInTheMorning) {
  TimeZone ny = MustLoad("America/New_York");
  EXPECT_EQ(ny.OffsetAt(At(2026, 3, 8, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(ny.OffsetAt(At(2026, 3, 8, 7)), -4 * 3600);  // 02:00 EST → 03:00 EDT
  EXPECT_EQ(ny.OffsetAt(At(2026, 11, 1, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(ny.OffsetAt(At(2026, 11, 1, 6)), -5 * 3600);  // 02:00 EDT → 01:00 EST
}

TEST(TimeZoneTest, BerlinKolkataAndSydney) {
  TimeZone berlin = MustLoad("Europe/Berlin");
  EXPECT_EQ(berlin.OffsetAt(At(2026, 3, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(berlin.OffsetAt(At(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(berlin.OffsetAt(At(2026, 10, 25, 1)), 3600);
  TimeZone kolkata = MustLoad("Asia/Kolkata");
  EXPECT_EQ(kolkata.OffsetAt(At(2026, 12, 1, 12)), 5 * 3600 + 1800);
  TimeZone sydney = MustLoad("Australia/Sydney");  // southern hemisphere: summer time in January
  EXPECT_EQ(sydney.OffsetAt(At(2026, 1, 15)), 11 * 3600);
  EXPECT_EQ(sydney.OffsetAt(At(2026, 7, 15)), 10 * 3600);
}

TEST(TimeZoneTest, BeyondTheTableTheFooterRuleApplies) {
  TimeZone ny = MustLoad("America/New_York");
  EXPECT_EQ(ny.OffsetAt(At(2100, 7, 1)), -4 * 3600);
  EXPECT_EQ(ny.OffsetAt(At(2100, 1, 1)), -5 * 3600);
  EXPECT_EQ(ny.OffsetAt(At(2100, 3, 14, 6, 59)), -5 * 3600);  // second Sunday of March 2100
  EXPECT_EQ(ny.OffsetAt(At(2100, 3, 14, 7)), -4 * 3600);
  TimeZone sydney = MustLoad("Australia/Sydney");
  EXPECT_EQ(sydney.OffsetAt(At(2100, 1, 1)), 11 * 3600);
  EXPECT_EQ(sydney.OffsetAt(At(2100, 6, 1)), 10 * 3600);
}

TEST(TimeZoneTest, UtcUnknownAndMalformedNames) {
  EXPECT_EQ(TimeZone::Utc().OffsetAt(At(2026, 6, 1)), 0);
  auto utc = TimeZone::Load("UTC", "/nonexistent");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->name(), "UTC");
  auto unknown = TimeZone::Load("Mars/Olympus_Mons");
  EXPECT_EQ(unknown.status().code(), Code::kNotFound);
  EXPECT_EQ(unknown.status().message(), "unknown time zone Mars/Olympus_Mons");
  for (const char* bad : {"../../etc/passwd", "", "/etc/passwd", "A/B/C/D", "America/New York",
                          "Verylongzonename/X"}) {
    EXPECT_EQ(TimeZone::Load(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(TimeZoneTest, TzifBytesAreCheckedNotTrusted) {
  EXPECT_FALSE(TimeZone::FromTzif("x", "").ok());
  EXPECT_FALSE(TimeZone::FromTzif("x", "TZif2").ok());
  std::string header = std::string("TZif2") + std::string(15, '\0');
  // Counts claiming more data than there is.
  std::string counts = std::string(12, '\0') + std::string("\0\0\0\x10\0\0\0\x01\0\0\0\x04", 12);
  EXPECT_FALSE(TimeZone::FromTzif("x", header + counts).ok());
  // A minimal version 1 file: no transitions, one type at +01:00.
  std::string v1 = std::string("TZif") + std::string(16, '\0') + std::string(12, '\0') +
                   std::string("\0\0\0\0\0\0\0\x01\0\0\0\x04", 12) +
                   std::string("\0\0\x0e\x10\0\0", 6) + std::string("ABC\0", 4);
  auto zone = TimeZone::FromTzif("x", v1);
  ASSERT_TRUE(zone.ok()) << zone.status().message();
  EXPECT_EQ(zone->OffsetAt(0), 3600);
}

}  // namespace
}  // namespace carrier
