#include "apiserver/admission/quantity.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace carrier::apiserver::admission {

std::optional<long double> ParseQuantity(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  size_t digits = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
    ++i;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  std::string number(text.substr(0, i));
  std::string_view suffix = text.substr(i);
  long double multiplier = 1, divisor = 1;  // sub-units divide, so 100m is exactly 0.1
  if (suffix.empty()) {
  } else if (suffix == "m") {
    divisor = 1e3L;
  } else if (suffix == "u") {
    divisor = 1e6L;
  } else if (suffix == "n") {
    divisor = 1e9L;
  } else if (suffix == "k") {
    multiplier = 1e3L;
  } else if (suffix == "M") {
    multiplier = 1e6L;
  } else if (suffix == "G") {
    multiplier = 1e9L;
  } else if (suffix == "T") {
    multiplier = 1e12L;
  } else if (suffix == "P") {
    multiplier = 1e15L;
  } else if (suffix == "E") {
    multiplier = 1e18L;
  } else if (suffix == "Ki") {
    multiplier = 1024.0L;
  } else if (suffix == "Mi") {
    multiplier = 1024.0L * 1024;
  } else if (suffix == "Gi") {
    multiplier = 1024.0L * 1024 * 1024;
  } else if (suffix == "Ti") {
    multiplier = 1024.0L * 1024 * 1024 * 1024;
  } else if (suffix == "Pi") {
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024;
  } else if (suffix == "Ei") {
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    char* end = nullptr;
    std::string exp(suffix.substr(1));
    long e = std::strtol(exp.c_str(), &end, 10);
    if (exp.empty() || *end != '\0' || e > 30 || e < -30) return std::nullopt;
    if (e >= 0) {
      multiplier = std::pow(10.0L, static_cast<long double>(e));
    } else {
      divisor = std::pow(10.0L, static_cast<long double>(-e));
    }
  } else {
    return std::nullopt;
  }
  char* end = nullptr;
  long double v = std::strtold(number.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return v * multiplier / divisor;
}

std::string FormatQuantity(long double value) {
  char buf[64];
  const long double rounded = std::round(value);
  if (std::fabs(value - rounded) > 1e-9L) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(std::llround(value * 1000)));
    return buf;
  }
  const long long v = static_cast<long long>(rounded);
  const long long gi = 1024LL * 1024 * 1024, mi = 1024LL * 1024, ki = 1024;
  if (v != 0 && v % gi == 0) {
    std::snprintf(buf, sizeof buf, "%lldGi", v / gi);
  } else if (v != 0 && v % mi == 0) {
    std::snprintf(buf, sizeof buf, "%lldMi", v / mi);
  } else if (v >= ki * ki && v % ki == 0) {
    std::snprintf(buf, sizeof buf, "%lldKi", v / ki);
  } else {
    std::snprintf(buf, sizeof buf, "%lld", v);
  }
  return buf;
}

}  // namespace carrier::apiserver::admission
