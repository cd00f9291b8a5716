#include "storage/etcd/etcd_connection.h"

#include <fstream>
#include <sstream>
#include <thread>

namespace carrier::storage::etcd {
namespace {

// Above etcd's default 1.5 MiB request limit plus protocol overhead, so that the server,
// not the client, decides what is too large; responses (lists) may be much larger.
constexpr int kMaxSendBytes = 64 << 20;
constexpr int kMaxReceiveBytes = 512 << 20;

Result<std::string> ReadFile(const std::string& what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("etcd " + what + " " + path + " cannot be read");
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().empty()) return InvalidArgument("etcd " + what + " " + path + " is empty");
  return out.str();
}

struct ParsedEndpoint {
  std::string target;
  bool tls = false;
};

Result<ParsedEndpoint> ParseEndpoint(std::string_view endpoint) {
  ParsedEndpoint parsed;
  std::string_view rest = endpoint;
  if (rest.starts_with("https://")) {
    parsed.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.find("://") != std::string_view::npos) {
    return InvalidArgument("etcd endpoint \"" + std::string(endpoint) +
                           "\": only http:// and https:// are supported");
  }
  while (rest.ends_with('/')) rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find('/') != std::string_view::npos) {
    return InvalidArgument("etcd endpoint \"" + std::string(endpoint) +
                           "\" is not of the form host:port");
  }
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return InvalidArgument("etcd endpoint \"" + std::string(endpoint) + "\" has a bad port");
    }
  }
  parsed.target = std::string(rest);
  return parsed;
}

}  // namespace

Result<std::shared_ptr<Connection>> Connection::Open(const EtcdOptions& options) {
  if (options.endpoints.empty()) return InvalidArgument("etcd: no endpoints given");
  if (options.dial_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
    return InvalidArgument("etcd: dial and request timeouts must be positive");
  }
  std::vector<ParsedEndpoint> parsed;
  bool tls = !options.ca_file.empty() || !options.ca_pem.empty();
  for (const auto& e : options.endpoints) {
    auto p = ParseEndpoint(e);
    if (!p.ok()) return p.status();
    tls = tls || p->tls;
    parsed.push_back(*p);
  }
  for (const auto& e : options.endpoints) {
    if (e.starts_with("http://") && tls) {
      return InvalidArgument("etcd endpoint " + e + " is plain http but TLS is configured");
    }
  }
  const bool has_cert = !options.cert_file.empty() || !options.cert_pem.empty();
  const bool has_key = !options.key_file.empty() || !options.key_pem.empty();
  if (has_cert != has_key) {
    return InvalidArgument("etcd: a client certificate and its key must be given together");
  }
  if (!tls && has_cert) {
    return InvalidArgument("etcd: a client certificate needs TLS (a CA or https:// endpoints)");
  }

  // A PEM given as contents wins over the file naming it.
  auto pem = [](const std::string& what, const std::string& contents,
                const std::string& file) -> Result<std::string> {
    if (!contents.empty()) return contents;
    if (file.empty()) return std::string();
    return ReadFile(what, file);
  };
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::optional<TlsMaterial> tls_material;
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    auto ca = pem("ca_file", options.ca_pem, options.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = std::move(*ca);
    if (has_cert) {
      auto cert = pem("cert_file", options.cert_pem, options.cert_file);
      if (!cert.ok()) return cert.status();
      auto key = pem("key_file", options.key_pem, options.key_file);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = std::move(*cert);
      ssl.pem_private_key = std::move(*key);
    }
    tls_material = {ssl.pem_root_certs, ssl.pem_cert_chain, ssl.pem_private_key};
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }

  std::shared_ptr<Connection> connection(new Connection(options));
  connection->tls_ = std::move(tls_material);
  for (const auto& p : parsed) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(kMaxSendBytes);
    args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
    // Reconnect quickly after an etcd restart instead of gRPC's default backoff of up to 2 min.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Notice a dead peer on idle watch streams.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    // Each endpoint gets its own connection even when two Stores talk to the same etcd.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto endpoint = std::make_unique<Endpoint>();
    endpoint->target = p.target;
    endpoint->channel = grpc::CreateCustomChannel(p.target, credentials, args);
    endpoint->kv = etcdserverpb::KV::NewStub(endpoint->channel);
    endpoint->lease = etcdserverpb::Lease::NewStub(endpoint->channel);
    endpoint->watch = etcdserverpb::Watch::NewStub(endpoint->channel);
    connection->endpoints_.push_back(std::move(endpoint));
  }
  return connection;
}

Result<Endpoint*> Connection::Connected(const std::atomic<bool>* cancel) {
  const size_t n = endpoints_.size();
  const size_t first = current_.load();
  auto deadline = std::chrono::system_clock::now() + options_.dial_timeout;
  // Every channel starts connecting; the first one ready (in preference order) wins.
  for (;;) {
    for (size_t i = 0; i < n; ++i) {
      Endpoint* e = endpoints_[(first + i) % n].get();
      if (e->channel->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) {
        current_.store((first + i) % n);
        return e;
      }
    }
    auto now = std::chrono::system_clock::now();
    if (now >= deadline) break;
    if (cancel && cancel->load()) return Status(Code::kCancelled, "etcd: connecting cancelled");
    // Wait for a state change on the preferred channel, briefly, then look at all again.
    Endpoint* preferred = endpoints_[first % n].get();
    auto slice = std::min(deadline, now + std::chrono::milliseconds(n > 1 ? 20 : 100));
    preferred->channel->WaitForStateChange(preferred->channel->GetState(false), slice);
  }
  std::string names;
  for (const auto& e : endpoints_) names += (names.empty() ? "" : ", ") + e->target;
  return Unavailable("etcd: no endpoint reachable within " +
                     std::to_string(options_.dial_timeout.count()) + " ms (" + names + ")" +
                     WhyUnreachable(*endpoints_[first % n]));
}

std::string Connection::WhyUnreachable(Endpoint& endpoint) {
  if (tls_) {
    if (std::string why = ProbeTls(endpoint.target, *tls_); !why.empty()) return ": " + why;
  }
  // A call that does not wait for the channel fails with gRPC's account of the last attempt
  // to connect.
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  etcdserverpb::RangeRequest request;
  request.set_key("/");
  request.set_limit(1);
  etcdserverpb::RangeResponse response;
  grpc::Status status = endpoint.kv->Range(&context, request, &response);
  if (status.ok() || status.error_message().empty()) return "";
  return ": " + status.error_message();
}

void Connection::MarkFailed(const Endpoint* endpoint) {
  const size_t n = endpoints_.size();
  for (size_t i = 0; i < n; ++i) {
    if (endpoints_[i].get() == endpoint) {
      size_t expected = i;
      current_.compare_exchange_strong(expected, (i + 1) % n);
      return;
    }
  }
}

Status Connection::Call(bool idempotent, const CallFn& call) {
  const size_t attempts = idempotent ? endpoints_.size() : 1;
  Status last;
  for (size_t attempt = 0; attempt < attempts; ++attempt) {
    auto endpoint = Connected();
    if (!endpoint.ok()) return endpoint.status();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
    grpc::Status status = call(**endpoint, context);
    if (status.ok()) return Status::Ok();
    last = FromGrpc(status);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return last;
    MarkFailed(*endpoint);
  }
  return last;
}

Status FromGrpc(const grpc::Status& status) {
  const std::string& m = status.error_message();
  auto has = [&](std::string_view text) { return m.find(text) != std::string::npos; };
  std::string message = "etcd: " + m;
  if (has("required revision has been compacted")) return {Code::kGone, message};
  if (has("required revision is a future revision")) return {Code::kFutureRevision, message};
  if (has("requested lease not found")) return {Code::kNotFound, message};
  if (has("request is too large") || has("larger than max")) return {Code::kTooLarge, message};
  if (has("database space exceeded")) return {Code::kResourceExhausted, message};
  if (has("too many requests")) return {Code::kTooManyRequests, message};
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Status::Ok();
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return {Code::kUnavailable, message};
    case grpc::StatusCode::CANCELLED:
      return {Code::kCancelled, message};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return {Code::kInvalidArgument, message};
    case grpc::StatusCode::NOT_FOUND:
      return {Code::kNotFound, message};
    case grpc::StatusCode::PERMISSION_DENIED:
      return {Code::kForbidden, message};
    case grpc::StatusCode::UNAUTHENTICATED:
      return {Code::kUnauthorized, message};
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return {Code::kResourceExhausted, message};
    default:
      return {Code::kInternal, message};
  }
}

}  // namespace carrier::storage::etcd
