// Service publishing of the API server, with a recording publisher.
#include "hosted/service_publishing.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "storage/sqlite_test_util.h"

namespace carrier::hosted {
namespace {

namespace json = boost::json;

// Holds what was published; ports in `busy` are refused as the OS would refuse them.
class FakePublisher : public ServicePublisher {
 public:
  Status Publish(const std::string& cluster, const PublishedApiServer& p) override {
    if (p.node_port != 0 && !node_port_range().Contains(p.node_port)) return InvalidArgument("outside");
    if (busy.count(p.node_port)) return Unavailable("address in use");
    for (const auto& [other, published] : by_cluster) {
      if (other != cluster && p.node_port != 0 && published.node_port == p.node_port) {
        return AlreadyExists("node port held by " + other);
      }
    }
    by_cluster[cluster] = p;
    return Status::Ok();
  }
  void Unpublish(const std::string& cluster) override { by_cluster.erase(cluster); }
  NodePortRange node_port_range() const override { return {30000, 30009}; }
  std::string shared_host() const override { return "127.0.0.1"; }
  uint16_t shared_port() const override { return 6443; }

  std::map<std::string, PublishedApiServer> by_cluster;
  std::set<uint16_t> busy;
};

class ServicePublishingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.root_ca = {"ROOT CA\n", "ROOT KEY\n"};
    pki_.serving = {"SERVING\n", "SERVING KEY\n"};
  }
  Result<ApiServerEndpoint> Publish(const std::string& name, const std::string& services,
                                    ServicePublisher* publisher) {
    spec_ = json::parse(R"({"dns":{"baseDomain":"example.com"},"services":)" + services + "}")
                .as_object();
    PublishingInput in{"clusters/" + name, name, "clusters-" + name, &spec_, &pki_,
                       "https://127.0.0.1:6443", "MANAGEMENT CA"};
    return PublishApiServer(*store_, publisher, in);
  }
  int64_t ServiceNodePort(const std::string& cp) {
    auto got = controllers::GetObject(*store_, "/root/core/services/" + cp + "/kube-apiserver");
    EXPECT_TRUE(got.ok() && *got) << cp;
    if (!got.ok() || !*got) return -1;
    const json::object* spec = controllers::ObjectAt((*got)->object, "spec");
    EXPECT_EQ(controllers::StringAt(spec, "type"), "NodePort");
    const json::array* ports = controllers::ArrayAt(spec, "ports");
    EXPECT_EQ(controllers::IntAt((*ports)[0].if_object(), "port", 0), 6443);
    return controllers::IntAt((*ports)[0].if_object(), "nodePort", 0);
  }

  storage::testing::ScratchStore store_;
  HostedPki pki_;
  json::object spec_;
  FakePublisher publisher_;
};

constexpr char kRoute[] = R"([{"service":"APIServer","servicePublishingStrategy":{"type":"Route"}},
                              {"service":"OAuthServer","servicePublishingStrategy":{"type":"Route"}}])";

TEST_F(ServicePublishingTest, RouteUsesTheDefaultOrGivenHostnameOnTheSharedListener) {
  auto endpoint = Publish("a", kRoute, &publisher_);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status().ToString();
  EXPECT_EQ(endpoint->host, "api.a.example.com");
  EXPECT_EQ(endpoint->port, 6443);
  EXPECT_EQ(endpoint->server_url, "https://127.0.0.1:6443");
  EXPECT_EQ(endpoint->tls_server_name, "api.a.example.com");
  EXPECT_EQ(endpoint->ca_pem, "ROOT CA\n");
  const PublishedApiServer& p = publisher_.by_cluster.at("clusters-a");
  EXPECT_EQ(p.route_hostnames, std::vector<std::string>{"api.a.example.com"});
  EXPECT_EQ(p.node_port, 0);
  EXPECT_EQ(p.serving_cert_pem, "SERVING\nROOT CA\n");  // the chain up to the hosted root CA
  EXPECT_EQ(p.serving_key_pem, "SERVING KEY\n");

  endpoint = Publish("b", R"([{"service":"APIServer","servicePublishingStrategy":
                             {"type":"Route","route":{"hostname":"kas.b.example.org"}}}])", &publisher_);
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "kas.b.example.org");
  EXPECT_EQ(publisher_.by_cluster.at("clusters-b").route_hostnames,
            std::vector<std::string>{"kas.b.example.org"});
}

TEST_F(ServicePublishingTest, NodePortIsAllocatedKeptInTheServiceAndStable) {
  const std::string node_port =
      R"([{"service":"APIServer","servicePublishingStrategy":{"type":"NodePort","nodePort":{"address":"api.a.example.com"}}}])";
  publisher_.busy = {30000};  // something else on the machine holds the first port
  auto a = Publish("a", node_port, &publisher_);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->port, 30001);
  EXPECT_EQ(a->host, "api.a.example.com");
  EXPECT_EQ(a->server_url, "https://127.0.0.1:30001");
  EXPECT_EQ(a->tls_server_name, "api.a.example.com");
  EXPECT_EQ(ServiceNodePort("clusters-a"), 30001);

  // Another cluster gets another port; a restarted process (a fresh publisher) gives each
  // its port back, whatever order they are published in.
  auto b = Publish("b", node_port, &publisher_);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 30002);
  FakePublisher restarted;
  ASSERT_TRUE(Publish("b", node_port, &restarted).ok());
  ASSERT_TRUE(Publish("a", node_port, &restarted).ok());
  EXPECT_EQ(restarted.by_cluster.at("clusters-a").node_port, 30001);
  EXPECT_EQ(restarted.by_cluster.at("clusters-b").node_port, 30002);
  // A new cluster never takes a port a Service records, even before its owner is back.
  FakePublisher fresh;
  auto c = Publish("c", node_port, &fresh);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 30000);
}

TEST_F(ServicePublishingTest, ExplicitPortsConflictsAndTheRangeAreReported) {
  const std::string explicit_port =
      R"([{"service":"APIServer","servicePublishingStrategy":{"type":"NodePort","nodePort":{"address":"10.0.0.5","port":30005}}}])";
  auto a = Publish("a", explicit_port, &publisher_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 30005);
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->tls_server_name, "");  // an address: the certificate carries it
  auto b = Publish("b", explicit_port, &publisher_);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::kAlreadyExists);
  // After a restart b may be published before a: a's Service still keeps the port.
  FakePublisher restarted;
  auto b_first = Publish("b", explicit_port, &restarted);
  ASSERT_FALSE(b_first.ok());
  EXPECT_EQ(b_first.status().message(), "node port 30005 is already held by Service clusters-a/kube-apiserver");
  ASSERT_TRUE(Publish("a", explicit_port, &restarted).ok());
  auto out = Publish("c", R"([{"service":"APIServer","servicePublishingStrategy":
                             {"type":"NodePort","nodePort":{"address":"x","port":40000}}}])", &publisher_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalidArgument);
  EXPECT_NE(out.status().message().find("30000-30009"), std::string::npos) << out.status().message();
  EXPECT_FALSE(publisher_.by_cluster.count("clusters-b"));
}

TEST_F(ServicePublishingTest, LoadBalancerNoEntryOrNoPublisherStayOnTheSharedPath) {
  ASSERT_TRUE(Publish("a", kRoute, &publisher_).ok());
  for (const std::string& services :
       {std::string(R"([{"service":"APIServer","servicePublishingStrategy":{"type":"LoadBalancer"}}])"),
        std::string("[]")}) {
    auto endpoint = Publish("a", services, &publisher_);
    ASSERT_TRUE(endpoint.ok());
    EXPECT_EQ(endpoint->server_url, "https://127.0.0.1:6443/clusters/clusters-a");
    EXPECT_EQ(endpoint->ca_pem, "MANAGEMENT CA");
    EXPECT_EQ(endpoint->host, "127.0.0.1");
    EXPECT_EQ(endpoint->port, 6443);
    EXPECT_EQ(endpoint->tls_server_name, "");
    EXPECT_FALSE(publisher_.by_cluster.count("clusters-a")) << services;  // withdrawn
    EXPECT_NE(endpoint->message.find("/clusters/clusters-a ("), std::string::npos) << endpoint->message;
  }
  auto none = Publish("a", kRoute, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->server_url, "https://127.0.0.1:6443/clusters/clusters-a");
}

TEST_F(ServicePublishingTest, StrategyOfTheSpec) {
  auto of = [](const std::string& spec) {
    return ApiServerStrategyOf("a", json::parse(spec).as_object());
  };
  EXPECT_EQ(of(R"({"services":[{"service":"APIServer","servicePublishingStrategy":{"type":"Route"}}]})").type,
            ApiServerStrategy::Type::kShared);  // no hostname and no base domain
  const auto node_port = of(R"({"services":[{"service":"OAuthServer","servicePublishingStrategy":{"type":"Route"}},
      {"service":"APIServer","servicePublishingStrategy":{"type":"NodePort","nodePort":{"address":"h","port":30001}}}]})");
  EXPECT_EQ(node_port.type, ApiServerStrategy::Type::kNodePort);
  EXPECT_EQ(node_port.hostname, "h");
  EXPECT_EQ(node_port.node_port, 30001);
  EXPECT_NE(of("{}").why_shared.find("no APIServer"), std::string::npos);
}

}  // namespace
}  // namespace carrier::hosted
