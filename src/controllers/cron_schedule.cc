#include "controllers/cron_schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace carrier::controllers {

namespace {

struct Bounds {
  unsigned min, max;
  const std::array<std::string_view, 12>* names;  // names[i] is the value min + i; may be null
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri",
                                                        "sat", "",    "",    "",    "",    ""};

Status Invalid(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

Result<unsigned> Value(std::string_view s, const Bounds& b) {
  if (b.names) {
    std::string lower(s);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (size_t i = 0; i < b.names->size(); ++i) {
      if (!(*b.names)[i].empty() && (*b.names)[i] == lower) return static_cast<unsigned>(b.min + i);
    }
  }
  if (s.empty() || s.size() > 9 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Invalid("failed to parse int from " + std::string(s));
  }
  return static_cast<unsigned>(std::stoul(std::string(s)));
}

// One comma-separated part: `*`, `?`, `a`, `a-b`, each optionally `/step`.
Status AddRange(std::string_view expr, const Bounds& b, uint64_t& bits, bool& star) {
  const auto range_and_step = Split(expr, '/');
  if (range_and_step.size() > 2) return Invalid("too many slashes: " + std::string(expr));
  const auto low_high = Split(range_and_step[0], '-');
  if (low_high.size() > 2) return Invalid("too many hyphens: " + std::string(expr));
  unsigned start, end, step = 1;
  bool all = false;
  if (low_high[0] == "*" || low_high[0] == "?") {
    if (low_high.size() > 1) return Invalid("too many hyphens: " + std::string(expr));
    start = b.min;
    end = b.max;
    all = true;
  } else {
    auto lo = Value(low_high[0], b);
    if (!lo.ok()) return lo.status();
    start = end = *lo;
    if (low_high.size() == 2) {
      auto hi = Value(low_high[1], b);
      if (!hi.ok()) return hi.status();
      end = *hi;
    }
  }
  if (range_and_step.size() == 2) {
    auto s = Value(range_and_step[1], Bounds{0, 0, nullptr});
    if (!s.ok()) return s.status();
    step = *s;
    if (low_high.size() == 1 && !all) end = b.max;  // "N/step" means N-max/step
    if (step > 1) all = false;
  }
  if (start < b.min) {
    return Invalid("beginning of range (" + std::to_string(start) + ") below minimum (" +
                   std::to_string(b.min) + "): " + std::string(expr));
  }
  if (end > b.max) {
    return Invalid("end of range (" + std::to_string(end) + ") above maximum (" +
                   std::to_string(b.max) + "): " + std::string(expr));
  }
  if (start > end) {
    return Invalid("beginning of range (" + std::to_string(start) + ") beyond end of range (" +
                   std::to_string(end) + "): " + std::string(expr));
  }
  if (step == 0) return Invalid("step of range should be a positive number: " + std::string(expr));
  for (unsigned v = start; v <= end; v += step) bits |= uint64_t{1} << v;
  star = star || all;
  return {};
}

Status ParseField(std::string_view field, const Bounds& b, uint64_t& bits, bool& star) {
  for (std::string_view part : Split(field, ',')) {
    if (Status st = AddRange(part, b, bits, star); !st.ok()) return st;
  }
  return {};
}

std::string_view Descriptor(std::string_view name) {
  if (name == "@yearly" || name == "@annually") return "0 0 1 1 *";
  if (name == "@monthly") return "0 0 1 * *";
  if (name == "@weekly") return "0 0 * * 0";
  if (name == "@daily" || name == "@midnight") return "0 0 * * *";
  if (name == "@hourly") return "0 * * * *";
  return {};
}

// Wall-clock offsets a zone may change by within a day: a wider search window than this is
// never needed (the largest jumps in the tz database are a day forward, which only skip).
constexpr int64_t kMaxShift = 6 * 3600;

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view spec) {
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.front()))) spec.remove_prefix(1);
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back()))) spec.remove_suffix(1);
  if (spec.empty()) return Invalid("empty spec string");
  if (spec.find("TZ") != std::string_view::npos) {
    return Invalid("cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
  }
  std::string_view fields_text = spec;
  if (spec.front() == '@') {
    fields_text = Descriptor(spec);
    if (fields_text.empty()) return Invalid("unrecognized descriptor: " + std::string(spec));
  }
  std::vector<std::string_view> fields;
  for (size_t i = 0; i < fields_text.size();) {
    if (std::isspace(static_cast<unsigned char>(fields_text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < fields_text.size() && !std::isspace(static_cast<unsigned char>(fields_text[j]))) ++j;
    fields.push_back(fields_text.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 5) {
    std::string list;
    for (auto f : fields) list += (list.empty() ? "" : " ") + std::string(f);
    return Invalid("expected exactly 5 fields, found " + std::to_string(fields.size()) + ": [" +
                   list + "]");
  }
  CronSchedule s;
  bool ignored = false;
  for (const auto& [field, bounds, bits, star] :
       {std::tuple{fields[0], Bounds{0, 59, nullptr}, &s.minutes_, &ignored},
        std::tuple{fields[1], Bounds{0, 23, nullptr}, &s.hours_, &ignored},
        std::tuple{fields[2], Bounds{1, 31, nullptr}, &s.days_, &s.days_star_},
        std::tuple{fields[3], Bounds{1, 12, &kMonthNames}, &s.months_, &ignored},
        std::tuple{fields[4], Bounds{0, 6, &kDayNames}, &s.weekdays_, &s.weekdays_star_}}) {
    if (Status st = ParseField(field, bounds, *bits, *star); !st.ok()) return st;
  }
  return s;
}

bool CronSchedule::DayMatches(const CivilTime& day) const {
  if (!(months_ >> day.month & 1)) return false;
  const bool dom = days_ >> day.day & 1, dow = weekdays_ >> day.weekday & 1;
  return days_star_ || weekdays_star_ ? dom && dow : dom || dow;
}

std::optional<int64_t> CronSchedule::Search(int64_t t, const TimeZone& zone, bool forward) const {
  const int64_t local = t + zone.OffsetAt(t);
  const int64_t first_day = local / 86400 - (local % 86400 < 0) + (forward ? -1 : 1);
  const int64_t step = forward ? 1 : -1;
  std::optional<int64_t> best;
  std::optional<int64_t> found_on;
  for (int64_t i = 0; i < 366 * 5 + 3; ++i) {
    const int64_t day = first_day + i * step;
    // Past the day after the first with a firing, nothing can come closer to t.
    if (found_on && (day - *found_on) * step > 1) break;
    const CivilTime civil = CivilFromSeconds(day * 86400);
    if (!DayMatches(civil)) continue;
    for (unsigned h = 0; h < 24; ++h) {
      if (!(hours_ >> h & 1)) continue;
      for (unsigned m = 0; m < 60; ++m) {
        if (!(minutes_ >> m & 1)) continue;
        const int64_t wall = day * 86400 + h * 3600 + m * 60;
        if (forward ? wall < local - kMaxShift : wall > local + kMaxShift) continue;
        // The instants whose wall time is `wall`: none in a gap, two in an overlap.
        for (int64_t probe : {wall - 86400, wall, wall + 86400}) {
          const int64_t u = wall - zone.OffsetAt(probe);
          if (u + zone.OffsetAt(u) != wall) continue;
          if (forward ? u <= t : u > t) continue;
          if (!best || (forward ? u < *best : u > *best)) {
            best = u;
            if (!found_on) found_on = day;
          }
        }
      }
    }
  }
  return best;
}

std::optional<int64_t> CronSchedule::Next(int64_t after, const TimeZone& zone) const {
  return Search(after, zone, /*forward=*/true);
}

std::optional<int64_t> CronSchedule::Previous(int64_t at, const TimeZone& zone) const {
  return Search(at, zone, /*forward=*/false);
}

}  // namespace carrier::controllers
