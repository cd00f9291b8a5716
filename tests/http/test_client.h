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

namespace carrier::http::testing {

// One TLS connection to a loopback port, made by hand so a test controls what the client
// sends: the SNI name and an optional client certificate. The server's certificate is not
// verified; the test reads it.
class TlsProbe {
 public:
  struct ClientCertificate {
    std::string cert_pem;
    std::string key_pem;
  };
  // Connects and handshakes; ok() is false when either failed (error() says why).
  TlsProbe(uint16_t port, const std::string& server_name,
           const ClientCertificate* client = nullptr);
  ~TlsProbe();
  TlsProbe(const TlsProbe&) = delete;
  TlsProbe& operator=(const TlsProbe&) = delete;

  bool ok() const { return ssl_ != nullptr; }
  const std::string& error() const { return error_; }
  // The certificate the server presented (leaf, PEM).
  const std::string& server_certificate_pem() const { return leaf_pem_; }
  // Sends `GET <target>` with Connection: close and returns the raw response (head and body)
  // read to EOF; "" when the connection failed or was closed.
  std::string Get(const std::string& target);
  // True when the server closes the connection (waits up to 10 s).
  bool WaitClosed();

 private:
  int fd_ = -1;
  void* ctx_ = nullptr;  // SSL_CTX
  void* ssl_ = nullptr;  // SSL
  std::string error_;
  std::string leaf_pem_;
};

}  // namespace carrier::http::testing
