#pragma once
// A small blocking HTTP/1.1 client for tests: one keep-alive connection (plain or TLS
// without certificate verification) to a loopback server.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace carrier::http::testing {

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header named `name` (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

class TestClient {
 public:
  TestClient(uint16_t port, bool tls = false);
  ~TestClient();

  // Sends one request on the (re)opened connection and reads the whole response.
  Result<ClientResponse> Do(std::string_view method, std::string_view target,
                            std::vector<std::pair<std::string, std::string>> headers = {},
                            std::string body = "");
  Result<ClientResponse> Get(std::string_view target) { return Do("GET", target); }

  // The ALPN protocol the server picked ("" for none or plain TCP).
  std::string alpn() const;
  // How many TCP connections this client opened so far (keep-alive checks).
  int connections_opened() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A raw TCP connection for tests that need to send bytes by hand or read a stream slowly.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  bool Send(std::string_view data);
  // Reads until `needle` has been seen (or EOF / error / 10 s); returns everything read.
  std::string ReadUntil(std::string_view needle);
  // True when the peer closed the connection (waits up to 10 s for EOF).
  bool WaitClosed();
  void Close();

 private:
  int fd_ = -1;
  std::string pending_;
};

}  // namespace carrier::http::testing
