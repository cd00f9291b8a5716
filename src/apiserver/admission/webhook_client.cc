#include "apiserver/admission/webhook_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace carrier::apiserver::admission {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Result<WebhookEndpoint> EndpointFromUrl(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "https" || parsed->host().empty()) {
    return Status(Code::kInvalidArgument, "webhook URL must be https: " + url);
  }
  WebhookEndpoint e;
  e.host = std::string(parsed->encoded_host());
  if (!e.host.empty() && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  e.server_name = e.host;
  if (parsed->has_port()) e.port = std::string(parsed->port());
  e.path = std::string(parsed->encoded_path());
  if (e.path.empty()) e.path = "/";
  if (parsed->has_query()) e.path += "?" + std::string(parsed->encoded_query());
  return e;
}

Result<std::string> PostJson(const WebhookEndpoint& endpoint, const std::string& body,
                             std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (endpoint.ca_bundle_pem.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.add_certificate_authority(asio::buffer(endpoint.ca_bundle_pem), ec);
    if (ec) return Status(Code::kUnavailable, "the caBundle is not valid PEM: " + ec.message());
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), endpoint.server_name.c_str());
  // Verify the certificate's names (or IP address) against the server name.
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, endpoint.server_name.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, endpoint.server_name.c_str(), 0);
  }

  std::string response_body;
  int status_code = 0;
  std::string failure;
  bool timed_out = false;
  tcp::resolver resolver(ioc);
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, endpoint.path, 11};
  req.set(bhttp::field::host, endpoint.server_name);
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::accept, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;

  beast::get_lowest_layer(stream).expires_after(timeout);
  auto fail = [&](const char* what, boost::system::error_code e) {
    if (e == beast::error::timeout) {
      timed_out = true;
    } else {
      failure = std::string(what) + ": " + e.message();
    }
  };
  resolver.async_resolve(endpoint.host, endpoint.port, [&](auto e, tcp::resolver::results_type r) {
    if (e) return fail("resolve", e);
    beast::get_lowest_layer(stream).async_connect(r, [&](auto e2, auto) {
      if (e2) return fail("dial", e2);
      stream.async_handshake(asio::ssl::stream_base::client, [&](auto e3) {
        if (e3) return fail("tls", e3);
        bhttp::async_write(stream, req, [&](auto e4, size_t) {
          if (e4) return fail("write", e4);
          bhttp::async_read(stream, buffer, res, [&](auto e5, size_t) {
            if (e5) return fail("read", e5);
            status_code = static_cast<int>(res.result_int());
            response_body = std::move(res.body());
          });
        });
      });
    });
  });
  // The resolver has no timer of its own: bound the whole run.
  ioc.run_for(timeout + std::chrono::milliseconds(100));
  if (!ioc.stopped()) {
    ioc.stop();
    timed_out = status_code == 0;
  }
  if (timed_out) return Status(Code::kTimeout, "context deadline exceeded");
  if (!failure.empty()) return Status(Code::kUnavailable, failure);
  if (status_code < 200 || status_code >= 300) {
    return Status(Code::kInternal, "the server responded with status " +
                                       std::to_string(status_code) + ": " + response_body);
  }
  return response_body;
}

}  // namespace carrier::apiserver::admission
