#pragma once
// IANA time zones without the process-wide TZ (setenv/tzset are not thread-safe): a zone is
// read from its TZif file (RFC 8536) under /usr/share/zoneinfo (Debian's tzdata). The
// 64-bit transition table of version 2+ files is used, and instants after its last
// transition follow the POSIX TZ rule in the file's footer (e.g. "EST5EDT,M3.2.0,M11.1.0").
// A loaded zone is immutable and may be shared between threads.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier {

class TimeZone {
 public:
  // "UTC" needs no file. `name` must look like an IANA name (letters, digits, ".-_+",
  // at most three "/"-separated parts, no ".." part); kNotFound when no such zone exists,
  // kInvalidArgument when the name is malformed or the file is not TZif.
  static Result<TimeZone> Load(std::string_view name,
                               const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
  // Parses TZif bytes (exposed for tests).
  static Result<TimeZone> FromTzif(std::string_view name, std::string_view bytes);
  static TimeZone Utc();

  const std::string& name() const { return data_->name; }
  // Seconds east of UTC in effect at `unix_seconds`.
  int32_t OffsetAt(int64_t unix_seconds) const;

  struct Rule;  // the POSIX TZ footer (time_zone.cc)

 private:
  struct Data {
    std::string name;
    std::vector<int64_t> transitions;   // ascending instants
    std::vector<uint8_t> transition_type;
    std::vector<int32_t> type_offset;   // utoff of each local time type
    std::shared_ptr<const Rule> rule;   // may be null
  };
  explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

// Civil (wall-clock) time helpers, proleptic Gregorian, in seconds since 1970-01-01 00:00.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
struct CivilTime {
  int64_t year;
  unsigned month, day, hour, minute, second;
  unsigned weekday;  // 0 = Sunday
};
CivilTime CivilFromSeconds(int64_t seconds);

}  // namespace carrier
