#pragma once
// Process metrics in the Prometheus text exposition format (version 0.0.4), as Kubernetes
// components serve them on /metrics. Counters and histograms are lock-free to update; a
// family has one series per label value (e.g. one per controller), created on first use.
// Render() writes every registered family, sorted by name.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace carrier::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  // Cumulative counts per bucket (the last is +Inf), the sum and the count.
  struct Snapshot {
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (+Inf)
  std::atomic<uint64_t> sum_micros_{0};                // the sum, in millionths
};

// Kubernetes' workqueue duration buckets: 1e-8 s to 10 s, by factors of 10.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Registry {
 public:
  // The series of family `name` for label `label`=`value` (no label when `label` is empty);
  // the same pointer for the same arguments. `help` is taken from the first call.
  Counter* CounterOf(const std::string& name, const std::string& help, const std::string& label = "",
                     const std::string& value = "");
  Histogram* HistogramOf(const std::string& name, const std::string& help,
                         const std::vector<double>& upper_bounds, const std::string& label = "",
                         const std::string& value = "");
  // A gauge read when rendering (one series per family).
  void Gauge(const std::string& name, const std::string& help, std::function<double()> read,
             const std::string& label = "", const std::string& value = "");

  std::string Render() const;

 private:
  struct Family {
    std::string help;
    std::string type;  // counter, histogram, gauge
    std::map<std::pair<std::string, std::string>, std::unique_ptr<Counter>> counters;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<Histogram>> histograms;
    std::function<double()> gauge;
    std::pair<std::string, std::string> gauge_label;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace carrier::metrics
