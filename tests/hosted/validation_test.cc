#include "hosted/validation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::hosted {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(ReleaseImageTest, VersionComesFromOpenShiftReleaseTags) {
  EXPECT_EQ(ReleaseVersionFromTag("4.17.0-x86_64"), "4.17.0");
  EXPECT_EQ(ReleaseVersionFromTag("4.16.4-multi"), "4.16.4");
  EXPECT_EQ(ReleaseVersionFromTag("4.18.0-rc.2-aarch64"), "4.18.0-rc.2");
  EXPECT_EQ(ReleaseVersionFromTag("4.15.12"), "4.15.12");
  EXPECT_EQ(ReleaseVersionFromTag("latest"), "");
  EXPECT_EQ(ReleaseVersionFromTag("4.17-x86_64"), "");
  EXPECT_EQ(ReleaseVersionFromTag("4.17.x-x86_64"), "");
  EXPECT_EQ(ReleaseVersionFromTag("4.17.0-"), "");
  EXPECT_EQ(MinorVersion("4.17.0"), "4.17");
  EXPECT_EQ(MinorVersion("4.18.0-rc.2"), "4.18");
}

TEST(ReleaseImageTest, TagsAndDigestsAreWellFormedReferences) {
  auto tagged = ParseReleaseImage("quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64");
  ASSERT_TRUE(tagged.ok()) << tagged.status().message();
  EXPECT_EQ(tagged->version, "4.17.0");
  EXPECT_EQ(tagged->reference.registry, "quay.io");
  const std::string digest = "sha256:" + std::string(64, 'a');
  auto pinned = ParseReleaseImage("quay.io/openshift-release-dev/ocp-release@" + digest);
  ASSERT_TRUE(pinned.ok()) << pinned.status().message();
  EXPECT_EQ(pinned->version, "");  // only the payload knows
  auto both = ParseReleaseImage("registry.local:5000/ocp/release:4.16.4-multi@" + digest);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->version, "4.16.4");

  EXPECT_FALSE(ParseReleaseImage("").ok());
  EXPECT_FALSE(ParseReleaseImage("quay.io/openshift-release-dev/ocp-release").ok());  // no tag, no digest
  EXPECT_FALSE(ParseReleaseImage("quay.io/ocp release:4.17.0").ok());
  EXPECT_FALSE(ParseReleaseImage("quay.io/ocp-release@sha256:123").ok());
}

TEST(CidrTest, ParsesBothFamiliesAndRejectsGarbage) {
  auto v4 = ParseCidr("10.132.0.0/14");
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->prefix, 14);
  auto v6 = ParseCidr("fd01::/48");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->v6);
  EXPECT_FALSE(ParseCidr("10.132.0.0").ok());
  EXPECT_FALSE(ParseCidr("10.132.0.0/33").ok());
  EXPECT_FALSE(ParseCidr("10.132.0/14").ok());
  EXPECT_FALSE(ParseCidr("10.132.0.0/-1").ok());
  EXPECT_FALSE(ParseCidr("10.132.0.0/").ok());
  EXPECT_FALSE(ParseCidr("fd01::/129").ok());
  EXPECT_EQ(NthAddress(*ParseCidr("172.31.0.0/16"), 1), "172.31.0.1");
  EXPECT_EQ(NthAddress(*ParseCidr("10.0.0.0/8"), 256), "10.0.1.0");
  EXPECT_EQ(NthAddress(*ParseCidr("fd02::/112"), 1), "fd02::1");
}

TEST(CidrTest, OverlapIsSharingAnyAddress) {
  auto cidr = [](const char* text) { return *ParseCidr(text); };
  EXPECT_TRUE(Overlaps(cidr("10.132.0.0/14"), cidr("10.133.0.0/16")));   // inside
  EXPECT_TRUE(Overlaps(cidr("10.133.0.0/16"), cidr("10.132.0.0/14")));   // either order
  EXPECT_TRUE(Overlaps(cidr("10.132.0.0/14"), cidr("10.132.0.0/14")));   // equal
  EXPECT_TRUE(Overlaps(cidr("10.135.255.0/24"), cidr("10.132.0.0/14")));  // last block
  EXPECT_FALSE(Overlaps(cidr("10.132.0.0/14"), cidr("10.136.0.0/14")));  // adjacent
  EXPECT_FALSE(Overlaps(cidr("10.132.0.0/14"), cidr("172.31.0.0/16")));  // the defaults
  EXPECT_TRUE(Overlaps(cidr("10.132.1.7/14"), cidr("10.134.0.0/16")));   // host bits ignored
  EXPECT_FALSE(Overlaps(cidr("10.0.0.0/8"), cidr("fd00::/8")));          // families differ
  EXPECT_TRUE(Overlaps(cidr("0.0.0.0/0"), cidr("192.168.1.0/24")));
}

json::object HostedCluster(const std::string& networking_json) {
  return json::parse(R"({"metadata":{"name":"example","namespace":"clusters"},"spec":{
      "release":{"image":"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64"},
      "pullSecret":{"name":"pull-secret"},"platform":{"type":"None"},
      "networking":)" + networking_json + "}}")
      .as_object();
}

const json::object kPullSecret =
    json::parse(R"({"data":{".dockerconfigjson":"e30="}})").as_object();

Validation Validate(const json::object& hc, const json::object* pull_secret = &kPullSecret) {
  ValidationInput in;
  in.hosted_cluster = &hc;
  in.pull_secret = pull_secret;
  in.supported_versions = {"4.19", "4.18", "4.17"};
  return ValidateHostedCluster(in);
}

TEST(ValidateHostedClusterTest, DefaultsAreValid) {
  auto v = Validate(HostedCluster("{}"));
  EXPECT_EQ(v.valid_configuration.status, "True") << v.valid_configuration.message;
  EXPECT_EQ(v.valid_release_image.status, "True");
  EXPECT_EQ(v.supported_hosted_cluster.status, "True");
  EXPECT_EQ(v.valid_control_plane_configuration.status, "True");
  EXPECT_EQ(v.release_version, "4.17.0");
  EXPECT_EQ(v.Blocking(), nullptr);
  auto networks = NetworksOf(HostedCluster("{}"));
  ASSERT_EQ(networks.size(), 2u);
  EXPECT_EQ(networks[0].cidr, "10.132.0.0/14");
  EXPECT_EQ(networks[1].cidr, "172.31.0.0/16");
}

TEST(ValidateHostedClusterTest, OverlappingNetworksNameBothFields) {
  auto v = Validate(HostedCluster(
      R"({"clusterNetwork":[{"cidr":"10.132.0.0/14"}],"serviceNetwork":[{"cidr":"10.134.0.0/16"}]})"));
  EXPECT_EQ(v.valid_configuration.status, "False");
  EXPECT_EQ(v.valid_configuration.reason, "InvalidConfiguration");
  EXPECT_EQ(v.valid_configuration.message,
            "spec.networking.serviceNetwork[0].cidr 10.134.0.0/16 overlaps "
            "spec.networking.clusterNetwork[0].cidr 10.132.0.0/14");
  ASSERT_NE(v.Blocking(), nullptr);
  EXPECT_EQ(v.Blocking()->type, "ValidConfiguration");

  auto machine = Validate(HostedCluster(R"({"machineNetwork":[{"cidr":"172.31.128.0/17"}]})"));
  EXPECT_EQ(machine.valid_configuration.message,
            "spec.networking.machineNetwork[0].cidr 172.31.128.0/17 overlaps "
            "spec.networking.serviceNetwork[0].cidr 172.31.0.0/16");
  auto bad = Validate(HostedCluster(R"({"serviceNetwork":[{"cidr":"172.31.0.0/40"}]})"));
  EXPECT_EQ(bad.valid_configuration.status, "False");
  EXPECT_NE(bad.valid_configuration.message.find("spec.networking.serviceNetwork[0].cidr"),
            std::string::npos);
  auto prefix = Validate(HostedCluster(R"({"clusterNetwork":[{"cidr":"10.132.0.0/14","hostPrefix":12}]})"));
  EXPECT_EQ(prefix.valid_configuration.status, "False");
  EXPECT_NE(prefix.valid_configuration.message.find("hostPrefix 12"), std::string::npos);
}

TEST(ValidateHostedClusterTest, MissingPullSecretIsSecretNotFound) {
  auto v = Validate(HostedCluster("{}"), nullptr);
  EXPECT_EQ(v.valid_configuration.status, "False");
  EXPECT_EQ(v.valid_configuration.reason, "SecretNotFound");
  EXPECT_EQ(v.valid_configuration.message,
            "pull secret \"pull-secret\" (spec.pullSecret.name) not found in namespace \"clusters\"");
  const auto empty = json::parse(R"({"data":{}})").as_object();
  auto no_key = Validate(HostedCluster("{}"), &empty);
  EXPECT_EQ(no_key.valid_configuration.status, "False");
  EXPECT_NE(no_key.valid_configuration.message.find(".dockerconfigjson"), std::string::npos);
}

TEST(ValidateHostedClusterTest, ReleaseAndPlatformConditions) {
  auto hc = HostedCluster("{}");
  hc["spec"].as_object()["release"].as_object()["image"] = "quay.io/ocp-release:4.12.0-x86_64";
  auto old = Validate(hc);
  EXPECT_EQ(old.supported_hosted_cluster.status, "False");
  EXPECT_EQ(old.supported_hosted_cluster.reason, "UnsupportedHostedCluster");
  EXPECT_EQ(old.supported_hosted_cluster.message,
            "release version 4.12.0 is not supported: the supported versions are 4.19, 4.18, 4.17 "
            "(ConfigMap hypershift/supported-versions)");

  hc["spec"].as_object()["release"].as_object()["image"] = "not a reference";
  auto invalid = Validate(hc);
  EXPECT_EQ(invalid.valid_release_image.status, "False");
  EXPECT_EQ(invalid.valid_release_image.reason, "InvalidImage");
  EXPECT_EQ(invalid.Blocking()->type, "ValidReleaseImage");

  hc["spec"].as_object()["release"].as_object()["image"] =
      "quay.io/ocp-release@sha256:" + std::string(64, 'b');
  auto digest = Validate(hc);
  EXPECT_EQ(digest.valid_release_image.status, "True");
  EXPECT_EQ(digest.supported_hosted_cluster.status, "Unknown");
  EXPECT_EQ(digest.Blocking(), nullptr);

  auto aws = HostedCluster("{}");
  aws["spec"].as_object()["platform"] = json::object{{"type", "AWS"}};
  auto unsupported = Validate(aws);
  EXPECT_EQ(unsupported.valid_control_plane_configuration.status, "False");
  EXPECT_EQ(unsupported.valid_control_plane_configuration.reason, "UnsupportedPlatform");
  EXPECT_EQ(unsupported.valid_configuration.status, "True");

  auto agent = HostedCluster("{}");
  agent["spec"].as_object()["platform"] = json::object{{"type", "Agent"}};
  EXPECT_EQ(Validate(agent).valid_control_plane_configuration.status, "False");
  agent["spec"].as_object()["platform"].as_object()["agent"] =
      json::object{{"agentNamespace", "hardware"}};
  EXPECT_EQ(Validate(agent).valid_control_plane_configuration.status, "True");

  auto long_name = HostedCluster("{}");
  long_name["metadata"].as_object()["name"] = std::string(60, 'x');
  EXPECT_EQ(Validate(long_name).valid_configuration.status, "False");
}

// An Unmanaged etcd needs an https:// endpoint and a client secret with the three TLS keys;
// each missing piece is named.
TEST(ValidateHostedClusterTest, UnmanagedEtcdNeedsEndpointAndClientSecret) {
  auto hc = HostedCluster("{}");
  auto unmanaged = [&](const std::string& endpoint, const std::string& secret) {
    json::object etcd{{"managementType", "Unmanaged"}};
    json::object u;
    if (!endpoint.empty()) u["endpoint"] = endpoint;
    if (!secret.empty()) u["tls"] = json::object{{"clientSecret", json::object{{"name", secret}}}};
    etcd["unmanaged"] = std::move(u);
    hc["spec"].as_object()["etcd"] = std::move(etcd);
  };
  auto check = [&](const json::object* secret) {
    ValidationInput in;
    in.hosted_cluster = &hc;
    in.pull_secret = &kPullSecret;
    in.etcd_client_secret = secret;
    in.supported_versions = {"4.17"};
    return ValidateHostedCluster(in).valid_configuration;
  };
  const auto complete = json::parse(
      R"({"data":{"etcd-client-ca.crt":"Q0E=","etcd-client.crt":"Q0VSVA==","etcd-client.key":"S0VZ"}})")
                            .as_object();
  unmanaged("https://etcd.example.com:2379", "etcd-client");
  EXPECT_EQ(check(&complete).status, "True") << check(&complete).message;
  EXPECT_TRUE(HasUnmanagedEtcd(hc));
  EXPECT_EQ(check(nullptr).message,
            "etcd client secret \"etcd-client\" (spec.etcd.unmanaged.tls.clientSecret.name) not "
            "found in namespace \"clusters\"");
  const auto partial = json::parse(R"({"data":{"etcd-client-ca.crt":"Q0E="}})").as_object();
  EXPECT_EQ(check(&partial).message,
            "etcd client secret \"etcd-client\" in namespace \"clusters\" has no etcd-client.crt, "
            "etcd-client.key key (it needs etcd-client-ca.crt, etcd-client.crt and etcd-client.key)");

  unmanaged("http://etcd.example.com:2379", "etcd-client");
  EXPECT_EQ(check(&complete).status, "False");
  EXPECT_EQ(check(&complete).message,
            "spec.etcd.unmanaged.endpoint: etcd endpoint \"http://etcd.example.com:2379\" must be "
            "an https:// URL");
  unmanaged("https://etcd.example.com", "etcd-client");
  EXPECT_EQ(check(&complete).message,
            "spec.etcd.unmanaged.endpoint: etcd endpoint \"https://etcd.example.com\" must be of "
            "the form https://<host>:<port>");
  unmanaged("https://etcd.example.com:99999", "etcd-client");
  EXPECT_EQ(check(&complete).status, "False");
  unmanaged("https://etcd.example.com:2379/path", "etcd-client");
  EXPECT_EQ(check(&complete).status, "False");
  unmanaged("", "etcd-client");
  EXPECT_EQ(check(&complete).message,
            "spec.etcd.unmanaged.endpoint must be set for spec.etcd.managementType Unmanaged");
  unmanaged("https://10.0.0.1:2379/", "");
  EXPECT_EQ(check(&complete).message,
            "spec.etcd.unmanaged.tls.clientSecret.name must be set for spec.etcd.managementType "
            "Unmanaged");

  hc["spec"].as_object()["etcd"] = json::object{{"managementType", "Elsewhere"}};
  EXPECT_EQ(Validate(hc).valid_control_plane_configuration.reason, "UnsupportedEtcdManagementType");
  hc["spec"].as_object()["etcd"] = json::object{{"managementType", "Managed"}};
  EXPECT_EQ(Validate(hc).Blocking(), nullptr);
  EXPECT_FALSE(HasUnmanagedEtcd(hc));
}

TEST(PausedUntilTest, TrueTimesAndGarbage) {
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);  // 2027-01-15T08:00:00Z
  for (const char* active : {"", "false"}) {
    auto p = ParsePausedUntil(active, now);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->paused) << active;
  }
  auto forever = ParsePausedUntil("true", now);
  ASSERT_TRUE(forever.ok());
  EXPECT_TRUE(forever->paused);
  EXPECT_FALSE(forever->until);

  auto later = ParsePausedUntil("2027-01-15T09:00:00Z", now);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->paused);
  ASSERT_TRUE(later->until);
  EXPECT_EQ(*later->until - now, 1h);
  auto offset = ParsePausedUntil("2027-01-15T10:30:00.5+02:00", now);  // 08:30Z
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset->until - now, 30min);
  auto past = ParsePausedUntil("2024-03-03T03:28:48Z", now);
  ASSERT_TRUE(past.ok());
  EXPECT_FALSE(past->paused);

  for (const char* bad : {"yes", "True", "2027-01-15", "2027-01-15T09:00:00", "2027-13-01T00:00:00Z",
                          "2027-01-15T09:00:00Zjunk", "2027-01-15 09:00:00Z"}) {
    auto p = ParsePausedUntil(bad, now);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_NE(p.status().message().find("spec.pausedUntil"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace carrier::hosted
