#include "storage/etcd/tls_probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace carrier::storage::etcd {
namespace {

constexpr int kTimeoutSeconds = 1;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Ctx = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

Cert ReadCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Cert cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::string LastSslError() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown error";
}

// A connected TCP socket with send and receive timeouts, or -1 with `error` set.
int Connect(const std::string& host, const std::string& port, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{kTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // bounds connect too
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      error = std::strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

std::string ProbeTls(const std::string& target, const TlsMaterial& tls) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) return "";
  std::string host = target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string error;
  const int fd = Connect(host, target.substr(colon + 1), error);
  if (fd < 0) return error;

  Ctx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return "";
  if (Cert ca = ReadCert(tls.ca_pem)) X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca.get());
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!tls.cert_pem.empty()) {
    Cert cert = ReadCert(tls.cert_pem);
    BIO* bio = BIO_new_mem_buf(tls.key_pem.data(), static_cast<int>(tls.key_pem.size()));
    Key key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    if (cert) SSL_CTX_use_certificate(ctx.get(), cert.get());
    if (key) SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  }
  Ssl ssl(SSL_new(ctx.get()));
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  in6_addr ip;
  if (inet_pton(AF_INET, host.c_str(), &ip) == 1 || inet_pton(AF_INET6, host.c_str(), &ip) == 1) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  }
  SSL_set_fd(ssl.get(), fd);
  std::string why;
  if (SSL_connect(ssl.get()) != 1) {
    const long verified = SSL_get_verify_result(ssl.get());
    why = verified != X509_V_OK
              ? "the etcd's certificate is not trusted: " +
                    std::string(X509_verify_cert_error_string(verified))
              : "TLS handshake failed: " + LastSslError();
  } else {
    // A server that rejects the client certificate says so once it has seen our Finished.
    char byte;
    if (SSL_read(ssl.get(), &byte, 1) <= 0 && SSL_get_error(ssl.get(), 0) == SSL_ERROR_SSL) {
      why = "the etcd rejected the client certificate (" + LastSslError() + ")";
    }
  }
  ERR_clear_error();
  ssl.reset();
  close(fd);
  return why;
}

}  // namespace carrier::storage::etcd
