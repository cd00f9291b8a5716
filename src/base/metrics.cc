#include "base/metrics.h"

#include <cmath>
#include <cstdio>

namespace carrier::metrics {

namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// {label="value"} with the exposition format's escapes, or "" without a label.
std::string Labels(const std::pair<std::string, std::string>& label, const std::string& extra = "") {
  std::string out;
  if (!label.first.empty()) {
    out += label.first + "=\"";
    for (char c : label.second) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? out : "{" + out + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, value) * 1e6)),
                        std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

Counter* Registry::CounterOf(const std::string& name, const std::string& help,
                             const std::string& label, const std::string& value) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = "counter";
    f.help = help;
  }
  auto& slot = f.counters[{label, value}];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Histogram* Registry::HistogramOf(const std::string& name, const std::string& help,
                                 const std::vector<double>& upper_bounds, const std::string& label,
                                 const std::string& value) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = "histogram";
    f.help = help;
  }
  auto& slot = f.histograms[{label, value}];
  if (!slot) slot = std::make_unique<Histogram>(upper_bounds);
  return slot.get();
}

void Registry::Gauge(const std::string& name, const std::string& help, std::function<double()> read,
                     const std::string& label, const std::string& value) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.type = "gauge";
  f.help = help;
  f.gauge = std::move(read);
  f.gauge_label = {label, value};
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    if (f.gauge) out += name + Labels(f.gauge_label) + " " + Number(f.gauge()) + "\n";
    for (const auto& [label, c] : f.counters) {
      out += name + Labels(label) + " " + std::to_string(c->value()) + "\n";
    }
    for (const auto& [label, h] : f.histograms) {
      Histogram::Snapshot s = h->Read();
      const auto& bounds = h->upper_bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        const double le = i < bounds.size() ? bounds[i] : INFINITY;
        out += name + "_bucket" + Labels(label, "le=\"" + Number(le) + "\"") + " " +
               std::to_string(s.cumulative[i]) + "\n";
      }
      out += name + "_sum" + Labels(label) + " " + Number(s.sum) + "\n";
      out += name + "_count" + Labels(label) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace carrier::metrics
