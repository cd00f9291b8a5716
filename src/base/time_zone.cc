#include "base/time_zone.h"

#include <algorithm>

#include "base/files.h"

namespace carrier {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// An IANA-looking name (the shape Kubernetes accepts for spec.timeZone); it also keeps the
// file lookup inside the zoneinfo directory.
bool ValidZoneName(std::string_view name) {
  size_t parts = 0;
  while (true) {
    const size_t slash = name.find('/');
    std::string_view part = name.substr(0, slash);
    if (part.empty() || part.size() > 14 || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_' || c == '+';
      if (!ok) return false;
    }
    if (++parts > 3) return false;
    if (slash == std::string_view::npos) return true;
    name.remove_prefix(slash + 1);
  }
}

// A bounds-checked big-endian reader.
struct Reader {
  std::string_view bytes;
  size_t pos = 0;
  bool ok = true;
  uint64_t Read(size_t n) {
    if (!ok || pos > bytes.size() || bytes.size() - pos < n) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[pos + i]);
    pos += n;
    return v;
  }
  void Skip(uint64_t n) {
    if (!ok || pos > bytes.size() || n > bytes.size() - pos) {
      ok = false;
      return;
    }
    pos += n;
  }
};

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Days of a March-based year (so the leap day is last), then eras of 400 years.
  const int64_t y = year - (month <= 2);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = month > 2 ? month - 3 : month + 9;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromSeconds(int64_t seconds) {
  const int64_t days = FloorDiv(seconds, 86400);
  const int64_t secs = seconds - days * 86400;
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  c.hour = static_cast<unsigned>(secs / 3600);
  c.minute = static_cast<unsigned>(secs / 60 % 60);
  c.second = static_cast<unsigned>(secs % 60);
  c.weekday = static_cast<unsigned>(days - FloorDiv(days + 4, 7) * 7 + 4) % 7;  // 1970-01-01: Thu
  return c;
}

// The POSIX TZ string of the TZif footer: std offset [dst [offset] ,start[/time],end[/time]].
// Offsets are seconds east of UTC (POSIX writes them west-positive).
struct TimeZone::Rule {
  struct Date {
    char kind = 'M';  // 'J': Julian day 1..365 (no Feb 29); 'N': zero-based day; 'M': m.w.d
    int64_t n = 0;
    unsigned month = 0, week = 0, weekday = 0;
    int64_t time = 7200;  // local seconds after midnight (default 02:00)
  };
  int32_t std_offset = 0;
  bool has_dst = false;
  int32_t dst_offset = 0;
  Date start, end;

  // The instant of `date` in `year` when the local offset in effect is `offset`.
  static int64_t Instant(const Date& date, int64_t year, int32_t offset) {
    int64_t day = DaysFromCivil(year, 1, 1);
    if (date.kind == 'J') {
      day += date.n - 1 + (IsLeap(year) && date.n >= 60 ? 1 : 0);
    } else if (date.kind == 'N') {
      day += date.n;
    } else {
      const int64_t first = DaysFromCivil(year, date.month, 1);
      const unsigned first_weekday = CivilFromSeconds(first * 86400).weekday;
      int64_t dom = 1 + (date.weekday + 7 - first_weekday) % 7 + 7 * (date.week - 1);
      while (dom > DaysInMonth(year, date.month)) dom -= 7;  // week 5: the last one
      day = first + dom - 1;
    }
    return day * 86400 + date.time - offset;
  }

  int32_t OffsetAt(int64_t t) const {
    if (!has_dst) return std_offset;
    const int64_t year = CivilFromSeconds(t + std_offset).year;
    const int64_t begin = Instant(start, year, std_offset);
    const int64_t finish = Instant(end, year, dst_offset);
    const bool dst = begin < finish ? (begin <= t && t < finish) : !(finish <= t && t < begin);
    return dst ? dst_offset : std_offset;
  }
};

namespace {

class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}

  bool Parse(TimeZone::Rule& rule) {
    int64_t offset = 0;
    if (!Name() || !Time(offset, /*max_hours=*/24)) return false;
    rule.std_offset = static_cast<int32_t>(-offset);
    if (AtEnd()) return true;
    if (!Name()) return false;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (!AtEnd() && s_[i_] != ',') {
      if (!Time(offset, 24)) return false;
      rule.dst_offset = static_cast<int32_t>(-offset);
    }
    if (AtEnd()) {  // no rule: the US rules POSIX implies
      rule.start = {'M', 0, 3, 2, 0, 7200};
      rule.end = {'M', 0, 11, 1, 0, 7200};
      return true;
    }
    return Eat(',') && Date(rule.start) && Eat(',') && Date(rule.end) && AtEnd();
  }

 private:
  bool AtEnd() const { return i_ >= s_.size(); }
  bool Eat(char c) {
    if (AtEnd() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  bool Name() {
    if (Eat('<')) {
      const size_t close = s_.find('>', i_);
      if (close == std::string_view::npos) return false;
      i_ = close + 1;
      return true;
    }
    const size_t begin = i_;
    while (!AtEnd() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    return i_ - begin >= 3;
  }
  bool Number(int64_t& v, int64_t max) {
    const size_t begin = i_;
    v = 0;
    while (!AtEnd() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - begin < 4) v = v * 10 + (s_[i_++] - '0');
    return i_ > begin && v <= max;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  bool Time(int64_t& seconds, int64_t max_hours) {
    int64_t sign = 1, h = 0, m = 0, sec = 0;
    if (Eat('-')) sign = -1;
    else Eat('+');
    if (!Number(h, max_hours)) return false;
    if (Eat(':') && (!Number(m, 59) || (Eat(':') && !Number(sec, 59)))) return false;
    seconds = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
  bool Date(TimeZone::Rule::Date& d) {
    int64_t v = 0;
    if (Eat('M')) {
      int64_t week = 0, weekday = 0;
      if (!Number(v, 12) || v < 1 || !Eat('.') || !Number(week, 5) || week < 1 || !Eat('.') ||
          !Number(weekday, 6)) {
        return false;
      }
      d.kind = 'M';
      d.month = static_cast<unsigned>(v);
      d.week = static_cast<unsigned>(week);
      d.weekday = static_cast<unsigned>(weekday);
    } else if (Eat('J')) {
      if (!Number(v, 365) || v < 1) return false;
      d.kind = 'J';
      d.n = v;
    } else {
      if (!Number(v, 365)) return false;
      d.kind = 'N';
      d.n = v;
    }
    d.time = 7200;
    if (Eat('/')) return Time(d.time, 167);  // RFC 8536 allows -167..167 hours
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<TimeZone> TimeZone::FromTzif(std::string_view name, std::string_view bytes) {
  const Status bad(Code::kInvalidArgument, "time zone " + std::string(name) + ": not a TZif file");
  Reader r{bytes};
  // The version byte ('\0' for version 1, then '2', '3', ...), -1 when not a header.
  auto header = [&](uint64_t counts[6]) {
    if (bytes.size() - r.pos < 5 || bytes.substr(r.pos, 4) != "TZif") return -1;
    const int version = bytes[r.pos + 4];
    r.Skip(20);
    for (int i = 0; i < 6; ++i) counts[i] = r.Read(4);
    return r.ok ? version : -1;
  };
  // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  uint64_t c[6];
  const int version = header(c);
  if (version < 0) return bad;
  size_t time_size = 4;
  if (version >= '2') {  // skip the 32-bit block for the 64-bit one
    r.Skip(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (!r.ok || header(c) < 0) return bad;
    time_size = 8;
  }
  const uint64_t timecnt = c[3], typecnt = c[4];
  if (typecnt == 0 || typecnt > 256 || timecnt > bytes.size()) return bad;
  auto data = std::make_shared<Data>();
  data->name = std::string(name);
  for (uint64_t i = 0; i < timecnt; ++i) {
    const uint64_t raw = r.Read(time_size);
    data->transitions.push_back(time_size == 8 ? static_cast<int64_t>(raw)
                                               : static_cast<int32_t>(static_cast<uint32_t>(raw)));
  }
  for (uint64_t i = 0; i < timecnt; ++i) {
    const uint64_t type = r.Read(1);
    if (type >= typecnt) return bad;
    data->transition_type.push_back(static_cast<uint8_t>(type));
  }
  for (uint64_t i = 0; i < typecnt; ++i) {
    data->type_offset.push_back(static_cast<int32_t>(static_cast<uint32_t>(r.Read(4))));
    r.Skip(2);  // isdst, desigidx
  }
  r.Skip(c[5] + c[2] * (time_size + 4) + c[1] + c[0]);
  if (!r.ok || !std::is_sorted(data->transitions.begin(), data->transitions.end())) return bad;
  if (time_size == 8 && r.pos < bytes.size() && bytes[r.pos] == '\n') {
    const size_t end = bytes.find('\n', r.pos + 1);
    if (end == std::string_view::npos) return bad;
    const std::string_view footer = bytes.substr(r.pos + 1, end - r.pos - 1);
    if (!footer.empty()) {
      auto rule = std::make_shared<Rule>();
      if (!RuleParser(footer).Parse(*rule)) return bad;
      data->rule = std::move(rule);
    }
  }
  return TimeZone(std::move(data));
}

Result<TimeZone> TimeZone::Load(std::string_view name, const std::string& zoneinfo_dir) {
  if (name == "UTC") return Utc();
  if (!ValidZoneName(name)) {
    return Status(Code::kInvalidArgument, "unknown time zone " + std::string(name));
  }
  auto bytes = ReadFile(zoneinfo_dir + "/" + std::string(name));
  if (!bytes.ok()) return Status(Code::kNotFound, "unknown time zone " + std::string(name));
  return FromTzif(name, *bytes);
}

TimeZone TimeZone::Utc() {
  static const auto utc = [] {
    auto d = std::make_shared<Data>();
    d->name = "UTC";
    d->type_offset = {0};
    return d;
  }();
  return TimeZone(utc);
}

int32_t TimeZone::OffsetAt(int64_t t) const {
  const Data& d = *data_;
  if (d.transitions.empty() || t < d.transitions.front()) {
    if (d.transitions.empty() && d.rule) return d.rule->OffsetAt(t);
    return d.type_offset[0];
  }
  if (t >= d.transitions.back() && d.rule) return d.rule->OffsetAt(t);
  const auto it = std::upper_bound(d.transitions.begin(), d.transitions.end(), t);
  return d.type_offset[d.transition_type[static_cast<size_t>(it - d.transitions.begin()) - 1]];
}

}  // namespace carrier
