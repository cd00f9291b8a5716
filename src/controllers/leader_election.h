#pragma once
// Leader election through a coordination.k8s.io/v1 Lease, as Kubernetes' controller managers
// do when several replicas share one etcd: the candidate that holds the Lease runs the
// controllers; it renews the Lease every `retry_period`; the others try to take it over once
// they have seen it unchanged for `lease_duration` (their own clock measures that, so clock
// skew between replicas does not matter). A leader that cannot renew within `renew_deadline`
// stops leading; on Stop() it releases the Lease so a successor need not wait.
// One thread per process, whatever the number of logical clusters.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "storage/store.h"

namespace carrier::controllers {

struct LeaderElectionOptions {
  std::string cluster = "root";
  std::string namespace_ = "kube-system";
  std::string name = "carrier-controller-manager";
  std::string identity;  // unique per candidate (host name and a random suffix)
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

class LeaderElector {
 public:
  // `started_leading` and `stopped_leading` run on the elector's thread.
  LeaderElector(storage::Store& store, LeaderElectionOptions options,
                std::function<void()> started_leading, std::function<void()> stopped_leading);
  ~LeaderElector();  // Stop()

  void Start();
  // Stops campaigning; a leader calls stopped_leading and releases the Lease.
  void Stop();
  bool leading() const;

 private:
  void Run();
  // One attempt to acquire or renew; true when this candidate holds the Lease afterwards.
  bool TryAcquireOrRenew();
  void Release();

  storage::Store& store_;
  const LeaderElectionOptions options_;
  const std::function<void()> started_leading_;
  const std::function<void()> stopped_leading_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool leading_ = false;
  std::thread thread_;

  // What this candidate last saw of the Lease, and when (its own clock).
  std::string observed_value_;
  std::chrono::steady_clock::time_point observed_at_;
  std::chrono::steady_clock::time_point last_renewed_;
};

}  // namespace carrier::controllers
