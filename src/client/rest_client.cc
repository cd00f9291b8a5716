#include "client/rest_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace carrier::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

RestClient::RestClient(ClientConfig config, std::chrono::milliseconds timeout)
    : config_(std::move(config)), timeout_(timeout) {
  auto parsed = boost::urls::parse_uri(config_.server);
  if (!parsed || parsed->scheme() != "https" || parsed->host().empty()) {
    url_error_ = Status(Code::kInvalidArgument, "the server must be an https:// URL: " + config_.server);
    return;
  }
  host_ = std::string(parsed->encoded_host());
  if (!host_.empty() && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
  port_ = parsed->has_port() ? std::string(parsed->port()) : "443";
  prefix_ = std::string(parsed->encoded_path());
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

Result<Response> RestClient::Do(const std::string& method, const std::string& path,
                                const std::string& body, const std::string& content_type) {
  if (!url_error_.ok()) return url_error_;
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (config_.insecure_skip_tls_verify) {
    ctx.set_verify_mode(asio::ssl::verify_none);
  } else {
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (config_.ca_pem.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.add_certificate_authority(asio::buffer(config_.ca_pem), ec);
    }
    if (ec) return Status(Code::kUnavailable, "the certificate authority is not valid PEM: " + ec.message());
  }
  if (!config_.cert_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(config_.cert_pem), ec);
    if (!ec) ctx.use_private_key(asio::buffer(config_.key_pem), asio::ssl::context::pem, ec);
    if (ec) return Status(Code::kInvalidArgument, "the client certificate or key is not valid PEM");
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  const std::string server_name = config_.tls_server_name.empty() ? host_ : config_.tls_server_name;
  SSL_set_tlsext_host_name(stream.native_handle(), server_name.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
  }

  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), prefix_ + path, 11};
  req.set(bhttp::field::host, host_ + ":" + port_);
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::user_agent, "hcp (carrier)");
  if (!config_.token.empty()) req.set(bhttp::field::authorization, "Bearer " + config_.token);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  std::string failure;
  bool timed_out = false;
  Response out;
  beast::get_lowest_layer(stream).expires_after(timeout_);
  tcp::resolver resolver(ioc);
  auto fail = [&](const char* what, boost::system::error_code e) {
    if (e == beast::error::timeout) {
      timed_out = true;
    } else {
      failure = std::string(what) + ": " + e.message();
    }
  };
  resolver.async_resolve(host_, port_, [&](auto e, tcp::resolver::results_type r) {
    if (e) return fail("resolve", e);
    beast::get_lowest_layer(stream).async_connect(r, [&](auto e2, auto) {
      if (e2) return fail("dial", e2);
      stream.async_handshake(asio::ssl::stream_base::client, [&](auto e3) {
        if (e3) return fail("tls", e3);
        bhttp::async_write(stream, req, [&](auto e4, size_t) {
          if (e4) return fail("write", e4);
          bhttp::async_read(stream, buffer, res, [&](auto e5, size_t) {
            if (e5) return fail("read", e5);
            out.status = static_cast<int>(res.result_int());
            out.body = std::move(res.body());
          });
        });
      });
    });
  });
  // The resolver has no timer of its own: bound the whole run.
  ioc.run_for(timeout_ + std::chrono::milliseconds(100));
  if (!ioc.stopped()) {
    ioc.stop();
    timed_out = out.status == 0;
  }
  if (timed_out) return Status(Code::kTimeout, "context deadline exceeded");
  if (!failure.empty()) return Status(Code::kUnavailable, failure);
  if (out.status == 0) return Status(Code::kTimeout, "context deadline exceeded");
  return out;
}

std::string ErrorMessage(const Response& response) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* m = v.get_object().if_contains("message"); m && m->is_string()) {
      return std::string(m->get_string());
    }
  }
  return "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
}

}  // namespace carrier::client
