#include "storage/etcd/etcd_store.h"

#include "storage/etcd/etcd_connection.h"
#include "storage/etcd/etcd_watch_hub.h"

namespace carrier::storage {
namespace {

using etcd::Connection;
using etcd::Endpoint;
using etcd::FromGrpc;
using etcd::FromProto;

// A key that is only ever read (count_only) to learn the head revision.
const std::string kProbeKey(1, '\0');

etcdserverpb::Compare ToProto(const Compare& compare) {
  etcdserverpb::Compare out;
  out.set_key(compare.key);
  switch (compare.result) {
    case Compare::Result::kEqual:
      out.set_result(etcdserverpb::Compare::EQUAL);
      break;
    case Compare::Result::kNotEqual:
      out.set_result(etcdserverpb::Compare::NOT_EQUAL);
      break;
    case Compare::Result::kLess:
      out.set_result(etcdserverpb::Compare::LESS);
      break;
    case Compare::Result::kGreater:
      out.set_result(etcdserverpb::Compare::GREATER);
      break;
  }
  switch (compare.target) {
    case Compare::Target::kModRevision:
      out.set_target(etcdserverpb::Compare::MOD);
      out.set_mod_revision(compare.number);
      break;
    case Compare::Target::kVersion:
      out.set_target(etcdserverpb::Compare::VERSION);
      out.set_version(compare.number);
      break;
    case Compare::Target::kCreateRevision:
      out.set_target(etcdserverpb::Compare::CREATE);
      out.set_create_revision(compare.number);
      break;
    case Compare::Target::kValue:
      out.set_target(etcdserverpb::Compare::VALUE);
      out.set_value(compare.value);
      break;
  }
  return out;
}

etcdserverpb::RequestOp ToProto(const Op& op) {
  etcdserverpb::RequestOp out;
  switch (op.type) {
    case Op::Type::kGet:
      out.mutable_request_range()->set_key(op.key);
      break;
    case Op::Type::kPut: {
      auto* put = out.mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      put->set_lease(op.lease);
      put->set_prev_kv(true);
      break;
    }
    case Op::Type::kDelete: {
      auto* del = out.mutable_request_delete_range();
      del->set_key(op.key);
      del->set_prev_kv(true);
      break;
    }
  }
  return out;
}

Status CheckKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("key must not be empty");
  return Status::Ok();
}

class EtcdStore : public Store {
 public:
  explicit EtcdStore(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)), hub_(etcd::WatchHub::Create(connection_)) {}
  ~EtcdStore() override { hub_->Shutdown(); }

  Result<GetResult> Get(std::string_view key, Revision revision) override {
    CARRIER_RETURN_IF_ERROR(CheckKey(key));
    if (revision < 0) return InvalidArgument("revision must not be negative");
    etcdserverpb::RangeRequest request;
    request.set_key(std::string(key));
    request.set_revision(revision);
    etcdserverpb::RangeResponse response;
    CARRIER_RETURN_IF_ERROR(Range(request, response));
    GetResult result;
    if (response.kvs_size() > 0) result.kv = FromProto(response.kvs(0));
    result.revision = revision != 0 ? revision : response.header().revision();
    return result;
  }

  Result<ListResult> List(const ListOptions& options) override {
    if (options.revision < 0 || options.limit < 0) {
      return InvalidArgument("revision and limit must not be negative");
    }
    CARRIER_RETURN_IF_ERROR(CheckKey(options.range.begin));
    etcdserverpb::RangeRequest request;
    std::string begin = options.range.begin;
    if (!options.start_after.empty()) {
      // The smallest key after start_after.
      std::string after = options.start_after + '\0';
      if (options.range.end.empty()) {
        // A single-key range: nothing follows its own key.
        if (options.start_after >= begin) begin.clear();
      } else if (after > begin) {
        begin = std::move(after);
      }
    }
    ListResult result;
    if (begin.empty() || (!options.range.end.empty() && options.range.end != std::string(1, '\0') &&
                          begin >= options.range.end)) {
      // Nothing left in the range; still report the revision the answer holds at.
      auto head = options.revision != 0 ? Result<Revision>(options.revision) : CurrentRevision();
      if (!head.ok()) return head.status();
      result.revision = *head;
      return result;
    }
    request.set_key(begin);
    request.set_range_end(options.range.end);
    request.set_revision(options.revision);
    request.set_limit(options.limit);
    request.set_keys_only(options.keys_only);
    etcdserverpb::RangeResponse response;
    CARRIER_RETURN_IF_ERROR(Range(request, response));
    result.kvs.reserve(response.kvs_size());
    for (const auto& kv : response.kvs()) result.kvs.push_back(FromProto(kv));
    result.revision = options.revision != 0 ? options.revision : response.header().revision();
    result.more = response.more();
    result.remaining = std::max<int64_t>(0, response.count() - response.kvs_size());
    return result;
  }

  Result<TxnResult> Txn(const TxnRequest& txn) override {
    etcdserverpb::TxnRequest request;
    bool writes = false;
    for (const auto& c : txn.compares) {
      CARRIER_RETURN_IF_ERROR(CheckKey(c.key));
      *request.add_compare() = ToProto(c);
    }
    for (const auto& op : txn.success) {
      CARRIER_RETURN_IF_ERROR(CheckKey(op.key));
      writes = writes || op.type != Op::Type::kGet;
      *request.add_success() = ToProto(op);
    }
    for (const auto& op : txn.failure) {
      CARRIER_RETURN_IF_ERROR(CheckKey(op.key));
      writes = writes || op.type != Op::Type::kGet;
      *request.add_failure() = ToProto(op);
    }
    if (txn.compares.empty() && txn.success.size() == 1 && txn.success[0].type == Op::Type::kPut) {
      return PutOnly(txn.success[0]);
    }
    etcdserverpb::TxnResponse response;
    CARRIER_RETURN_IF_ERROR(connection_->Call(
        /*idempotent=*/!writes, [&](Endpoint& e, grpc::ClientContext& context) {
          return e.kv->Txn(&context, request, &response);
        }));
    TxnResult result;
    result.succeeded = response.succeeded();
    result.revision = response.header().revision();
    const auto& ops = result.succeeded ? txn.success : txn.failure;
    if (response.responses_size() != static_cast<int>(ops.size())) {
      return Internal("etcd answered a txn of " + std::to_string(ops.size()) + " ops with " +
                      std::to_string(response.responses_size()) + " results");
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      const auto& r = response.responses(static_cast<int>(i));
      const Op& op = ops[i];
      OpResult out;
      switch (op.type) {
        case Op::Type::kGet:
          if (r.response_range().kvs_size() > 0) out.kv = FromProto(r.response_range().kvs(0));
          break;
        case Op::Type::kPut: {
          KeyValue written{op.key, op.value, result.revision, result.revision, 1, op.lease};
          if (r.response_put().has_prev_kv()) {
            out.prev_kv = FromProto(r.response_put().prev_kv());
            written.create_revision = out.prev_kv->create_revision;
            written.version = out.prev_kv->version + 1;
          }
          out.kv = std::move(written);
          break;
        }
        case Op::Type::kDelete:
          if (r.response_delete_range().prev_kvs_size() > 0) {
            out.prev_kv = FromProto(r.response_delete_range().prev_kvs(0));
          }
          break;
      }
      result.results.push_back(std::move(out));
    }
    return result;
  }

  // An unconditional single put (Store::Put) is etcd's plain Put, cheaper than a Txn.
  Result<TxnResult> PutOnly(const Op& op) {
    etcdserverpb::PutRequest request;
    request.set_key(op.key);
    request.set_value(op.value);
    request.set_lease(op.lease);
    request.set_prev_kv(true);
    etcdserverpb::PutResponse response;
    CARRIER_RETURN_IF_ERROR(
        connection_->Call(false, [&](Endpoint& e, grpc::ClientContext& context) {
          return e.kv->Put(&context, request, &response);
        }));
    TxnResult result;
    result.succeeded = true;
    result.revision = response.header().revision();
    OpResult out;
    KeyValue written{op.key, op.value, result.revision, result.revision, 1, op.lease};
    if (response.has_prev_kv()) {
      out.prev_kv = FromProto(response.prev_kv());
      written.create_revision = out.prev_kv->create_revision;
      written.version = out.prev_kv->version + 1;
    }
    out.kv = std::move(written);
    result.results.push_back(std::move(out));
    return result;
  }

  Result<std::unique_ptr<Watch>> StartWatch(const WatchOptions& options,
                                            WatchCallback callback) override {
    CARRIER_RETURN_IF_ERROR(CheckKey(options.range.begin));
    if (options.start_revision < 0) return InvalidArgument("start revision must not be negative");
    if (!callback) return InvalidArgument("a watch needs a callback");
    Revision start = options.start_revision;
    if (start == 0) {
      // "From now on": fixed here, so a write acknowledged after StartWatch returns is seen.
      auto head = CurrentRevision();
      if (!head.ok()) return head.status();
      start = *head + 1;
    } else {
      // etcd accepts a start equal to its compacted revision; the contract says Gone.
      etcdserverpb::RangeRequest probe;
      probe.set_key(kProbeKey);
      probe.set_count_only(true);
      probe.set_revision(start > 1 ? start - 1 : 1);
      etcdserverpb::RangeResponse ignored;
      Status st = Range(probe, ignored);
      if (st.code() == Code::kGone) {
        auto compacted = CompactedRevision();
        if (!compacted.ok()) return compacted.status();
        return Status(Code::kGone, "watch start revision " + std::to_string(start) +
                                       " is compacted (store compacted to " +
                                       std::to_string(*compacted) + ")");
      }
      if (!st.ok() && st.code() != Code::kFutureRevision) return st;
    }
    return hub_->Start(options, start, std::move(callback));
  }

  Result<Revision> CurrentRevision() override {
    etcdserverpb::RangeRequest request;
    request.set_key(kProbeKey);
    request.set_count_only(true);
    etcdserverpb::RangeResponse response;
    CARRIER_RETURN_IF_ERROR(Range(request, response));
    return response.header().revision();
  }

  // etcd 3.4 has no call that reports its compacted revision; a read at revision r fails
  // exactly when r is below it, so search for the lowest readable revision.
  Result<Revision> CompactedRevision() override {
    auto head = CurrentRevision();
    if (!head.ok()) return head.status();
    Revision low = known_compacted_.load();  // readable (or 0)
    Revision high = *head;                   // readable
    auto readable = [&](Revision r) -> Result<bool> {
      etcdserverpb::RangeRequest probe;
      probe.set_key(kProbeKey);
      probe.set_count_only(true);
      probe.set_revision(r);
      etcdserverpb::RangeResponse ignored;
      Status st = Range(probe, ignored);
      if (st.ok()) return true;
      if (st.code() == Code::kGone) return false;
      return st;
    };
    if (low > 0) {
      auto ok = readable(low);
      if (!ok.ok()) return ok.status();
      if (!*ok) low = 0;
    }
    if (low == 0) {
      auto ok = readable(1);
      if (!ok.ok()) return ok.status();
      if (*ok) return Revision{0};
      low = 1;  // unreadable
    }
    // Invariant: `low` may be unreadable, `high` is readable; find the lowest readable.
    while (high - low > 1) {
      Revision mid = low + (high - low) / 2;
      auto ok = readable(mid);
      if (!ok.ok()) return ok.status();
      (*ok ? high : low) = mid;
    }
    Revision compacted = high;
    auto ok = readable(low);
    if (!ok.ok()) return ok.status();
    if (*ok) compacted = low;
    known_compacted_.store(compacted);
    return compacted;
  }

  Status Compact(Revision revision) override {
    if (revision <= 0) return InvalidArgument("compaction revision must be positive");
    etcdserverpb::CompactionRequest request;
    request.set_revision(revision);
    request.set_physical(true);
    etcdserverpb::CompactionResponse response;
    Status st = connection_->Call(true, [&](Endpoint& e, grpc::ClientContext& context) {
      return e.kv->Compact(&context, request, &response);
    });
    if (st.ok()) {
      Revision known = known_compacted_.load();
      while (known < revision && !known_compacted_.compare_exchange_weak(known, revision)) {
      }
    }
    return st;
  }

  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override {
    if (ttl.count() <= 0) return InvalidArgument("lease TTL must be positive");
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(ttl.count());
    etcdserverpb::LeaseGrantResponse response;
    CARRIER_RETURN_IF_ERROR(
        connection_->Call(false, [&](Endpoint& e, grpc::ClientContext& context) {
          return e.lease->LeaseGrant(&context, request, &response);
        }));
    if (!response.error().empty()) return Internal("etcd lease grant: " + response.error());
    return response.id();
  }

  Status KeepAlive(LeaseId lease) override {
    etcdserverpb::LeaseKeepAliveRequest request;
    request.set_id(lease);
    etcdserverpb::LeaseKeepAliveResponse response;
    bool answered = false;
    CARRIER_RETURN_IF_ERROR(connection_->Call(true, [&](Endpoint& e, grpc::ClientContext& context) {
      auto stream = e.lease->LeaseKeepAlive(&context);
      answered = stream->Write(request) && stream->Read(&response);
      stream->WritesDone();
      if (!answered) return stream->Finish();
      context.TryCancel();  // one round trip is all a keep-alive needs
      stream->Finish();
      return grpc::Status::OK;
    }));
    if (response.ttl() <= 0) {
      return NotFound("lease " + std::to_string(lease) + " not found (expired or revoked)");
    }
    return Status::Ok();
  }

  Status RevokeLease(LeaseId lease) override {
    etcdserverpb::LeaseRevokeRequest request;
    request.set_id(lease);
    etcdserverpb::LeaseRevokeResponse response;
    return connection_->Call(false, [&](Endpoint& e, grpc::ClientContext& context) {
      return e.lease->LeaseRevoke(&context, request, &response);
    });
  }

 private:
  Status Range(const etcdserverpb::RangeRequest& request, etcdserverpb::RangeResponse& response) {
    return connection_->Call(true, [&](Endpoint& e, grpc::ClientContext& context) {
      return e.kv->Range(&context, request, &response);
    });
  }

  std::shared_ptr<Connection> connection_;
  std::shared_ptr<etcd::WatchHub> hub_;
  std::atomic<Revision> known_compacted_{0};  // a readable revision at or below the compaction
};

}  // namespace

Result<std::unique_ptr<Store>> OpenEtcdStore(const EtcdOptions& options) {
  auto connection = Connection::Open(options);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<Store>(std::make_unique<EtcdStore>(std::move(*connection)));
}

}  // namespace carrier::storage
