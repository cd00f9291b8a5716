#pragma once
// The load generator of bench/api: HTTPS/1.1 keep-alive connections to one loopback server,
// authenticated with a client certificate and verifying the server against a CA, driven by
// C++20 coroutines on a small pool of client threads (Boost.Asio/Beast; nothing of them leaks
// out of load_client.cc).
//   - Connection: one kept-alive connection for sequential requests from the calling thread;
//   - LoadClient::Run: closed-loop load, `concurrency` connections each sending its next
//     request as soon as the previous answer is read, for a time or a request count;
//   - LoadClient::WatchFanOut: many concurrent watch streams, then writes one at a time, and
//     the delay from just before each write to each stream's receipt of its event.
//   - LineStream: one streamed GET (a watch) whose body lines are handed to a callback as
//     they arrive.

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::bench::api {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca_pem;    // verifies the server's certificate (name: `host`)
  std::string cert_pem;  // client certificate
  std::string key_pem;   // its private key
};

struct HttpRequest {
  std::string method = "GET";
  std::string target;
  std::string body;  // sent as application/json when not empty
};

struct HttpResult {
  int status = 0;
  std::string body;
};

// "METHOD target -> status: body" with long bodies cut, for error reports.
std::string Describe(const HttpRequest& request, const HttpResult& result);

class LoadClient;

// A kept-alive connection used from one thread at a time; reconnects when the server closed it.
class Connection {
 public:
  explicit Connection(LoadClient& client);
  ~Connection();
  Result<HttpResult> Do(const HttpRequest& request);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

struct LoadResult {
  int64_t ok = 0;      // answers with the expected status
  int64_t errors = 0;  // other answers and failed requests
  double seconds = 0;  // from the first request to the last answer
  std::vector<double> latencies_ms;        // of every answered request, unsorted
  std::vector<std::string> error_samples;  // the first few errors, request and response
  double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

struct FanOutResult {
  int established = 0;          // streams that answered 200 before the writes started
  double connect_seconds = 0;   // to open and establish all of them
  int64_t expected = 0;         // established * writes
  int64_t delivered = 0;        // events received that matched a write
  std::vector<double> latencies_ms;  // write -> receipt, one per delivered event, unsorted
  std::vector<std::string> error_samples;
};

// A watch (any GET with a chunked body) read line by line on the client's threads until
// Stop(): on_line gets each line without its '\n', one call at a time.
class LineStream {
 public:
  // Opens GET `target` and returns once the server answered 200 with a chunked body (an
  // error otherwise).
  static Result<std::unique_ptr<LineStream>> Open(LoadClient& client, const std::string& target,
                                                  std::function<void(std::string_view)> on_line);
  ~LineStream();  // Stop()s
  // Closes the connection and waits until the reader finished.
  void Stop();
  // Why the stream ended before Stop() ("" while it runs).
  std::string error() const;

  class Impl;

 private:
  struct State;
  LineStream() = default;
  std::shared_ptr<Impl> impl_;
  std::shared_ptr<State> state_;
  std::future<void> done_;
};

class LoadClient {
 public:
  LoadClient(Endpoint endpoint, int threads);
  ~LoadClient();
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;

  // `concurrency` connections send make(n) (n = 0, 1, 2, … across all of them) until
  // `seconds` have passed (when > 0) or `total` requests were sent (when > 0).
  LoadResult Run(int concurrency, double seconds, int64_t total,
                 const std::function<HttpRequest(int64_t n)>& make, int expect_status);

  // Opens `watchers` streams of GET `watch_target` (a watch from a resourceVersion), then for
  // i = 0 … writes-1 sends write(i) on a separate connection and waits (up to
  // `per_write_timeout_s`) until every stream has received the event of the object named
  // name_prefix + i, timing each receipt from just before the write was sent.
  FanOutResult WatchFanOut(int watchers, const std::string& watch_target, int writes,
                           const std::function<HttpRequest(int i)>& write,
                           const std::string& name_prefix, double per_write_timeout_s);

  class Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::bench::api
