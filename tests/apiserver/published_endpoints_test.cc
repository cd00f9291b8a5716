// The publishing registry: SNI host names and NodePort listeners → hosted clusters, each
// with its own certificate, on a real TLS server.
#include "apiserver/published_endpoints.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "base/x509.h"
#include "http/self_signed.h"
#include "http/test_client.h"

namespace carrier::apiserver {
namespace {

using http::testing::TlsProbe;

// A loopback port that was free a moment ago.
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string CommonName(const std::string& pem) {
  auto subject = x509::ReadSubject(pem);
  return subject.ok() ? subject->common_name : "unreadable certificate";
}

std::string Body(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "no response" : response.substr(end + 4);
}

class PublishedEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "carrier-published-XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    ASSERT_TRUE(http::WriteSelfSignedCertificate(dir_ + "/tls.crt", dir_ + "/tls.key", {"management"}).ok());
    port_a_ = FreePort();
    port_b_ = FreePort();
    endpoints_ = std::make_unique<PublishedEndpoints>(
        hosted::NodePortRange{std::min(port_a_, port_b_), std::max(port_a_, port_b_)});
    http::ServerOptions opt;
    opt.threads = 2;
    opt.tls_cert_file = dir_ + "/tls.crt";
    opt.tls_key_file = dir_ + "/tls.key";
    opt.tls_context_for_server_name = [this](std::string_view name) {
      return endpoints_->ContextFor(name);
    };
    // Answers with the cluster and path the registry routes the request to.
    auto server = http::Server::Start(opt, [this](std::shared_ptr<http::Exchange> ex) {
      auto info = endpoints_->Parse(ex->request(), ex->request().path, false);
      if (!info.ok()) return ex->Respond(http::Response::Text(CodeHttpStatus(info.status().code()), "error"));
      ex->Respond(http::Response::Text(200, info->cluster + " " + info->path));
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    endpoints_->Attach(server_.get(), "127.0.0.1", "127.0.0.1");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A serving certificate with CN `name` from a new CA.
  static hosted::PublishedApiServer Serving(const std::string& name) {
    auto ca = x509::CreateCertificateAuthority("ca." + name);
    auto pair = x509::IssueCertificate(*ca, {name, {}, {name}, true, false});
    hosted::PublishedApiServer p;
    p.serving_cert_pem = pair->cert_pem;
    p.serving_key_pem = pair->key_pem;
    return p;
  }

  std::string dir_;
  uint16_t port_a_ = 0, port_b_ = 0;
  std::unique_ptr<PublishedEndpoints> endpoints_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(PublishedEndpointsTest, RouteHostNamesGetTheClustersCertificateAndPlainPaths) {
  auto a = Serving("api.a.example.com");
  a.route_hostnames = {"api.a.example.com", "API.A2.example.com"};
  ASSERT_TRUE(endpoints_->Publish("clusters-a", a).ok());
  ASSERT_TRUE(endpoints_->Publish("clusters-a", a).ok());  // idempotent
  for (const std::string name : {"api.a.example.com", "api.a2.example.com", "Api.A.Example.Com"}) {
    TlsProbe probe(server_->port(), name);
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(CommonName(probe.server_certificate_pem()), "api.a.example.com") << name;
    EXPECT_EQ(Body(probe.Get("/api/v1/namespaces")), "clusters-a /api/v1/namespaces") << name;
  }
  TlsProbe prefixed(server_->port(), "api.a.example.com");
  EXPECT_EQ(prefixed.Get("/clusters/clusters-b/api/v1/namespaces").substr(0, 12), "HTTP/1.1 404");
  // Unknown names and no SNI: the management certificate and path routing as before.
  TlsProbe unknown(server_->port(), "api.b.example.com");
  EXPECT_EQ(CommonName(unknown.server_certificate_pem()), "management");
  EXPECT_EQ(Body(unknown.Get("/clusters/clusters-b/api/v1/pods")), "clusters-b /api/v1/pods");
  TlsProbe none(server_->port(), "");
  EXPECT_EQ(Body(none.Get("/api/v1/pods")), "root /api/v1/pods");
  EXPECT_EQ(endpoints_->shared_port(), server_->port());
  EXPECT_EQ(endpoints_->shared_host(), "127.0.0.1");
}

TEST_F(PublishedEndpointsTest, NodePortListenerServesOnlyItsCluster) {
  auto a = Serving("a-nodeport");
  a.node_port = port_a_;  // bound at the shared listener's address
  ASSERT_TRUE(endpoints_->Publish("clusters-a", a).ok());
  {
    TlsProbe probe(port_a_, "api.other.example.com");
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(CommonName(probe.server_certificate_pem()), "a-nodeport");
    EXPECT_EQ(Body(probe.Get("/apis/apps/v1/deployments")), "clusters-a /apis/apps/v1/deployments");
  }
  TlsProbe prefixed(port_a_, "");
  EXPECT_EQ(prefixed.Get("/clusters/root/api/v1/secrets").substr(0, 12), "HTTP/1.1 404");

  // A renewed certificate: same listener, new handshakes present it.
  auto renewed = Serving("a-renewed");
  renewed.node_port = port_a_;
  renewed.node_port_bind_address = "127.0.0.1";
  TlsProbe before(port_a_, "");
  ASSERT_TRUE(endpoints_->Publish("clusters-a", renewed).ok());
  TlsProbe after(port_a_, "");
  EXPECT_EQ(CommonName(after.server_certificate_pem()), "a-renewed");
  EXPECT_EQ(Body(before.Get("/version")), "clusters-a /version");

  // Moving to another port closes the first.
  renewed.node_port = port_b_;
  ASSERT_TRUE(endpoints_->Publish("clusters-a", renewed).ok());
  EXPECT_FALSE(TlsProbe(port_a_, "").ok());
  TlsProbe moved(port_b_, "");
  EXPECT_EQ(Body(moved.Get("/version")), "clusters-a /version");

  endpoints_->Unpublish("clusters-a");
  EXPECT_FALSE(TlsProbe(port_b_, "").ok());
  endpoints_->Unpublish("clusters-a");  // unknown: nothing happens
}

TEST_F(PublishedEndpointsTest, ConflictsAndBadInputLeaveThePublicationAsItWas) {
  auto a = Serving("a");
  a.route_hostnames = {"api.a.example.com"};
  a.node_port = port_a_;
  a.node_port_bind_address = "127.0.0.1";
  ASSERT_TRUE(endpoints_->Publish("clusters-a", a).ok());

  auto b = Serving("b");
  b.route_hostnames = {"api.a.example.com"};
  EXPECT_EQ(endpoints_->Publish("clusters-b", b).code(), Code::kAlreadyExists);
  b.route_hostnames = {"api.b.example.com"};
  b.node_port = port_a_;
  b.node_port_bind_address = "127.0.0.1";
  Status taken = endpoints_->Publish("clusters-b", b);
  EXPECT_EQ(taken.code(), Code::kAlreadyExists);
  EXPECT_NE(taken.message().find("clusters-a"), std::string::npos) << taken.message();
  b.node_port = static_cast<uint16_t>(std::max(port_a_, port_b_) + 1);
  EXPECT_EQ(endpoints_->Publish("clusters-b", b).code(), Code::kInvalidArgument);
  // Nothing of b is served after the failures.
  TlsProbe b_name(server_->port(), "api.b.example.com");
  EXPECT_EQ(CommonName(b_name.server_certificate_pem()), "management");

  // A port the operating system has busy (here: the shared listener's, outside any range is
  // refused first, so use a range of that port).
  PublishedEndpoints own_range(hosted::NodePortRange{server_->port(), server_->port()});
  own_range.Attach(server_.get(), "127.0.0.1", "127.0.0.1");
  auto c = Serving("c");
  c.node_port = server_->port();
  c.node_port_bind_address = "127.0.0.1";
  EXPECT_EQ(own_range.Publish("clusters-c", c).code(), Code::kUnavailable);

  auto broken = a;
  broken.serving_key_pem.clear();
  EXPECT_EQ(endpoints_->Publish("clusters-a", broken).code(), Code::kInvalidArgument);
  broken = a;
  broken.serving_cert_pem = "garbage";
  EXPECT_EQ(endpoints_->Publish("clusters-a", broken).code(), Code::kInvalidArgument);
  // a is still served as before.
  TlsProbe still(server_->port(), "api.a.example.com");
  EXPECT_EQ(CommonName(still.server_certificate_pem()), "a");
  TlsProbe still_port(port_a_, "");
  EXPECT_EQ(Body(still_port.Get("/healthz")), "clusters-a /healthz");

  PublishedEndpoints unattached(hosted::NodePortRange{});
  auto route_only = a;
  route_only.node_port = 0;
  EXPECT_EQ(unattached.Publish("clusters-a", route_only).code(), Code::kUnavailable);
}

}  // namespace
}  // namespace carrier::apiserver
