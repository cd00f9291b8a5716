#pragma once
// Internal to the etcd backend: one gRPC channel per endpoint, the failover rule between
// them, and the mapping of etcd's gRPC errors onto carrier::Status.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/etcd/etcd_store.h"
#include "storage/etcd/tls_probe.h"
#include "storage/etcd/proto/rpc.grpc.pb.h"

namespace carrier::storage::etcd {

struct Endpoint {
  std::string target;  // host:port
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
};

class Connection {
 public:
  static Result<std::shared_ptr<Connection>> Open(const EtcdOptions& options);

  using CallFn = std::function<grpc::Status(Endpoint&, grpc::ClientContext&)>;
  // Runs `call` on a connected endpoint with the request deadline. Endpoints that cannot
  // connect are skipped. When `idempotent`, a call failing with UNAVAILABLE is retried on
  // the next endpoint; a write is never retried, since it may have been applied.
  Status Call(bool idempotent, const CallFn& call);

  // A connected endpoint, preferring the last one that worked; waits up to the dial timeout
  // (or until *cancel becomes true).
  Result<Endpoint*> Connected(const std::atomic<bool>* cancel = nullptr);
  // Remembers that `endpoint` failed, so that the next request starts with another one.
  void MarkFailed(const Endpoint* endpoint);

  std::chrono::milliseconds request_timeout() const { return options_.request_timeout; }

 private:
  explicit Connection(EtcdOptions options) : options_(std::move(options)) {}
  // What gRPC last saw when connecting to `endpoint` (": <message>"), or "".
  std::string WhyUnreachable(Endpoint& endpoint);

  EtcdOptions options_;
  std::optional<TlsMaterial> tls_;  // with TLS: what the channels use, for ProbeTls
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::atomic<size_t> current_{0};
};

// Maps a gRPC status from etcd onto Carrier's error codes.
Status FromGrpc(const grpc::Status& status);

inline KeyValue FromProto(const mvccpb::KeyValue& kv) {
  return {kv.key(), kv.value(), kv.create_revision(), kv.mod_revision(), kv.version(), kv.lease()};
}

}  // namespace carrier::storage::etcd
