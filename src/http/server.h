#pragma once
// A generic HTTP/1.1 server (keep-alive, optional TLS 1.2+ with ALPN http/1.1) that runs on a
// small fixed pool of threads and streams in both directions:
//   - a handler receives an Exchange as soon as the request head has arrived; it may answer at
//     once, or first pull the body chunk by chunk into a BodySink (a file, a hash, ...), so a
//     large upload is never held in memory;
//   - a response is a buffer, a file (with single-range Range support, sent with sendfile(2)
//     on plain TCP), or a chunked stream that the handler feeds over time from any thread
//     and that reports when the client went away (watch streams).
// Besides the listener Start opens, listeners can be added and removed at runtime; they share
// the pool (a listener costs its socket and its TLS context). On TLS servers a callback may
// pick the certificate by the name the client asked for (SNI).
// Handlers run on the pool threads; they must not block for long (disk I/O is fine).
// Nothing here knows about any particular API.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace carrier::http {

// A certificate chain (leaf first) and its private key, PEM.
struct TlsIdentity {
  std::string cert_chain_pem;
  std::string key_pem;
};

// A TLS server context for one identity, with the server's TLS settings (server.cc). Built once
// by Server::NewTlsContext and shared by every handshake that presents it: building one is
// costly, so never build one per connection.
class TlsContext;

// Identifies a listener; 0 is the one Start opened.
using ListenerId = uint64_t;

struct ServerOptions {
  std::string address = "127.0.0.1";  // "0.0.0.0" or "::" to listen everywhere
  uint16_t port = 0;                   // 0: an ephemeral port (see Server::port())
  int threads = 4;                     // size of the I/O and handler pool
  std::string tls_cert_file;           // PEM chain; TLS is on when both files are set
  std::string tls_key_file;            // PEM private key
  // Ask TLS clients for a certificate. It is not verified here: the handler verifies it
  // against the trust anchors that apply to the request (each tenant has its own CA).
  bool request_client_certificates = false;
  // SNI on the listener Start opens: the context to present for the server name a client
  // asked for, or nullptr for the default certificate. Called during handshakes on pool
  // threads: it must be thread-safe and only look contexts up.
  std::function<std::shared_ptr<const TlsContext>(std::string_view server_name)>
      tls_context_for_server_name;
  // OpenSSL cipher list for TLS 1.2 (TLS 1.0/1.1 are never offered): ECDHE key exchange
  // with AES-GCM or ChaCha20-Poly1305.
  std::string tls12_ciphers =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
  size_t max_header_bytes = 64 * 1024;
  size_t body_chunk_bytes = 1 << 20;   // size of the buffer body chunks are read into
  std::chrono::seconds idle_timeout{120};      // keep-alive connection without a request
  std::chrono::seconds body_read_timeout{300}; // no body bytes for this long: give up
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// The request head. Header lookups are case-insensitive.
struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // raw request target, e.g. "/v2/a/b/tags/list?n=2"
  std::string path;    // target up to '?', still percent-encoded
  std::string query;   // after '?', still percent-encoded ("" when absent)
  Headers headers;
  std::string remote_address;
  bool tls = false;
  std::string peer_certificate_pem;  // the TLS client's certificate (leaf), if it sent one
  std::string server_name;           // the name the TLS client asked for (SNI), "" if none
  ListenerId listener = 0;           // the listener the connection came in on

  // The value of the first header named `name` ("" when absent).
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The decoded value of query parameter `key` (form encoding: "+" is a space), if present.
  std::optional<std::string> QueryParam(std::string_view key) const;
  // Every decoded value of a repeated query parameter, in order.
  std::vector<std::string> QueryParams(std::string_view key) const;
  // Content-Length when the request declares one.
  std::optional<uint64_t> ContentLength() const;
  // True when a body follows the head (Content-Length > 0 or chunked).
  bool HasBody() const;
};

// Percent-decodes `text` ('+' stays '+'); nullopt when an escape is malformed.
std::optional<std::string> PercentDecode(std::string_view text);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);

// An open file to send as a response body; the response owns the descriptor.
class FileBody {
 public:
  FileBody(int fd, uint64_t size) : fd_(fd), size_(size) {}
  FileBody(FileBody&& other) noexcept;
  FileBody& operator=(FileBody&& other) noexcept;
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  ~FileBody();
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;               // used when `file` is empty
  std::optional<FileBody> file;   // whole-file body; a GET with "Range: bytes=a-b" gets 206/416
  // For HEAD: the Content-Length to announce when neither body nor file is given.
  std::optional<uint64_t> head_content_length;

  void SetHeader(std::string_view name, std::string value);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
};

// Receives a request body in order, one chunk at a time. An error stops the transfer (the
// connection is closed after the response, since the rest of the body was not read).
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(std::string_view chunk) = 0;
};

// The writing end of a chunked response. Thread-safe; Write never blocks (data is queued).
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;
  // Queues a chunk; false when the stream is closed (client gone or Close called).
  virtual bool Write(std::string data) = 0;
  // Ends the response (the last chunk). Idempotent.
  virtual void Close() = 0;
  // True once the client went away, the server stopped or Close was called.
  virtual bool closed() const = 0;
  // Called once, on a pool thread, when the stream ends for any reason (immediately when it
  // has already ended).
  virtual void OnClosed(std::function<void()> callback) = 0;
  // Bytes queued but not yet written to the socket (lets a producer apply back-pressure).
  virtual size_t queued_bytes() const = 0;
};

// One request/response. Each of ReadBody, Respond and RespondChunked may be called from any
// thread; a request gets exactly one response. Dropping the last reference without having
// responded answers 500.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const Request& request() const = 0;

  // Streams the body into `sink` (at most `limit` bytes, else kTooLarge), then calls `done`
  // with the outcome on a pool thread; `done` typically responds. A request without a body
  // calls `done(Ok)` at once. Call at most once, before responding.
  virtual void ReadBody(std::shared_ptr<BodySink> sink, uint64_t limit,
                        std::function<void(Status)> done) = 0;
  // Convenience: reads a whole (small) body into memory.
  void ReadBodyToString(uint64_t limit, std::function<void(Status, std::string)> done);

  virtual void Respond(Response response) = 0;
  // Starts a chunked (Transfer-Encoding: chunked) response and returns its writer.
  virtual std::shared_ptr<ChunkWriter> RespondChunked(int status, Headers headers) = 0;
};

using Handler = std::function<void(std::shared_ptr<Exchange>)>;

class Server {
 public:
  // Binds, listens and starts the pool. Fails on a bad address, a busy port or bad TLS files.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  bool tls() const;

  // A context presenting `identity` with this server's TLS settings (TLS servers only);
  // kInvalidArgument when the certificate or key is unusable.
  Result<std::shared_ptr<const TlsContext>> NewTlsContext(const TlsIdentity& identity) const;
  struct Listener {
    ListenerId id = 0;
    uint16_t port = 0;
  };
  // Listens on address:port too (port 0: an ephemeral one), presenting `context` there.
  // kUnavailable when the address cannot be bound (busy port) or the server stopped,
  // kInvalidArgument for a bad address or on a plain-HTTP server.
  Result<Listener> AddListener(const std::string& address, uint16_t port,
                               std::shared_ptr<const TlsContext> context);
  // Closes that listener's socket and every connection accepted on it (the port refuses
  // connections when this returns, unless called from a handler). Unknown ids are ignored;
  // the listener Start opened is closed by Stop only.
  void RemoveListener(ListenerId id);
  // Makes an added listener present `context` in new handshakes (a renewed certificate);
  // connections already made keep theirs. kNotFound for an unknown listener.
  Status SetListenerContext(ListenerId id, std::shared_ptr<const TlsContext> context);
  // Closes the listeners and every connection (open chunked streams see OnClosed), then joins
  // the pool. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::http
