#include "controllers/leader_election.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// RFC 3339 with microseconds, as a Lease's MicroTime fields are written.
std::string MicroTimeNow() {
  const auto now = std::chrono::system_clock::now();
  std::string seconds = apiserver::Rfc3339(now);  // "...:SSZ"
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  return seconds.substr(0, seconds.size() - 1) + frac + "Z";
}

}  // namespace

LeaderElector::LeaderElector(storage::Store& store, LeaderElectionOptions options,
                             std::function<void()> started_leading,
                             std::function<void()> stopped_leading)
    : store_(store),
      options_(std::move(options)),
      started_leading_(std::move(started_leading)),
      stopped_leading_(std::move(stopped_leading)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() { thread_ = std::thread([this] { Run(); }); }

void LeaderElector::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::leading() const {
  std::lock_guard lock(mu_);
  return leading_;
}

void LeaderElector::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const bool holds = TryAcquireOrRenew();
    const auto now = Clock::now();
    if (holds) last_renewed_ = now;
    lock.lock();
    if (holds && !leading_) {
      leading_ = true;
      spdlog::info("leader election: {} leads {}/{}", options_.identity, options_.namespace_, options_.name);
      lock.unlock();
      started_leading_();
      lock.lock();
    } else if (!holds && leading_ && now - last_renewed_ > options_.renew_deadline) {
      leading_ = false;
      spdlog::warn("leader election: {} lost {}/{}", options_.identity, options_.namespace_, options_.name);
      lock.unlock();
      stopped_leading_();
      lock.lock();
    }
    wake_.wait_for(lock, options_.retry_period, [this] { return stopping_; });
  }
  if (leading_) {
    leading_ = false;
    lock.unlock();
    stopped_leading_();
    Release();
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  const std::string key = StoreKey(options_.cluster, BuiltInType("coordination.k8s.io", "leases"),
                                   options_.namespace_, options_.name);
  const auto now = Clock::now();
  const int64_t duration_seconds =
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count());
  auto got = GetObject(store_, key);
  if (!got.ok()) return false;
  if (!*got) {
    json::object lease{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", json::object{{"name", options_.name}, {"namespace", options_.namespace_}}},
        {"spec", json::object{{"holderIdentity", options_.identity},
                              {"leaseDurationSeconds", duration_seconds},
                              {"acquireTime", MicroTimeNow()},
                              {"renewTime", MicroTimeNow()},
                              {"leaseTransitions", 0}}}};
    return CreateObject(store_, key, std::move(lease)).ok();
  }
  StoredObject& read = **got;
  json::value& spec_value = (*read.object)["spec"];
  if (!spec_value.is_object()) spec_value = json::object();
  json::object& spec = spec_value.as_object();
  const std::string holder = StringAt(&spec, "holderIdentity");
  // The Lease as last seen: unchanged for lease_duration means its holder is gone.
  const std::string seen = json::serialize(spec);
  if (seen != observed_value_) {
    observed_value_ = seen;
    observed_at_ = now;
  }
  const bool mine = holder == options_.identity;
  if (!mine && !holder.empty() && now - observed_at_ < options_.lease_duration) return false;
  if (!mine) {
    spec["acquireTime"] = MicroTimeNow();
    spec["leaseTransitions"] = IntAt(&spec, "leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = duration_seconds;
  spec["renewTime"] = MicroTimeNow();
  if (!UpdateObject(store_, read).ok()) return false;
  observed_value_ = json::serialize(spec);
  observed_at_ = now;
  return true;
}

// Gives the Lease up (an empty holder), so another candidate takes it at its next try.
void LeaderElector::Release() {
  const std::string key = StoreKey(options_.cluster, BuiltInType("coordination.k8s.io", "leases"),
                                   options_.namespace_, options_.name);
  auto got = GetObject(store_, key);
  if (!got.ok() || !*got) return;
  json::value* spec = (*got)->object->if_contains("spec");
  if (spec == nullptr || !spec->is_object() ||
      StringAt(&spec->as_object(), "holderIdentity") != options_.identity) {
    return;
  }
  spec->as_object()["holderIdentity"] = "";
  spec->as_object()["leaseDurationSeconds"] = 1;
  if (!UpdateObject(store_, **got).ok()) spdlog::warn("leader election: releasing the lease failed");
}

}  // namespace carrier::controllers
