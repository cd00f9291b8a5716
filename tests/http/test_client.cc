#include "http/test_client.h"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

namespace carrier::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return "";
}

bool ClientResponse::HasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return true;
  }
  return false;
}

class TestClient::Impl {
 public:
  Impl(uint16_t port, bool tls) : port_(port), tls_(tls), ctx_(asio::ssl::context::tls_client) {
    ctx_.set_verify_mode(asio::ssl::verify_none);
    static const unsigned char kAlpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx_.native_handle(), kAlpn, sizeof(kAlpn) - 1);
  }

  Status Connect() {
    beast::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
    ++opened_;
    if (tls_) {
      tls_stream_.emplace(io_, ctx_);
      beast::get_lowest_layer(*tls_stream_).connect(ep, ec);
      if (!ec) tls_stream_->handshake(asio::ssl::stream_base::client, ec);
      if (!ec) {
        const unsigned char* proto = nullptr;
        unsigned int len = 0;
        SSL_get0_alpn_selected(tls_stream_->native_handle(), &proto, &len);
        alpn_.assign(reinterpret_cast<const char*>(proto), len);
      }
    } else {
      plain_.emplace(io_);
      plain_->connect(ep, ec);
    }
    if (ec) {
      Reset();
      return Unavailable("connect: " + ec.message());
    }
    buffer_.clear();
    return Status::Ok();
  }

  void Reset() {
    plain_.reset();
    tls_stream_.reset();
  }
  bool connected() const { return plain_.has_value() || tls_stream_.has_value(); }

  template <class F>
  auto WithStream(F&& f) {
    if (tls_) return f(*tls_stream_);
    return f(*plain_);
  }

  Result<ClientResponse> Do(std::string_view method, std::string_view target,
                            std::vector<std::pair<std::string, std::string>> headers,
                            std::string body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = !connected();
      if (fresh) CARRIER_RETURN_IF_ERROR(Connect());
      bhttp::request<bhttp::string_body> req;
      req.method_string(method);
      req.target(target);
      req.version(11);
      req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
      for (auto& [k, v] : headers) req.insert(k, v);
      bool is_head = method == "HEAD";
      bool explicit_length = false;
      for (auto& [k, v] : headers) {
        if (beast::iequals(k, "Content-Length") || beast::iequals(k, "Transfer-Encoding")) {
          explicit_length = true;
        }
      }
      req.body() = std::move(body);
      if (!explicit_length && (!req.body().empty() || method == "PUT" || method == "POST" ||
                               method == "PATCH")) {
        req.prepare_payload();
      }
      beast::error_code ec;
      WithStream([&](auto& s) { bhttp::write(s, req, ec); return 0; });
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(boost::none);
      if (is_head) parser.skip(true);
      if (!ec) WithStream([&](auto& s) { bhttp::read(s, buffer_, parser, ec); return 0; });
      if (ec) {
        Reset();
        if (!fresh) {  // a kept-alive connection the server closed: retry once on a new one
          body = std::move(req.body());
          continue;
        }
        return Unavailable("request failed: " + ec.message());
      }
      auto& res = parser.get();
      ClientResponse out;
      out.status = res.result_int();
      for (const auto& f : res) {
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
      out.body = std::move(res.body());
      if (!res.keep_alive()) Reset();
      return out;
    }
    return Unavailable("request failed twice");
  }

  uint16_t port_;
  bool tls_;
  asio::io_context io_;
  asio::ssl::context ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  std::string alpn_;
  int opened_ = 0;
};

TestClient::TestClient(uint16_t port, bool tls) : impl_(std::make_unique<Impl>(port, tls)) {}
TestClient::~TestClient() = default;

Result<ClientResponse> TestClient::Do(std::string_view method, std::string_view target,
                                      std::vector<std::pair<std::string, std::string>> headers,
                                      std::string body) {
  return impl_->Do(method, target, std::move(headers), std::move(body));
}

std::string TestClient::alpn() const { return impl_->alpn_; }
int TestClient::connections_opened() const { return impl_->opened_; }

RawConnection::RawConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Close();
}

RawConnection::~RawConnection() { Close(); }

bool RawConnection::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string RawConnection::ReadUntil(std::string_view needle) {
  while (pending_.find(needle) == std::string::npos) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) break;
    pending_.append(buf, static_cast<size_t>(n));
  }
  size_t at = pending_.find(needle);
  size_t end = at == std::string::npos ? pending_.size() : at + needle.size();
  std::string out = pending_.substr(0, end);
  pending_.erase(0, end);
  return out;
}

bool RawConnection::WaitClosed() {
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return true;
    pending_.append(buf, static_cast<size_t>(n));
  }
}

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace carrier::http::testing

namespace carrier::http::testing {

namespace {

std::string CertificatePem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

}  // namespace

TlsProbe::TlsProbe(uint16_t port, const std::string& server_name, const ClientCertificate* client) {
  // SSL_write on a connection the server closed (a removed listener) must fail, not raise
  // SIGPIPE in the test process.
  signal(SIGPIPE, SIG_IGN);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    error_ = std::string("connect: ") + std::strerror(errno);
    return;
  }
  timeval timeout{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  if (client != nullptr) {
    BIO* cert_bio = BIO_new_mem_buf(client->cert_pem.data(), static_cast<int>(client->cert_pem.size()));
    BIO* key_bio = BIO_new_mem_buf(client->key_pem.data(), static_cast<int>(client->key_pem.size()));
    X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cert_bio);
    BIO_free(key_bio);
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd_);
  if (!server_name.empty()) SSL_set_tlsext_host_name(ssl, server_name.c_str());
  if (SSL_connect(ssl) != 1) {
    error_ = "TLS handshake failed";
    SSL_free(ssl);
    return;
  }
  ssl_ = ssl;
  if (X509* leaf = SSL_get0_peer_certificate(ssl)) leaf_pem_ = CertificatePem(leaf);
}

TlsProbe::~TlsProbe() {
  if (ssl_ != nullptr) SSL_free(static_cast<SSL*>(ssl_));
  if (ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

std::string TlsProbe::Get(const std::string& target) {
  if (ssl_ == nullptr) return "";
  SSL* ssl = static_cast<SSL*>(ssl_);
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n";
  if (SSL_write(ssl, request.data(), static_cast<int>(request.size())) <= 0) return "";
  std::string out;
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool TlsProbe::WaitClosed() {
  if (ssl_ == nullptr) return true;
  char buf[256];
  for (;;) {
    int n = SSL_read(static_cast<SSL*>(ssl_), buf, sizeof buf);
    if (n > 0) continue;
    const int err = SSL_get_error(static_cast<SSL*>(ssl_), n);
    // EOF or reset: closed. A receive timeout (10 s) leaves the connection open.
    return !(err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
  }
}

}  // namespace carrier::http::testing
