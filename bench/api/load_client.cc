#include "load_client.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace carrier::bench::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kMaxErrorSamples = 5;
constexpr int64_t kMaxErrors = 1000;  // a load stops early once this many requests failed
constexpr std::chrono::seconds kRequestTimeout{20};

std::string Describe(const HttpRequest& request, const HttpResult& result) {
  std::string body = result.body.size() > 600 ? result.body.substr(0, 600) + "…" : result.body;
  std::string sent =
      request.body.size() > 200 ? request.body.substr(0, 200) + "…" : request.body;
  return request.method + " " + request.target + (sent.empty() ? "" : " " + sent) + " -> " +
         std::to_string(result.status) + ": " + body;
}

class LoadClient::Impl {
 public:
  Impl(Endpoint endpoint, int threads)
      : endpoint_(std::move(endpoint)),
        tls_(ssl::context::tls_client),
        work_(asio::make_work_guard(io_)) {
    tls_.set_verify_mode(ssl::verify_peer);
    tls_.add_certificate_authority(asio::buffer(endpoint_.ca_pem));
    tls_.use_certificate_chain(asio::buffer(endpoint_.cert_pem));
    tls_.use_private_key(asio::buffer(endpoint_.key_pem), ssl::context::pem);
    static const unsigned char kAlpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(tls_.native_handle(), kAlpn, sizeof(kAlpn) - 1);
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~Impl() {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  Strand NewStrand() { return asio::make_strand(io_); }

  // A connected, handshaken stream on `strand`.
  asio::awaitable<std::unique_ptr<Stream>> Open(Strand strand) {
    auto stream = std::make_unique<Stream>(strand, tls_);
    if (!SSL_set_tlsext_host_name(stream->native_handle(), endpoint_.host.c_str())) {
      throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                  asio::error::get_ssl_category()));
    }
    stream->set_verify_callback(ssl::host_name_verification(endpoint_.host));
    tcp::endpoint ep(asio::ip::make_address(endpoint_.host), endpoint_.port);
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(20));
    co_await beast::get_lowest_layer(*stream).async_connect(ep, asio::use_awaitable);
    beast::get_lowest_layer(*stream).socket().set_option(tcp::no_delay(true));
    co_await stream->async_handshake(ssl::stream_base::client, asio::use_awaitable);
    beast::get_lowest_layer(*stream).expires_never();
    co_return stream;
  }

  bhttp::request<bhttp::string_body> Build(const HttpRequest& r) const {
    bhttp::request<bhttp::string_body> req;
    req.method_string(r.method);
    req.target(r.target);
    req.version(11);
    req.set(bhttp::field::host, endpoint_.host + ":" + std::to_string(endpoint_.port));
    req.set(bhttp::field::accept, "application/json");
    req.set(bhttp::field::user_agent, "carrier-bench-api");
    if (!r.body.empty()) req.set(bhttp::field::content_type, "application/json");
    req.body() = r.body;
    req.prepare_payload();
    return req;
  }

  Endpoint endpoint_;
  ssl::context tls_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// One keep-alive connection and its read buffer, used by one coroutine at a time.
class Connection::Impl {
 public:
  explicit Impl(LoadClient::Impl& client) : client_(client), strand_(client.NewStrand()) {}

  // Sends `request` and reads the whole answer; reconnects once when a kept-alive connection
  // turns out to be closed. Throws on network errors.
  asio::awaitable<HttpResult> Exchange(const HttpRequest& request) {
    for (int attempt = 0;; ++attempt) {
      bool fresh = !stream_;
      if (fresh) {
        stream_ = co_await client_.Open(strand_);
        buffer_.clear();
      }
      auto req = client_.Build(request);
      // A server that stops answering fails the request instead of hanging the benchmark.
      beast::get_lowest_layer(*stream_).expires_after(kRequestTimeout);
      auto [wec, wn] = co_await bhttp::async_write(*stream_, req, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(boost::none);
      beast::error_code rec = wec;
      if (!wec) {
        auto [ec, n] = co_await bhttp::async_read(*stream_, buffer_, parser,
                                                  asio::as_tuple(asio::use_awaitable));
        (void)n;
        rec = ec;
      }
      if (rec) {
        stream_.reset();
        if (!fresh && attempt == 0) continue;
        throw beast::system_error(rec);
      }
      auto res = parser.release();
      HttpResult out;
      out.status = res.result_int();
      out.body = std::move(res.body());
      beast::get_lowest_layer(*stream_).expires_never();
      if (!res.keep_alive()) stream_.reset();
      co_return out;
    }
  }

  void Reset() { stream_.reset(); }
  Strand strand() const { return strand_; }

 private:
  LoadClient::Impl& client_;
  Strand strand_;
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
};

Connection::Connection(LoadClient& client) : impl_(std::make_shared<Impl>(client.impl())) {}
Connection::~Connection() = default;

Result<HttpResult> Connection::Do(const HttpRequest& request) {
  auto impl = impl_;
  auto future = asio::co_spawn(
      impl->strand(),
      [impl, request]() -> asio::awaitable<HttpResult> { co_return co_await impl->Exchange(request); },
      asio::use_future);
  try {
    return future.get();
  } catch (const std::exception& e) {
    impl_->Reset();
    return Unavailable(request.method + " " + request.target + ": " + e.what());
  }
}

LoadClient::LoadClient(Endpoint endpoint, int threads)
    : impl_(std::make_unique<Impl>(std::move(endpoint), threads)) {}
LoadClient::~LoadClient() = default;

namespace {

struct RunShared {
  const std::function<HttpRequest(int64_t)>* make = nullptr;
  int expect = 200;
  Clock::time_point deadline = Clock::time_point::max();
  int64_t total = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> errors{0};
  std::mutex mu;
  std::vector<std::string> samples;

  void Error(std::string what) {
    errors++;
    std::lock_guard lock(mu);
    if (samples.size() < kMaxErrorSamples) samples.push_back(std::move(what));
  }
};

asio::awaitable<void> RunWorker(std::shared_ptr<Connection::Impl> conn, RunShared& shared,
                                std::vector<double>& latencies) {
  for (;;) {
    if (Clock::now() >= shared.deadline || shared.errors.load() >= kMaxErrors) co_return;
    int64_t n = shared.next.fetch_add(1);
    if (shared.total > 0 && n >= shared.total) co_return;
    HttpRequest request = (*shared.make)(n);
    auto start = Clock::now();
    try {
      HttpResult result = co_await conn->Exchange(request);
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (result.status == shared.expect) {
        shared.ok++;
      } else {
        shared.Error(Describe(request, result));
      }
    } catch (const std::exception& e) {
      conn->Reset();
      shared.Error(request.method + " " + request.target + ": " + e.what());
    }
  }
}

}  // namespace

LoadResult LoadClient::Run(int concurrency, double seconds, int64_t total,
                           const std::function<HttpRequest(int64_t)>& make, int expect_status) {
  RunShared shared;
  shared.make = &make;
  shared.expect = expect_status;
  shared.total = total;
  // Connect every connection first (a GET of nothing would cost a request: open the streams
  // with a cheap request instead, /readyz), so the measurement starts on warm connections.
  std::vector<std::shared_ptr<Connection::Impl>> conns;
  std::vector<std::future<void>> opened;
  for (int i = 0; i < concurrency; ++i) {
    auto conn = std::make_shared<Connection::Impl>(*impl_);
    conns.push_back(conn);
    opened.push_back(asio::co_spawn(
        conn->strand(),
        [conn]() -> asio::awaitable<void> {
          HttpRequest ready{"GET", "/readyz", ""};
          co_await conn->Exchange(ready);
        },
        asio::use_future));
  }
  LoadResult out;
  for (auto& f : opened) {
    try {
      f.get();
    } catch (const std::exception& e) {
      out.errors++;
      if (out.error_samples.size() < kMaxErrorSamples) {
        out.error_samples.push_back(std::string("connect: ") + e.what());
      }
    }
  }
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<std::future<void>> done;
  auto start = Clock::now();
  if (seconds > 0) {
    shared.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(seconds));
  }
  for (int i = 0; i < concurrency; ++i) {
    done.push_back(asio::co_spawn(conns[i]->strand(), RunWorker(conns[i], shared, latencies[i]),
                                  asio::use_future));
  }
  for (auto& f : done) f.get();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.ok = shared.ok.load();
  out.errors += shared.errors.load();
  for (auto& s : shared.samples) {
    if (out.error_samples.size() < kMaxErrorSamples) out.error_samples.push_back(s);
  }
  for (auto& l : latencies) out.latencies_ms.insert(out.latencies_ms.end(), l.begin(), l.end());
  // Close the connections on their strands before they are destroyed.
  std::vector<std::future<void>> closed;
  for (auto& c : conns) {
    closed.push_back(asio::post(c->strand(), asio::use_future([c] { c->Reset(); })));
  }
  for (auto& f : closed) f.get();
  return out;
}

namespace {

struct FanOutShared {
  std::string prefix;  // `"name":"<prefix>` as it appears in an event line
  std::vector<std::atomic<int64_t>> sent_ns;  // steady clock, just before write i was sent
  std::vector<std::atomic<int>> received;     // streams that saw write i
  int watchers = 0;
  std::atomic<int> established{0};
  std::atomic<int> finished{0};
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> samples;

  FanOutShared(int writes, std::string name_prefix)
      : prefix("\"name\":\"" + name_prefix), sent_ns(writes), received(writes) {}
  void Notify() {
    std::lock_guard lock(mu);
    changed.notify_all();
  }
  void Error(std::string what) {
    std::lock_guard lock(mu);
    if (samples.size() < kMaxErrorSamples) samples.push_back(std::move(what));
    changed.notify_all();
  }
};

// What the fan-out's streams do with their lines: time each event that names one of the
// writes.
void CountEvent(FanOutShared& shared, std::vector<double>& latencies, std::string_view line) {
  size_t at = line.find(shared.prefix);
  if (at == std::string_view::npos) return;
  auto now = Clock::now();
  size_t digits = at + shared.prefix.size();
  int64_t i = 0;
  bool any = false;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') {
    i = i * 10 + (line[digits++] - '0');
    any = true;
  }
  if (!any || i < 0 || i >= static_cast<int64_t>(shared.sent_ns.size())) return;
  int64_t sent = shared.sent_ns[i].load();
  latencies.push_back(static_cast<double>(now.time_since_epoch().count() - sent) / 1e6);
  if (shared.received[i].fetch_add(1) + 1 == shared.established.load()) shared.Notify();
}

}  // namespace

// One streamed GET (a watch): reads the chunked body line by line until the connection is
// closed, handing each line to on_line on the stream's strand.
class LineStream::Impl : public std::enable_shared_from_this<LineStream::Impl> {
 public:
  struct Callbacks {
    std::function<void()> on_established;  // the server answered 200 with a chunked body
    std::function<void(std::string_view)> on_line;
    std::function<void(std::string)> on_error;  // not called for the end Stop() caused
    std::function<void()> on_finished;          // always, last
  };

  Impl(LoadClient::Impl& client, std::string target, Callbacks callbacks)
      : client_(client), target_(std::move(target)), callbacks_(std::move(callbacks)),
        strand_(client.NewStrand()) {}

  asio::awaitable<void> Run() {
    try {
      stream_ = co_await client_.Open(strand_);
      auto req = client_.Build({"GET", target_, ""});
      co_await bhttp::async_write(*stream_, req, asio::use_awaitable);
      bhttp::response_parser<bhttp::empty_body> parser;
      parser.body_limit(boost::none);
      std::function<size_t(uint64_t, std::string_view, beast::error_code&)> on_chunk =
          [this](uint64_t, std::string_view data, beast::error_code&) {
            Consume(data);
            return data.size();
          };
      parser.on_chunk_body(on_chunk);
      beast::get_lowest_layer(*stream_).expires_after(kRequestTimeout);
      co_await bhttp::async_read_header(*stream_, buffer_, parser, asio::use_awaitable);
      beast::get_lowest_layer(*stream_).expires_never();
      if (parser.get().result_int() != 200 || !parser.chunked()) {
        callbacks_.on_error("GET " + target_ + " -> " + std::to_string(parser.get().result_int()) +
                            (parser.chunked() ? "" : " (not chunked)"));
      } else {
        callbacks_.on_established();
        while (!parser.is_done()) {
          auto [ec, n] = co_await bhttp::async_read_some(*stream_, buffer_, parser,
                                                         asio::as_tuple(asio::use_awaitable));
          (void)n;
          if (ec) {
            if (!stopping_) callbacks_.on_error("stream " + target_ + ": " + ec.message());
            break;
          }
        }
        if (parser.is_done() && !stopping_) callbacks_.on_error("stream " + target_ + " ended by the server");
      }
    } catch (const std::exception& e) {
      if (!stopping_) callbacks_.on_error("stream " + target_ + ": " + e.what());
    }
    callbacks_.on_finished();
  }

  // Closes the socket on the strand (ends Run).
  void Stop() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->stream_) {
        beast::error_code ignored;
        beast::get_lowest_layer(*self->stream_).socket().close(ignored);
      }
    });
  }

  Strand strand() const { return strand_; }

 private:
  void Consume(std::string_view data) {
    pending_.append(data);
    size_t begin = 0;
    for (;;) {
      size_t end = pending_.find('\n', begin);
      if (end == std::string::npos) break;
      callbacks_.on_line(std::string_view(pending_.data() + begin, end - begin));
      begin = end + 1;
    }
    pending_.erase(0, begin);
  }

  LoadClient::Impl& client_;
  std::string target_;
  Callbacks callbacks_;
  Strand strand_;
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
  std::string pending_;
  bool stopping_ = false;
};

namespace {

// Starts `impl` running on its strand; the future is ready once it finished.
std::future<void> Spawn(const std::shared_ptr<LineStream::Impl>& impl) {
  return asio::co_spawn(impl->strand(), [impl]() { return impl->Run(); }, asio::use_future);
}

}  // namespace

struct LineStream::State {
  std::mutex mu;
  std::condition_variable changed;
  bool established = false;
  bool finished = false;
  std::string error;
};

Result<std::unique_ptr<LineStream>> LineStream::Open(LoadClient& client, const std::string& target,
                                                     std::function<void(std::string_view)> on_line) {
  std::unique_ptr<LineStream> stream(new LineStream());
  auto state = std::make_shared<State>();
  stream->state_ = state;
  auto update = [state](auto change) {
    std::lock_guard lock(state->mu);
    change(*state);
    state->changed.notify_all();
  };
  Impl::Callbacks callbacks{
      [update] { update([](State& s) { s.established = true; }); },
      std::move(on_line),
      [update](std::string error) { update([&](State& s) { s.error = std::move(error); }); },
      [update] { update([](State& s) { s.finished = true; }); }};
  stream->impl_ = std::make_shared<Impl>(client.impl(), target, std::move(callbacks));
  stream->done_ = Spawn(stream->impl_);
  std::unique_lock lock(state->mu);
  state->changed.wait(lock, [&] { return state->established || state->finished; });
  if (!state->established) {
    std::string error = state->error;
    lock.unlock();
    stream->Stop();
    return Unavailable(error);
  }
  return stream;
}

LineStream::~LineStream() { Stop(); }

void LineStream::Stop() {
  if (!done_.valid()) return;
  impl_->Stop();
  done_.get();
}

std::string LineStream::error() const {
  std::lock_guard lock(state_->mu);
  return state_->error;
}

FanOutResult LoadClient::WatchFanOut(int watchers, const std::string& watch_target, int writes,
                                     const std::function<HttpRequest(int)>& write,
                                     const std::string& name_prefix,
                                     double per_write_timeout_s) {
  static_assert(std::is_same_v<Clock::duration, std::chrono::nanoseconds>);
  FanOutShared shared(writes, name_prefix);
  shared.watchers = watchers;
  FanOutResult out;
  std::vector<std::shared_ptr<LineStream::Impl>> all;
  std::vector<std::vector<double>> latencies(watchers);
  std::vector<std::future<void>> done;
  auto start = Clock::now();
  // Open the streams in waves of 100 so the listener's backlog never overflows.
  for (int i = 0; i < watchers; ++i) {
    LineStream::Impl::Callbacks callbacks{
        [&shared] {
          shared.established++;
          shared.Notify();
        },
        [&shared, &mine = latencies[i]](std::string_view line) { CountEvent(shared, mine, line); },
        [&shared](std::string error) { shared.Error("watch: " + std::move(error)); },
        [&shared] {
          shared.finished++;
          shared.Notify();
        }};
    all.push_back(std::make_shared<LineStream::Impl>(*impl_, watch_target, std::move(callbacks)));
    done.push_back(Spawn(all.back()));
    if ((i + 1) % 100 == 0 || i + 1 == watchers) {
      std::unique_lock lock(shared.mu);
      shared.changed.wait_for(lock, std::chrono::seconds(60), [&] {
        return shared.established.load() + shared.finished.load() >= i + 1;
      });
    }
  }
  out.connect_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.established = shared.established.load();
  out.expected = static_cast<int64_t>(out.established) * writes;

  Connection writer(*this);
  auto timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(per_write_timeout_s));
  for (int i = 0; i < writes && out.established > 0; ++i) {
    HttpRequest request = write(i);
    shared.sent_ns[i] = Clock::now().time_since_epoch().count();
    auto result = writer.Do(request);
    if (!result.ok()) {
      shared.Error(result.status().ToString());
      break;
    }
    if (result->status != 201) {
      shared.Error(Describe(request, *result));
      break;
    }
    std::unique_lock lock(shared.mu);
    if (!shared.changed.wait_for(lock, timeout, [&] {
          return shared.received[i].load() >= out.established;
        })) {
      if (shared.samples.size() < kMaxErrorSamples) {
        shared.samples.push_back("write " + std::to_string(i) + ": only " +
                                 std::to_string(shared.received[i].load()) + " of " +
                                 std::to_string(out.established) + " streams got the event");
      }
    }
  }
  for (auto& w : all) w->Stop();
  for (auto& f : done) f.get();
  for (int i = 0; i < writes; ++i) out.delivered += shared.received[i].load();
  for (auto& l : latencies) out.latencies_ms.insert(out.latencies_ms.end(), l.begin(), l.end());
  out.error_samples = shared.samples;
  return out;
}

}  // namespace carrier::bench::api
