#pragma once
// What bench/hosted learns from its watch on the HostedClusters: for hc-<i>, when an event
// first showed it with condition Available=True (steady clock, ns), and the last
// resourceVersion seen (to resume a watch that ended). Lines come from one stream's reader
// thread; the figures are read by others.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace carrier::bench::hosted {

class Availability {
 public:
  explicit Availability(int clusters) : available_ns_(clusters) {}

  // One watch event line (`{"type":…,"object":{HostedCluster}}`).
  void OnLine(std::string_view line);

  // 0 while hc-<i> has not been seen Available.
  int64_t AvailableAt(int i) const { return available_ns_[i].load(); }
  int available() const { return available_.load(); }
  int64_t events() const { return events_.load(); }
  std::string last_resource_version() const;
  // ERROR events and lines that did not parse, the first few.
  std::vector<std::string> oddities() const;

 private:
  void Note(std::string what);

  std::vector<std::atomic<int64_t>> available_ns_;
  std::atomic<int> available_{0};
  std::atomic<int64_t> events_{0};
  mutable std::mutex mu_;
  std::string last_rv_;
  std::vector<std::string> odd_;
};

}  // namespace carrier::bench::hosted
