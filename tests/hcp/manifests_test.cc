// What `hcp create cluster` writes, without a server.
#include "hcp/manifests.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::hcp {
namespace {

namespace json = boost::json;

ClusterOptions Demo(const std::string& platform) {
  ClusterOptions o;
  o.platform = platform;
  o.name = "demo";
  o.pull_secret = R"({"auths":{"quay.io":{"auth":"eDp5"}}})";
  o.api_server_address = "192.168.1.10";
  o.node_pool_replicas = 2;
  return o;
}

TEST(HcpManifests, NoneClusterWithNodePool) {
  auto objects = ClusterManifests(Demo("None"));
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[0].at("kind"), "Namespace");
  EXPECT_EQ(objects[0].at("metadata").at("name"), "clusters");
  EXPECT_EQ(objects[1].at("kind"), "Secret");
  EXPECT_EQ(objects[1].at("metadata").at("name"), "demo-pull-secret");
  EXPECT_TRUE(objects[1].at("data").as_object().contains(".dockerconfigjson"));
  const json::object& hc = objects[2];
  EXPECT_EQ(hc.at("apiVersion"), "hypershift.openshift.io/v1beta1");
  EXPECT_EQ(hc.at("kind"), "HostedCluster");
  const json::object& spec = hc.at("spec").as_object();
  EXPECT_EQ(spec.at("platform").at("type"), "None");
  EXPECT_EQ(spec.at("pullSecret").at("name"), "demo-pull-secret");
  EXPECT_EQ(spec.at("release").at("image"), json::value(DefaultReleaseImage()));
  EXPECT_EQ(spec.at("networking").at("clusterNetwork").at(0).at("cidr"), "10.132.0.0/14");
  EXPECT_EQ(spec.at("networking").at("serviceNetwork").at(0).at("cidr"), "172.31.0.0/16");
  ASSERT_EQ(spec.at("services").as_array().size(), 4u);
  EXPECT_EQ(spec.at("services").at(0).at("service"), "APIServer");
  EXPECT_EQ(spec.at("services").at(0).at("servicePublishingStrategy").at("nodePort").at("address"), "192.168.1.10");
  EXPECT_FALSE(spec.contains("sshKey"));
  const json::object& np = objects[3];
  EXPECT_EQ(np.at("kind"), "NodePool");
  EXPECT_EQ(np.at("spec").at("clusterName"), "demo");
  EXPECT_EQ(np.at("spec").at("replicas"), 2);
  EXPECT_EQ(np.at("spec").at("release").at("image"), json::value(DefaultReleaseImage()));
}

TEST(HcpManifests, AgentClusterWithExtras) {
  ClusterOptions o = Demo("Agent");
  o.agent_namespace = "agents";
  o.ssh_public_key = "ssh-ed25519 AAAA demo";
  o.additional_trust_bundle = "-----BEGIN CERTIFICATE-----\n...";
  o.image_content_sources = {{"quay.io/openshift-release-dev", {"mirror.example.com/ocp"}}};
  o.node_pool_replicas = -1;
  auto objects = ClusterManifests(o);
  ASSERT_EQ(objects.size(), 5u);  // namespace, pull secret, ssh key, trust bundle, cluster
  EXPECT_EQ(objects[2].at("metadata").at("name"), "demo-ssh-key");
  EXPECT_EQ(objects[3].at("metadata").at("name"), "user-ca-bundle");
  const json::object& spec = objects[4].at("spec").as_object();
  EXPECT_EQ(spec.at("platform").at("agent").at("agentNamespace"), "agents");
  EXPECT_EQ(spec.at("sshKey").at("name"), "demo-ssh-key");
  EXPECT_EQ(spec.at("additionalTrustBundle").at("name"), "user-ca-bundle");
  EXPECT_EQ(spec.at("imageContentSources").at(0).at("mirrors").at(0), "mirror.example.com/ocp");
}

TEST(HcpManifests, ValidationMessages) {
  ClusterOptions o = Demo("None");
  EXPECT_TRUE(Validate(o).ok());
  o.cluster_cidr = "10.0.0.0/40";
  EXPECT_EQ(Validate(o).message(), "--cluster-cidr \"10.0.0.0/40\" is not a CIDR");
  o = Demo("None");
  o.control_plane_availability_policy = "Sometimes";
  EXPECT_NE(Validate(o).message().find("HighlyAvailable or SingleReplica"), std::string::npos);
  o = Demo("None");
  o.pull_secret = "not json";
  EXPECT_FALSE(Validate(o).ok());
  o = Demo("Agent");
  EXPECT_EQ(Validate(o).message(), "--agent-namespace is required");
}

TEST(HcpManifests, AgentNodePoolSelector) {
  NodePoolOptions o;
  o.platform = "Agent";
  o.cluster_name = "demo";
  o.name = "medium";
  o.node_count = 3;
  o.agent_label_selector = "size=medium,zone=a";
  json::object np = NodePoolManifest(o);
  const json::object& labels = np.at("spec").at("platform").at("agent").at("agentLabelSelector").at("matchLabels").as_object();
  EXPECT_EQ(labels.at("size"), "medium");
  EXPECT_EQ(labels.at("zone"), "a");
}

TEST(HcpManifests, ImageContentSources) {
  auto parsed = ParseImageContentSources("- source: quay.io/a\n  mirrors: [m.example.com/a, n.example.com/a]\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].second.size(), 2u);
  EXPECT_FALSE(ParseImageContentSources("- source: quay.io/a\n").ok());
  EXPECT_FALSE(ParseImageContentSources("source: x").ok());
}

}  // namespace
}  // namespace carrier::hcp
