#include "bench_flags.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace carrier::bench {

namespace {

template <typename T>
bool ParseNumber(const std::string& text, T& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  if constexpr (std::is_floating_point_v<T>) {
    out = static_cast<T>(std::strtod(text.c_str(), &end));
  } else {
    out = static_cast<T>(std::strtoll(text.c_str(), &end, 10));
  }
  return end != nullptr && *end == '\0';
}

}  // namespace

std::vector<int> ParseIntList(const std::string& text) {
  std::vector<int> out;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    int value = 0;
    if (!ParseNumber(item, value)) return {};
    out.push_back(value);
  }
  return out;
}

BenchFlags& BenchFlags::Add(const std::string& name, std::string& target) {
  return Add(name, [&target](const std::string& v) { target = v; return true; });
}
BenchFlags& BenchFlags::Add(const std::string& name, int& target) {
  return Add(name, [&target](const std::string& v) { return ParseNumber(v, target); });
}
BenchFlags& BenchFlags::Add(const std::string& name, unsigned& target) {
  return Add(name, [&target](const std::string& v) { return ParseNumber(v, target); });
}
BenchFlags& BenchFlags::Add(const std::string& name, size_t& target) {
  return Add(name, [&target](const std::string& v) { return ParseNumber(v, target); });
}
BenchFlags& BenchFlags::Add(const std::string& name, double& target) {
  return Add(name, [&target](const std::string& v) { return ParseNumber(v, target); });
}
BenchFlags& BenchFlags::Add(const std::string& name, std::vector<int>& target) {
  return Add(name, [&target](const std::string& v) {
    target = ParseIntList(v);
    return !target.empty();
  });
}
BenchFlags& BenchFlags::Add(const std::string& name, std::function<bool(const std::string&)> apply) {
  flags_[name] = std::move(apply);
  return *this;
}

void BenchFlags::Parse(int argc, char** argv) const {
  for (int i = 1; i < argc; i += 2) {
    auto flag = flags_.find(argv[i]);
    if (flag == flags_.end() || i + 1 >= argc || !flag->second(argv[i + 1])) Usage();
  }
}

void BenchFlags::Require(bool ok) const {
  if (!ok) Usage();
}

void BenchFlags::Usage() const {
  std::fprintf(stderr, "%s", usage_.c_str());
  std::exit(2);
}

}  // namespace carrier::bench
