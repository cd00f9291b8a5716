#include "apiserver/event_ttl_store.h"

#include <algorithm>
#include <mutex>

namespace carrier::apiserver {

namespace {

using Clock = std::chrono::steady_clock;
// A lease is shared for at most a minute (and 5% of the TTL) and 1,000 writes.
constexpr std::chrono::seconds kMaxLeaseReuse{60};
constexpr int kMaxWritesPerLease = 1000;

class EventTtlStore : public storage::Store {
 public:
  EventTtlStore(storage::Store& backend, std::chrono::seconds ttl)
      : backend_(backend), ttl_(ttl), reuse_(std::min(kMaxLeaseReuse, ttl / 20)) {}

  Result<storage::GetResult> Get(std::string_view key, storage::Revision revision) override {
    return backend_.Get(key, revision);
  }
  Result<storage::ListResult> List(const storage::ListOptions& options) override {
    return backend_.List(options);
  }

  Result<storage::TxnResult> Txn(const storage::TxnRequest& request) override {
    if (!WritesEvents(request.success) && !WritesEvents(request.failure)) {
      return backend_.Txn(request);
    }
    auto lease = CurrentLease();
    if (!lease.ok()) return lease.status();
    storage::TxnRequest leased = request;
    AttachLease(leased.success, *lease);
    AttachLease(leased.failure, *lease);
    auto result = backend_.Txn(leased);
    if (!result.ok() && result.status().code() == Code::kNotFound) {
      // The shared lease ended early (revoked, or the store restarted): a new one, once.
      ForgetLease(*lease);
      lease = CurrentLease();
      if (!lease.ok()) return lease.status();
      leased = request;
      AttachLease(leased.success, *lease);
      AttachLease(leased.failure, *lease);
      result = backend_.Txn(leased);
    }
    return result;
  }

  Result<std::unique_ptr<storage::Watch>> StartWatch(const storage::WatchOptions& options,
                                                     storage::WatchCallback callback) override {
    return backend_.StartWatch(options, std::move(callback));
  }
  Result<storage::Revision> CurrentRevision() override { return backend_.CurrentRevision(); }
  Result<storage::Revision> CompactedRevision() override { return backend_.CompactedRevision(); }
  Status Compact(storage::Revision revision) override { return backend_.Compact(revision); }
  Result<storage::LeaseId> GrantLease(std::chrono::seconds ttl) override {
    return backend_.GrantLease(ttl);
  }
  Status KeepAlive(storage::LeaseId lease) override { return backend_.KeepAlive(lease); }
  Status RevokeLease(storage::LeaseId lease) override { return backend_.RevokeLease(lease); }

 private:
  static bool WritesEvents(const std::vector<storage::Op>& ops) {
    for (const auto& op : ops) {
      if (op.type == storage::Op::Type::kPut && op.lease == 0 && IsEventKey(op.key)) return true;
    }
    return false;
  }
  static void AttachLease(std::vector<storage::Op>& ops, storage::LeaseId lease) {
    for (auto& op : ops) {
      if (op.type == storage::Op::Type::kPut && op.lease == 0 && IsEventKey(op.key)) op.lease = lease;
    }
  }

  Result<storage::LeaseId> CurrentLease() {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    if (lease_ != 0 && now - granted_ < reuse_ && writes_ < kMaxWritesPerLease) {
      ++writes_;
      return lease_;
    }
    auto lease = backend_.GrantLease(ttl_ + reuse_);
    if (!lease.ok()) return lease.status();
    lease_ = *lease;
    granted_ = now;
    writes_ = 1;
    return lease_;
  }
  void ForgetLease(storage::LeaseId lease) {
    std::lock_guard lock(mu_);
    if (lease_ == lease) lease_ = 0;
  }

  storage::Store& backend_;
  const std::chrono::seconds ttl_;
  const std::chrono::seconds reuse_;
  std::mutex mu_;
  storage::LeaseId lease_ = 0;
  Clock::time_point granted_;
  int writes_ = 0;
};

}  // namespace

bool IsEventKey(std::string_view key) {
  // /<cluster>/<group>/events/...
  if (key.size() < 2 || key[0] != '/' || key[1] == '_') return false;
  const size_t group_start = key.find('/', 1);
  if (group_start == std::string_view::npos) return false;
  const size_t resource_start = key.find('/', group_start + 1);
  if (resource_start == std::string_view::npos) return false;
  const std::string_view group = key.substr(group_start + 1, resource_start - group_start - 1);
  if (group != "core" && group != "events.k8s.io") return false;
  return key.substr(resource_start + 1, 7) == "events/";
}

std::unique_ptr<storage::Store> WithEventTtl(storage::Store& backend, std::chrono::seconds ttl) {
  return std::make_unique<EventTtlStore>(backend, ttl);
}

}  // namespace carrier::apiserver
