// SNI certificate selection and listeners added and removed at runtime.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "base/x509.h"
#include "http/self_signed.h"
#include "http/server.h"
#include "http/test_client.h"

namespace carrier::http {
namespace {

using testing::TlsProbe;

std::string CommonName(const std::string& pem) {
  auto subject = x509::ReadSubject(pem);
  return subject.ok() ? subject->common_name : "unreadable certificate";
}

TlsIdentity Identity(const x509::KeyPair& ca, const std::string& name) {
  auto pair = x509::IssueCertificate(ca, {name, {}, {name}, true, false});
  EXPECT_TRUE(pair.ok());
  return {pair->cert_pem + ca.cert_pem, pair->key_pem};
}

// A TLS server (default certificate CN "default") that answers with the SNI name and the
// listener a request came in on; SNI names map to contexts through `by_name`.
class ListenersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "carrier-http-listeners-XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    ASSERT_TRUE(WriteSelfSignedCertificate(dir_ + "/tls.crt", dir_ + "/tls.key", {"default"}).ok());
    auto ca = x509::CreateCertificateAuthority("test-ca");
    ASSERT_TRUE(ca.ok());
    ca_ = *ca;
    ServerOptions opt;
    opt.threads = 2;
    opt.tls_cert_file = dir_ + "/tls.crt";
    opt.tls_key_file = dir_ + "/tls.key";
    opt.tls_context_for_server_name = [this](std::string_view name) {
      std::lock_guard lock(mu_);
      auto it = by_name_.find(std::string(name));
      return it == by_name_.end() ? nullptr : it->second;
    };
    auto server = Server::Start(opt, [](std::shared_ptr<Exchange> ex) {
      const Request& r = ex->request();
      ex->Respond(Response::Text(200, "sni=" + r.server_name + " listener=" +
                                          std::to_string(r.listener)));
    });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::shared_ptr<const TlsContext> Context(const std::string& name) {
    auto context = server_->NewTlsContext(Identity(ca_, name));
    EXPECT_TRUE(context.ok()) << context.status().ToString();
    return context.ok() ? *context : nullptr;
  }
  void Map(const std::string& name, std::shared_ptr<const TlsContext> context) {
    std::lock_guard lock(mu_);
    by_name_[name] = std::move(context);
  }
  static std::string Body(const std::string& response) {
    const size_t end = response.find("\r\n\r\n");
    return end == std::string::npos ? "no response: [" + response + "]" : response.substr(end + 4);
  }

  std::string dir_;
  x509::KeyPair ca_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const TlsContext>> by_name_;
  std::unique_ptr<Server> server_;
};

TEST_F(ListenersTest, SniPicksTheCertificateAndUnknownNamesGetTheDefault) {
  Map("a.example.com", Context("a.example.com"));
  Map("b.example.com", Context("b.example.com"));
  for (const std::string name : {"a.example.com", "b.example.com"}) {
    TlsProbe probe(server_->port(), name);
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(CommonName(probe.server_certificate_pem()), name);
    EXPECT_EQ(Body(probe.Get("/")), "sni=" + name + " listener=0");
  }
  TlsProbe unknown(server_->port(), "c.example.com");
  ASSERT_TRUE(unknown.ok()) << unknown.error();
  EXPECT_EQ(CommonName(unknown.server_certificate_pem()), "default");
  EXPECT_EQ(Body(unknown.Get("/")), "sni=c.example.com listener=0");
  TlsProbe none(server_->port(), "");
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(CommonName(none.server_certificate_pem()), "default");
  EXPECT_EQ(Body(none.Get("/")), "sni= listener=0");
}

TEST_F(ListenersTest, ANewContextForANameSwitchesNewHandshakesOnly) {
  Map("a.example.com", Context("a.example.com"));
  TlsProbe before(server_->port(), "a.example.com");
  ASSERT_TRUE(before.ok()) << before.error();
  const std::string first = before.server_certificate_pem();
  Map("a.example.com", Context("a.example.com"));  // a renewed certificate
  TlsProbe after(server_->port(), "a.example.com");
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_EQ(CommonName(after.server_certificate_pem()), "a.example.com");
  EXPECT_NE(after.server_certificate_pem(), first);
  // The connection made before still works with its context.
  EXPECT_EQ(Body(before.Get("/")), "sni=a.example.com listener=0");
}

TEST_F(ListenersTest, AddedListenerPresentsItsOwnCertificateAndRemoveClosesEverything) {
  auto listener = server_->AddListener("127.0.0.1", 0, Context("nodeport.example.com"));
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  ASSERT_NE(listener->id, 0u);
  ASSERT_NE(listener->port, server_->port());
  {
    // The listener's certificate whatever the SNI name (SNI selection is the main listener's).
    Map("a.example.com", Context("a.example.com"));
    TlsProbe probe(listener->port, "a.example.com");
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(CommonName(probe.server_certificate_pem()), "nodeport.example.com");
    EXPECT_EQ(Body(probe.Get("/")), "sni=a.example.com listener=" + std::to_string(listener->id));
  }
  // A renewed certificate reaches new handshakes.
  ASSERT_TRUE(server_->SetListenerContext(listener->id, Context("renewed.example.com")).ok());
  {
    TlsProbe probe(listener->port, "");
    ASSERT_TRUE(probe.ok()) << probe.error();
    EXPECT_EQ(CommonName(probe.server_certificate_pem()), "renewed.example.com");
  }
  EXPECT_EQ(server_->SetListenerContext(0, Context("x")).code(), Code::kNotFound);
  // An idle keep-alive connection on the listener, then the listener goes away.
  TlsProbe open(listener->port, "");
  ASSERT_TRUE(open.ok()) << open.error();
  server_->RemoveListener(listener->id);
  EXPECT_TRUE(open.WaitClosed());
  EXPECT_EQ(server_->SetListenerContext(listener->id, Context("x")).code(), Code::kNotFound);
  TlsProbe refused(listener->port, "");
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("connect"), std::string::npos) << refused.error();
  // The main listener is untouched, and removing again or removing 0 does nothing.
  server_->RemoveListener(listener->id);
  server_->RemoveListener(0);
  TlsProbe main(server_->port(), "");
  ASSERT_TRUE(main.ok()) << main.error();
  EXPECT_EQ(Body(main.Get("/")), "sni= listener=0");
}

TEST_F(ListenersTest, ListenerErrorsAreReported) {
  auto context = Context("x.example.com");
  auto busy = server_->AddListener("127.0.0.1", server_->port(), context);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), Code::kUnavailable);
  auto bad_address = server_->AddListener("not-an-address", 0, context);
  ASSERT_FALSE(bad_address.ok());
  EXPECT_EQ(bad_address.status().code(), Code::kInvalidArgument);
  auto no_context = server_->AddListener("127.0.0.1", 0, nullptr);
  EXPECT_FALSE(no_context.ok());
  auto bad_identity = server_->NewTlsContext({"not a certificate", "not a key"});
  ASSERT_FALSE(bad_identity.ok());
  EXPECT_EQ(bad_identity.status().code(), Code::kInvalidArgument);
  auto other = x509::CreateCertificateAuthority("other");
  ASSERT_TRUE(other.ok());
  auto mismatched = server_->NewTlsContext({Identity(ca_, "x").cert_chain_pem, other->key_pem});
  EXPECT_FALSE(mismatched.ok());

  auto plain = Server::Start(ServerOptions{}, [](std::shared_ptr<Exchange>) {});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->NewTlsContext(Identity(ca_, "x")).ok());
  EXPECT_FALSE((*plain)->AddListener("127.0.0.1", 0, context).ok());
}

TEST_F(ListenersTest, StopClosesAddedListeners) {
  auto listener = server_->AddListener("127.0.0.1", 0, Context("n.example.com"));
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  TlsProbe open(listener->port, "");
  ASSERT_TRUE(open.ok()) << open.error();
  server_->Stop();
  EXPECT_TRUE(open.WaitClosed());
  EXPECT_FALSE(TlsProbe(listener->port, "").ok());
  EXPECT_FALSE(server_->AddListener("127.0.0.1", 0, Context("m.example.com")).ok());
}

}  // namespace
}  // namespace carrier::http
