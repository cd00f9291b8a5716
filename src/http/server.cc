// The server: one C++20 coroutine per connection on a strand of a shared io_context run by a
// fixed pool of threads. Handlers talk to the connection only through commands posted to
// its strand (read the body, respond, stream chunks); the coroutine waits for them on a
// timer used as a wake-up signal.
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "http/server.h"

namespace carrier::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

class TlsContext {
 public:
  explicit TlsContext(ssl::context context) : context(std::move(context)) {}
  // Mutable: a stream is built from a non-const reference; OpenSSL reference-counts the
  // SSL_CTX, so connections keep it alive after this object is gone.
  mutable ssl::context context;
};

namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr size_t kFileChunk = 1 << 20;
constexpr size_t kTlsCoalesceLimit = 8 << 10;  // copy a TLS body this small behind the head
constexpr uint64_t kDrainLimit = 1 << 20;

class DiscardSink : public BodySink {
 public:
  Status Write(std::string_view) override { return Status::Ok(); }
};

// A parsed "Range: bytes=..." header against a resource of `size` bytes.
struct RangeSpec {
  bool present = false;      // a syntactically valid single byte range was asked for
  bool satisfiable = false;
  uint64_t first = 0, last = 0;
};

bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

RangeSpec ParseRange(std::string_view header, uint64_t size) {
  RangeSpec r;
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return r;
  std::string_view spec = header.substr(kPrefix.size());
  if (spec.find(',') != std::string_view::npos) return r;  // multiple ranges: serve it all
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  uint64_t x = 0, y = 0;
  if (a.empty()) {  // suffix: the last y bytes
    if (!ParseU64(b, y)) return r;
    r.present = true;
    if (y == 0 || size == 0) return r;
    r.satisfiable = true;
    r.first = y >= size ? 0 : size - y;
    r.last = size - 1;
    return r;
  }
  if (!ParseU64(a, x)) return r;
  if (!b.empty() && (!ParseU64(b, y) || y < x)) return r;
  r.present = true;
  if (x >= size) return r;
  r.satisfiable = true;
  r.first = x;
  r.last = b.empty() || y >= size ? size - 1 : y;
  return r;
}

std::string RenderHead(int status, const Headers& headers) {
  std::string out = "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += bhttp::obsolete_reason(bhttp::int_to_status(status));
  out += "\r\n";
  for (const auto& [k, v] : headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

bool HasHeaderNamed(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return true;
  }
  return false;
}

int AlpnSelect(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  // Offer HTTP/1.1 only; a client that wants only h2 continues without ALPN.
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == 8 && std::memcmp(in + i + 1, "http/1.1", 8) == 0) {
      *out = in + i + 1;
      *outlen = 8;
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// SNI: swaps the handshake's context for the one the server's callback names (`arg`).
int ServerNameSelect(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;
  const auto& pick = *static_cast<decltype(ServerOptions::tls_context_for_server_name)*>(arg);
  if (auto context = pick(name)) SSL_set_SSL_CTX(ssl, context->context.native_handle());
  return SSL_TLSEXT_ERR_OK;
}

std::string PeerCertificatePem(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return {};
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

// Decodes a chunked transfer coding (RFC 9112 §7.1) incrementally. Decode() takes the next
// input bytes, moves the data bytes to the front of the same buffer and says how many there
// are and how much input it used (all of it unless the body ended inside this input).
class ChunkedDecoder {
 public:
  bool done() const { return state_ == kDone; }

  bool Decode(char* buf, size_t n, size_t& data, size_t& used) {
    data = 0;
    size_t i = 0;
    while (i < n && state_ != kDone) {
      switch (state_) {
        case kSize: {
          char c = buf[i++];
          if (++line_ > 4096) return false;
          if (c == '\n') {
            if (!saw_digit_) return false;
            state_ = remaining_ == 0 ? kTrailer : kData;
            saw_digit_ = in_ext_ = false;
            line_ = 0;
          } else if (c == '\r' || in_ext_) {
          } else if (c == ';') {
            in_ext_ = true;
          } else {
            int v = HexDigit(c);
            if (v < 0 || remaining_ >> 60) return false;
            remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
            saw_digit_ = true;
          }
          break;
        }
        case kData: {
          size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - i));
          if (data != i) std::memmove(buf + data, buf + i, take);
          data += take;
          i += take;
          remaining_ -= take;
          if (remaining_ == 0) state_ = kDataEnd;
          break;
        }
        case kDataEnd: {
          char c = buf[i++];
          if (c == '\n') {
            state_ = kSize;
          } else if (c != '\r') {
            return false;
          }
          break;
        }
        case kTrailer: {
          char c = buf[i++];
          if (c == '\n') {
            if (line_ == 0) state_ = kDone;
            line_ = 0;
          } else if (c != '\r') {
            if (++line_ > 8192) return false;
          }
          break;
        }
        case kDone:
          break;
      }
    }
    used = i;
    return true;
  }

 private:
  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  enum State { kSize, kData, kDataEnd, kTrailer, kDone } state_ = kSize;
  uint64_t remaining_ = 0;
  size_t line_ = 0;
  bool saw_digit_ = false;
  bool in_ext_ = false;
};

}  // namespace

// What an Exchange and a ChunkWriter need from their connection.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  virtual ~ConnectionBase() = default;
  virtual void PostReadBody(uint64_t seq, std::shared_ptr<BodySink> sink, uint64_t limit,
                            std::function<void(Status)> done) = 0;
  virtual void PostRespond(uint64_t seq, Response response) = 0;
  virtual void PostChunk(uint64_t seq, std::string data, bool last) = 0;
  virtual void PostChunkedStart(uint64_t seq, int status, Headers headers,
                                std::shared_ptr<ChunkWriter> writer) = 0;
  virtual void Close() = 0;
};

namespace {

class ChunkWriterImpl : public ChunkWriter {
 public:
  ChunkWriterImpl(std::shared_ptr<ConnectionBase> conn, uint64_t seq)
      : conn_(std::move(conn)), seq_(seq) {}

  bool Write(std::string data) override {
    if (closed_.load()) return false;
    if (data.empty()) return true;
    queued_ += data.size();
    if (auto c = conn_.lock()) c->PostChunk(seq_, std::move(data), false);
    return true;
  }
  void Close() override {
    if (closed_.exchange(true)) return;
    if (auto c = conn_.lock()) c->PostChunk(seq_, {}, true);
  }
  bool closed() const override { return closed_.load(); }
  void OnClosed(std::function<void()> callback) override {
    std::unique_lock lock(mu_);
    if (ended_) {
      lock.unlock();
      callback();
      return;
    }
    callbacks_.push_back(std::move(callback));
  }
  size_t queued_bytes() const override { return queued_.load(); }

  // Connection side.
  void Written(size_t n) { queued_ -= n; }
  void Ended() {
    closed_ = true;
    std::vector<std::function<void()>> cbs;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      ended_ = true;
      cbs.swap(callbacks_);
    }
    for (auto& cb : cbs) cb();
  }

 private:
  std::weak_ptr<ConnectionBase> conn_;
  uint64_t seq_;
  std::atomic<bool> closed_{false};
  std::atomic<size_t> queued_{0};
  std::mutex mu_;
  bool ended_ = false;
  std::vector<std::function<void()>> callbacks_;
};

class ExchangeImpl : public Exchange {
 public:
  ExchangeImpl(std::shared_ptr<ConnectionBase> conn, uint64_t seq, Request request)
      : conn_(std::move(conn)), seq_(seq), request_(std::move(request)) {}
  ~ExchangeImpl() override {
    if (!responded_.exchange(true)) {
      conn_->PostRespond(seq_, Response::Text(500, "handler gave no response\n"));
    }
  }

  const Request& request() const override { return request_; }

  void ReadBody(std::shared_ptr<BodySink> sink, uint64_t limit,
                std::function<void(Status)> done) override {
    conn_->PostReadBody(seq_, std::move(sink), limit, std::move(done));
  }
  void Respond(Response response) override {
    if (responded_.exchange(true)) return;
    conn_->PostRespond(seq_, std::move(response));
  }
  std::shared_ptr<ChunkWriter> RespondChunked(int status, Headers headers) override {
    auto writer = std::make_shared<ChunkWriterImpl>(conn_, seq_);
    if (responded_.exchange(true)) {
      writer->Ended();
      return writer;
    }
    conn_->PostChunkedStart(seq_, status, std::move(headers), writer);
    return writer;
  }

 private:
  std::shared_ptr<ConnectionBase> conn_;
  uint64_t seq_;
  Request request_;
  std::atomic<bool> responded_{false};
};

}  // namespace

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)) {}

  Status Init();
  void Run();
  void Stop();
  uint16_t port() const { return port_; }
  bool tls() const { return default_context_ != nullptr; }

  // A context with the server's TLS settings: the chain and key from PEM text or files.
  Result<std::shared_ptr<const TlsContext>> NewContext(const TlsIdentity* pem) const;
  Result<Server::Listener> AddListener(const std::string& address, uint16_t port,
                                       std::shared_ptr<const TlsContext> context);
  void RemoveListener(ListenerId id);
  Status SetListenerContext(ListenerId id, std::shared_ptr<const TlsContext> context);

  const ServerOptions& options() const { return options_; }
  const Handler& handler() const { return handler_; }
  void Forget(ConnectionBase* c) {
    std::lock_guard lock(mu_);
    connections_.erase(c);
  }

 private:
  // A listening socket; its accept loop and its closing run on its strand.
  struct ListenerState {
    ListenerState(ListenerId id, asio::io_context& io, std::shared_ptr<const TlsContext> context)
        : id(id), strand(asio::make_strand(io)), acceptor(strand), context(std::move(context)) {}
    ListenerId id;
    asio::strand<asio::io_context::executor_type> strand;
    tcp::acceptor acceptor;
    std::shared_ptr<const TlsContext> context;  // nullptr: plain HTTP; guarded by mu_
    bool removed = false;                       // guarded by mu_
  };
  struct Tracked {
    std::weak_ptr<ConnectionBase> connection;
    ListenerId listener;
  };

  Result<std::shared_ptr<ListenerState>> Listen(ListenerId id, const std::string& address,
                                                uint16_t port,
                                                std::shared_ptr<const TlsContext> context);
  asio::awaitable<void> AcceptLoop(std::shared_ptr<ListenerState> listener);
  void CloseAcceptor(const std::shared_ptr<ListenerState>& listener);

  ServerOptions options_;
  Handler handler_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::shared_ptr<const TlsContext> default_context_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::map<ListenerId, std::shared_ptr<ListenerState>> listeners_;
  ListenerId next_listener_ = 1;
  std::unordered_map<ConnectionBase*, Tracked> connections_;
  bool stopped_ = false;
};

namespace {

template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(Server::Impl* server, Stream stream, bool tls, ListenerId listener)
      : server_(server), stream_(std::move(stream)), tls_(tls), listener_(listener),
        signal_(stream_.get_executor()) {}

  ~Connection() override { server_->Forget(this); }

  void Start() {
    asio::co_spawn(stream_.get_executor(), Run(self()), asio::detached);
  }

  void PostReadBody(uint64_t seq, std::shared_ptr<BodySink> sink, uint64_t limit,
                    std::function<void(Status)> done) override {
    asio::dispatch(stream_.get_executor(), [self = self(), seq, sink = std::move(sink), limit,
                                            done = std::move(done)]() mutable {
      if (seq != self->seq_ || self->body_requested_) return;
      self->body_requested_ = true;
      self->read_body_ = ReadBodyCommand{std::move(sink), limit, std::move(done)};
      self->Wake();
    });
  }
  void PostRespond(uint64_t seq, Response response) override {
    asio::dispatch(stream_.get_executor(),
                   [self = self(), seq, response = std::move(response)]() mutable {
                     if (seq != self->seq_ || self->response_ || self->chunked_) return;
                     self->response_ = std::move(response);
                     self->Wake();
                   });
  }
  void PostChunkedStart(uint64_t seq, int status, Headers headers,
                        std::shared_ptr<ChunkWriter> writer) override {
    asio::dispatch(stream_.get_executor(), [self = self(), seq, status,
                                            headers = std::move(headers),
                                            writer = std::move(writer)]() mutable {
      auto* impl = static_cast<ChunkWriterImpl*>(writer.get());
      if (seq != self->seq_ || self->response_ || self->chunked_ || self->closing_) {
        impl->Ended();
        return;
      }
      self->chunked_ = ChunkedState{status, std::move(headers),
                                    std::static_pointer_cast<ChunkWriterImpl>(writer), {}, false};
      self->Wake();
    });
  }
  void PostChunk(uint64_t seq, std::string data, bool last) override {
    asio::post(stream_.get_executor(),
               [self = self(), seq, data = std::move(data), last]() mutable {
                 if (seq != self->seq_ || !self->chunked_) return;
                 if (last) {
                   self->chunked_->last = true;
                 } else {
                   self->chunked_->queue.push_back(std::move(data));
                 }
                 self->Wake();
               });
  }
  void Close() override {
    asio::dispatch(stream_.get_executor(), [self = self()] {
      self->closing_ = true;
      beast::error_code ec;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(self->stream_).socket().close(ec);
      self->Wake();
    });
  }

 private:
  struct ReadBodyCommand {
    std::shared_ptr<BodySink> sink;
    uint64_t limit;
    std::function<void(Status)> done;
  };
  struct ChunkedState {
    int status;
    Headers headers;
    std::shared_ptr<ChunkWriterImpl> writer;
    std::deque<std::string> queue;
    bool last;
  };

  std::shared_ptr<Connection> self() {
    return std::static_pointer_cast<Connection>(shared_from_this());
  }
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void Wake() { signal_.cancel(); }
  asio::awaitable<void> WaitSignal() {
    signal_.expires_at(asio::steady_timer::time_point::max());
    co_await signal_.async_wait(kUse);
  }

  template <class Buffers>
  asio::awaitable<bool> WriteAll(const Buffers& buffers) {
    auto [ec, n] = co_await asio::async_write(stream_, buffers, kUse);
    co_return !ec;
  }

  Request MakeRequest(const bhttp::request<bhttp::buffer_body>& req) {
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& field : req) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    beast::error_code ec;
    auto ep = socket().remote_endpoint(ec);
    if (!ec) r.remote_address = ep.address().to_string();
    r.tls = tls_;
    r.peer_certificate_pem = peer_certificate_pem_;
    r.server_name = server_name_;
    r.listener = listener_;
    return r;
  }

  static asio::awaitable<void> Run(std::shared_ptr<Connection> self) { co_await self->Serve(); }

  asio::awaitable<void> Serve() {
    const ServerOptions& opt = server_->options();
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(stream_).expires_after(opt.idle_timeout);
      auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, kUse);
      if (ec) co_return;
      peer_certificate_pem_ = PeerCertificatePem(stream_.native_handle());
      if (const char* name = SSL_get_servername(stream_.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        server_name_ = name;
      }
    }
    for (;;) {
      bhttp::request_parser<bhttp::buffer_body> parser;
      parser.header_limit(static_cast<uint32_t>(opt.max_header_bytes));
      parser.body_limit(boost::none);
      beast::get_lowest_layer(stream_).expires_after(opt.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kUse);
      if (ec || closing_) {
        if (ec && ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
            ec != beast::error::timeout && !closing_ && buffer_.size() > 0) {
          std::string bad = RenderHead(400, {{"Content-Length", "0"}, {"Connection", "close"}});
          co_await WriteAll(asio::buffer(bad));
        }
        break;
      }
      beast::get_lowest_layer(stream_).expires_never();
      const auto& head = parser.get();
      bool keep_alive = head.keep_alive();
      bool is_head = head.method() == bhttp::verb::head;
      body_complete_ = !parser.is_done() ? false : true;
      ++seq_;
      body_requested_ = false;
      read_body_.reset();
      response_.reset();
      chunked_.reset();
      Request request = MakeRequest(head);
      std::string expect(head[bhttp::field::expect]);
      server_->handler()(std::make_shared<ExchangeImpl>(shared_from_this(), seq_,
                                                        std::move(request)));
      bool ok = true;
      for (;;) {
        if (closing_) co_return;
        if (read_body_) {
          ReadBodyCommand cmd = std::move(*read_body_);
          read_body_.reset();
          Status st = co_await ReadBody(parser, cmd, beast::iequals(expect, "100-continue"));
          cmd.done(std::move(st));
          continue;
        }
        if (response_) {
          Response res = std::move(*response_);
          response_.reset();
          // A small body the handler did not want is read and dropped, so the connection
          // can be kept (closing with unread data would reset it under the response).
          auto length = parser.content_length();
          if (!body_complete_ && !body_requested_ && length && *length <= kDrainLimit &&
              !beast::iequals(expect, "100-continue")) {
            ReadBodyCommand discard{std::make_shared<DiscardSink>(), *length, nullptr};
            co_await ReadBody(parser, discard, false);
          }
          ok = co_await WriteResponse(res, head, keep_alive && body_complete_, is_head);
          break;
        }
        if (chunked_) {
          co_await StreamChunks();
          ok = false;  // a chunked response ends its connection
          break;
        }
        co_await WaitSignal();
      }
      if (!ok || !keep_alive || !body_complete_ || closing_) break;
    }
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  // Reads the whole body into the sink. Content-Length bodies are read straight from the
  // socket into one large buffer (no parser copy); chunked bodies go through the parser.
  asio::awaitable<Status> ReadBody(bhttp::request_parser<bhttp::buffer_body>& parser,
                                   ReadBodyCommand& cmd, bool expect_continue) {
    const ServerOptions& opt = server_->options();
    if (parser.is_done()) co_return Status::Ok();
    auto length = parser.content_length();
    if (length && *length > cmd.limit) {
      co_return Status(Code::kTooLarge, "request body exceeds " + std::to_string(cmd.limit) +
                                            " bytes");
    }
    if (expect_continue) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await WriteAll(asio::buffer(kContinue))) {
        co_return Status(Code::kCancelled, "client went away");
      }
    }
    if (chunk_.size() != opt.body_chunk_bytes) chunk_.resize(opt.body_chunk_bytes);
    uint64_t total = 0;
    if (length) {
      uint64_t remaining = *length;
      while (remaining > 0) {
        size_t got = 0;
        if (buffer_.size() > 0) {
          got = std::min<uint64_t>(buffer_.size(), std::min<uint64_t>(remaining, chunk_.size()));
          asio::buffer_copy(asio::buffer(chunk_.data(), got), buffer_.data());
          buffer_.consume(got);
        } else {
          // Fill as much of the chunk as the socket gives, up to what remains.
          size_t want = std::min<uint64_t>(remaining, chunk_.size());
          while (got < want) {
            beast::get_lowest_layer(stream_).expires_after(opt.body_read_timeout);
            auto [ec, n] = co_await stream_.async_read_some(
                asio::buffer(chunk_.data() + got, want - got), kUse);
            if (ec) co_return Status(Code::kCancelled, "body read failed: " + ec.message());
            got += n;
            if (got >= (1 << 16)) break;  // hand large pieces on without waiting for more
          }
        }
        remaining -= got;
        Status st = cmd.sink->Write(std::string_view(chunk_.data(), got));
        if (!st.ok()) co_return st;
      }
      beast::get_lowest_layer(stream_).expires_never();
      body_complete_ = true;
      co_return Status::Ok();
    }
    // Chunked: decode the framing ourselves, compacting the data in place, so that the sink
    // gets one large piece per socket read.
    ChunkedDecoder decoder;
    for (;;) {
      size_t n = 0;
      if (buffer_.size() > 0) {
        n = asio::buffer_copy(asio::buffer(chunk_), buffer_.data());
        buffer_.consume(n);
      } else {
        beast::get_lowest_layer(stream_).expires_after(opt.body_read_timeout);
        auto [ec, got] = co_await stream_.async_read_some(asio::buffer(chunk_), kUse);
        if (ec) co_return Status(Code::kCancelled, "body read failed: " + ec.message());
        n = got;
      }
      size_t data = 0, used = 0;
      if (!decoder.Decode(chunk_.data(), n, data, used)) {
        co_return Status(Code::kBadRequest, "malformed chunked body");
      }
      total += data;
      if (total > cmd.limit) {
        co_return Status(Code::kTooLarge,
                         "request body exceeds " + std::to_string(cmd.limit) + " bytes");
      }
      if (data > 0) {
        Status st = cmd.sink->Write(std::string_view(chunk_.data(), data));
        if (!st.ok()) co_return st;
      }
      if (decoder.done()) {
        // Bytes after the body belong to the next request: put them back in front.
        std::string rest(chunk_.data() + used, n - used);
        rest += beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        buffer_.commit(asio::buffer_copy(buffer_.prepare(rest.size()), asio::buffer(rest)));
        break;
      }
    }
    beast::get_lowest_layer(stream_).expires_never();
    body_complete_ = true;
    co_return Status::Ok();
  }

  asio::awaitable<bool> WriteResponse(Response& res,
                                      const bhttp::request<bhttp::buffer_body>& req,
                                      bool keep_alive, bool is_head) {
    uint64_t length = res.body.size();
    uint64_t offset = 0;
    if (res.file) {
      length = res.file->size();
      if (res.status == 200 && req.method() == bhttp::verb::get) {
        res.SetHeader("Accept-Ranges", "bytes");
        auto range_header = req[bhttp::field::range];
        if (!range_header.empty()) {
          RangeSpec range = ParseRange(range_header, res.file->size());
          if (range.present && !range.satisfiable) {
            res.status = 416;
            res.SetHeader("Content-Range", "bytes */" + std::to_string(res.file->size()));
            res.file.reset();
            length = 0;
          } else if (range.present) {
            res.status = 206;
            res.SetHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                               std::to_string(range.last) + "/" +
                                               std::to_string(res.file->size()));
            offset = range.first;
            length = range.last - range.first + 1;
          }
        }
      }
    } else if (is_head && res.body.empty() && res.head_content_length) {
      length = *res.head_content_length;
    }
    bool no_body_status = res.status == 204 || res.status == 304 || res.status < 200;
    if (!no_body_status) res.SetHeader("Content-Length", std::to_string(length));
    if (!keep_alive) res.SetHeader("Connection", "close");
    std::string headtext = RenderHead(res.status, res.headers);
    if (is_head || no_body_status || length == 0) co_return co_await WriteAll(asio::buffer(headtext));
    if (!res.file) {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        std::array<asio::const_buffer, 2> bufs{asio::buffer(headtext), asio::buffer(res.body)};
        co_return co_await WriteAll(bufs);
      } else {
        // TLS: a two-buffer write of head and body through the ssl_stream sent the head and
        // then stalled, waiting to read, once the body was larger than about one TLS record
        // (test TlsServesLargeInMemoryBodies). Single-buffer writes: a small body is copied
        // behind the head (one record), a large one is a second write.
        if (res.body.size() <= kTlsCoalesceLimit) {
          headtext += res.body;
          co_return co_await WriteAll(asio::buffer(headtext));
        }
        if (!co_await WriteAll(asio::buffer(headtext))) co_return false;
        co_return co_await WriteAll(asio::buffer(res.body));
      }
    }
    if (!co_await WriteAll(asio::buffer(headtext))) co_return false;
    co_return co_await SendFile(res.file->fd(), offset, length);
  }

  asio::awaitable<bool> SendFile(int fd, uint64_t offset, uint64_t length) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      // Plain TCP: the kernel copies file pages to the socket (sendfile), no user copy.
      tcp::socket& s = socket();
      s.non_blocking(true);
      off_t off = static_cast<off_t>(offset);
      uint64_t remaining = length;
      while (remaining > 0) {
        ssize_t n = ::sendfile(s.native_handle(), fd, &off,
                               std::min<uint64_t>(remaining, 1u << 30));
        if (n > 0) {
          remaining -= static_cast<uint64_t>(n);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          auto [ec] = co_await s.async_wait(tcp::socket::wait_write, kUse);
          if (ec) co_return false;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        co_return false;  // error, or the file shrank under us
      }
      co_return true;
    } else {
      if (chunk_.size() < kFileChunk) chunk_.resize(kFileChunk);
      uint64_t remaining = length;
      off_t off = static_cast<off_t>(offset);
      while (remaining > 0) {
        ssize_t n = ::pread(fd, chunk_.data(), std::min<uint64_t>(remaining, chunk_.size()), off);
        if (n <= 0) co_return false;
        if (!co_await WriteAll(asio::buffer(chunk_.data(), static_cast<size_t>(n)))) {
          co_return false;
        }
        off += n;
        remaining -= static_cast<uint64_t>(n);
      }
      co_return true;
    }
  }

  // Writes the chunked response head, then chunks as they are queued, until the writer is
  // closed or the client goes away (detected by a read that completes).
  asio::awaitable<void> StreamChunks() {
    ChunkedState& cs = *chunked_;
    auto writer = cs.writer;
    Headers headers = cs.headers;
    if (!HasHeaderNamed(headers, "Transfer-Encoding")) {
      headers.emplace_back("Transfer-Encoding", "chunked");
    }
    headers.emplace_back("Connection", "close");
    std::string head = RenderHead(cs.status, headers);
    bool ok = co_await WriteAll(asio::buffer(head));
    // Watch for the client leaving: any read completion ends the stream.
    auto self_ptr = self();
    peer_gone_ = false;
    if (ok) {
      stream_.async_read_some(asio::buffer(peek_, sizeof(peek_)),
                              [self_ptr](beast::error_code, size_t) {
                                self_ptr->peer_gone_ = true;
                                self_ptr->Wake();
                              });
    }
    while (ok && !closing_ && !peer_gone_) {
      if (!cs.queue.empty()) {
        std::string data = std::move(cs.queue.front());
        cs.queue.pop_front();
        char size_line[32];
        int len = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
        std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, len), asio::buffer(data),
                                               asio::buffer("\r\n", 2)};
        ok = co_await WriteAll(bufs);
        writer->Written(data.size());
        continue;
      }
      if (cs.last) {
        static const std::string kLast = "0\r\n\r\n";
        co_await WriteAll(asio::buffer(kLast));
        break;
      }
      co_await WaitSignal();
    }
    writer->Ended();
    chunked_.reset();
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  Server::Impl* server_;
  Stream stream_;
  bool tls_;
  ListenerId listener_;
  std::string peer_certificate_pem_;
  std::string server_name_;
  asio::steady_timer signal_;
  beast::flat_buffer buffer_;
  std::vector<char> chunk_;
  char peek_[1];
  uint64_t seq_ = 0;
  bool body_requested_ = false;
  bool body_complete_ = true;
  bool closing_ = false;
  bool peer_gone_ = false;
  std::optional<ReadBodyCommand> read_body_;
  std::optional<Response> response_;
  std::optional<ChunkedState> chunked_;
};

}  // namespace

Result<std::shared_ptr<const TlsContext>> Server::Impl::NewContext(const TlsIdentity* pem) const {
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3's suites are all of that kind).
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), options_.tls12_ciphers.c_str()) != 1) {
    return InvalidArgument("no usable TLS 1.2 cipher in '" + options_.tls12_ciphers + "'");
  }
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE |
                                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  beast::error_code ec;
  if (pem != nullptr) {
    ctx.use_certificate_chain(asio::buffer(pem->cert_chain_pem), ec);
    if (ec) return InvalidArgument("TLS certificate: " + ec.message());
    ctx.use_private_key(asio::buffer(pem->key_pem), ssl::context::pem, ec);
    if (ec) return InvalidArgument("TLS key: " + ec.message());
  } else {
    ctx.use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec) return InvalidArgument("TLS certificate " + options_.tls_cert_file + ": " + ec.message());
    ctx.use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
    if (ec) return InvalidArgument("TLS key " + options_.tls_key_file + ": " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return InvalidArgument("the TLS key does not match the certificate");
  }
  SSL_CTX_set_alpn_select_cb(ctx.native_handle(), AlpnSelect, nullptr);
  if (options_.request_client_certificates) {
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  }
  return std::shared_ptr<const TlsContext>(std::make_shared<TlsContext>(std::move(ctx)));
}

Status Server::Impl::Init() {
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    auto context = NewContext(nullptr);
    if (!context.ok()) return context.status();
    default_context_ = std::move(*context);
    if (options_.tls_context_for_server_name) {
      SSL_CTX* native = default_context_->context.native_handle();
      SSL_CTX_set_tlsext_servername_callback(native, ServerNameSelect);
      SSL_CTX_set_tlsext_servername_arg(native, &options_.tls_context_for_server_name);
    }
  }
  auto listener = Listen(0, options_.address, options_.port, default_context_);
  if (!listener.ok()) return listener.status();
  port_ = (*listener)->acceptor.local_endpoint().port();
  listeners_[0] = std::move(*listener);
  return Status::Ok();
}

Result<std::shared_ptr<Server::Impl::ListenerState>> Server::Impl::Listen(
    ListenerId id, const std::string& address, uint16_t port,
    std::shared_ptr<const TlsContext> context) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return InvalidArgument("bad listen address '" + address + "'");
  auto listener = std::make_shared<ListenerState>(id, io_, std::move(context));
  tcp::endpoint ep(addr, port);
  listener->acceptor.open(ep.protocol(), ec);
  if (!ec) listener->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) listener->acceptor.bind(ep, ec);
  if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                       ec.message());
  }
  return listener;
}

void Server::Impl::Run() {
  work_.emplace(io_.get_executor());
  asio::co_spawn(listeners_[0]->strand, AcceptLoop(listeners_[0]), asio::detached);
  int n = std::max(1, options_.threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
}

Result<Server::Listener> Server::Impl::AddListener(const std::string& address, uint16_t port,
                                                   std::shared_ptr<const TlsContext> context) {
  if (!default_context_ || !context) {
    return InvalidArgument("extra listeners are TLS listeners of a TLS server");
  }
  ListenerId id;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Unavailable("the server is stopped");
    id = next_listener_++;
  }
  auto listener = Listen(id, address, port, std::move(context));
  if (!listener.ok()) return listener.status();
  Server::Listener out{id, (*listener)->acceptor.local_endpoint().port()};
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Unavailable("the server is stopped");
    listeners_[id] = *listener;
  }
  asio::co_spawn((*listener)->strand, AcceptLoop(*listener), asio::detached);
  return out;
}

void Server::Impl::RemoveListener(ListenerId id) {
  if (id == 0) return;
  std::shared_ptr<ListenerState> listener;
  std::vector<std::shared_ptr<ConnectionBase>> open;
  {
    std::lock_guard lock(mu_);
    auto it = listeners_.find(id);
    if (it == listeners_.end()) return;
    listener = std::move(it->second);
    listeners_.erase(it);
    listener->removed = true;
    for (auto& [ptr, tracked] : connections_) {
      if (tracked.listener != id) continue;
      if (auto c = tracked.connection.lock()) open.push_back(std::move(c));
    }
  }
  for (auto& c : open) c->Close();
  CloseAcceptor(listener);
}

Status Server::Impl::SetListenerContext(ListenerId id, std::shared_ptr<const TlsContext> context) {
  if (!context) return InvalidArgument("a listener needs a TLS context");
  std::lock_guard lock(mu_);
  auto it = listeners_.find(id);
  if (id == 0 || it == listeners_.end()) return NotFound("no listener " + std::to_string(id));
  it->second->context = std::move(context);
  return Status::Ok();
}

// The acceptor is closed on its strand (its accept is pending there). From outside the pool
// this waits, so that the port refuses connections once RemoveListener returns.
void Server::Impl::CloseAcceptor(const std::shared_ptr<ListenerState>& listener) {
  auto close = [listener] {
    beast::error_code ec;
    listener->acceptor.close(ec);
  };
  if (listener->strand.running_in_this_thread()) return close();
  if (io_.get_executor().running_in_this_thread()) return asio::post(listener->strand, close);
  std::promise<void> closed;
  asio::post(listener->strand, [&] {
    close();
    closed.set_value();
  });
  closed.get_future().wait();
}

asio::awaitable<void> Server::Impl::AcceptLoop(std::shared_ptr<ListenerState> listener) {
  for (;;) {
    auto [ec, socket] = co_await listener->acceptor.async_accept(asio::make_strand(io_), kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || !listener->acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::shared_ptr<const TlsContext> context;
    {
      std::lock_guard lock(mu_);
      context = listener->context;
    }
    std::shared_ptr<ConnectionBase> conn;
    if (context) {
      auto c = std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
          this,
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)),
                                               context->context),
          true, listener->id);
      c->Start();
      conn = c;
    } else {
      auto c = std::make_shared<Connection<beast::tcp_stream>>(
          this, beast::tcp_stream(std::move(socket)), false, listener->id);
      c->Start();
      conn = c;
    }
    std::unique_lock lock(mu_);
    if (stopped_ || listener->removed) {
      lock.unlock();
      conn->Close();
    } else {
      connections_[conn.get()] = Tracked{conn, listener->id};
    }
  }
}

void Server::Impl::Stop() {
  std::vector<std::shared_ptr<ConnectionBase>> open;
  std::map<ListenerId, std::shared_ptr<ListenerState>> listeners;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [ptr, tracked] : connections_) {
      if (auto c = tracked.connection.lock()) open.push_back(std::move(c));
    }
    listeners.swap(listeners_);
  }
  for (auto& c : open) c->Close();
  open.clear();
  for (auto& [id, listener] : listeners) {
    asio::post(listener->strand, [listener] {
      beast::error_code ec;
      listener->acceptor.close(ec);
    });
  }
  work_.reset();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  Status st = impl->Init();
  if (!st.ok()) return st;
  impl->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port(); }
bool Server::tls() const { return impl_->tls(); }
Result<std::shared_ptr<const TlsContext>> Server::NewTlsContext(const TlsIdentity& identity) const {
  if (!impl_->tls()) return InvalidArgument("TLS contexts are for TLS servers");
  return impl_->NewContext(&identity);
}
Result<Server::Listener> Server::AddListener(const std::string& address, uint16_t port,
                                             std::shared_ptr<const TlsContext> context) {
  return impl_->AddListener(address, port, std::move(context));
}
void Server::RemoveListener(ListenerId id) { impl_->RemoveListener(id); }
Status Server::SetListenerContext(ListenerId id, std::shared_ptr<const TlsContext> context) {
  return impl_->SetListenerContext(id, std::move(context));
}
void Server::Stop() {
  if (impl_) impl_->Stop();
}

}  // namespace carrier::http
