// Kubeconfig reading as kubectl does it.
#include "client/kubeconfig.h"

#include <gtest/gtest.h>

#include "base/base64.h"

namespace carrier::client {
namespace {

TEST(Kubeconfig, CurrentContextInlineDataAndTlsServerName) {
  const std::string text = R"(apiVersion: v1
kind: Config
current-context: b
clusters:
- name: one
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: )" + Base64Encode("CA-A") + R"(}
- name: two
  cluster: {server: "https://127.0.0.1:6443/clusters/t/", certificate-authority-data: )" + Base64Encode("CA-B") + R"(, tls-server-name: api.demo.example.com}
contexts:
- {name: a, context: {cluster: one, user: u}}
- {name: b, context: {cluster: two, user: u}}
users:
- name: u
  user: {client-certificate-data: )" + Base64Encode("CERT") + ", client-key-data: " + Base64Encode("KEY") + R"(}
)";
  auto c = ParseKubeconfig(text, "/tmp");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443/clusters/t");
  EXPECT_EQ(c->ca_pem, "CA-B");
  EXPECT_EQ(c->tls_server_name, "api.demo.example.com");
  EXPECT_EQ(c->cert_pem, "CERT");
  EXPECT_EQ(c->key_pem, "KEY");
  auto a = ParseKubeconfig(text, "/tmp", "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->server, "https://10.0.0.1:6443");
}

TEST(Kubeconfig, ClearErrors) {
  EXPECT_EQ(ParseKubeconfig("kind: Config\n", "/").status().message(), "no current-context is set");
  EXPECT_EQ(ParseKubeconfig("current-context: x\n", "/").status().message(), "context \"x\" not found");
  EXPECT_EQ(ParseKubeconfig("[1, 2", "/").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace carrier::client
