#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "registry/mirror/mirror_sets.h"
#include "registry/mirror/registries_conf.h"
#include "registry/mirror/trust_map.h"

namespace carrier::registry::mirror {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kDigest =
    "sha256:5cfbaf45ca96806917830c183e9f37df2e913b187adb32e89fd83fa455ebaa6d";

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(CARRIER_REGISTRY_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

RegistriesConfig Build(const std::string& yaml, const RegistriesOptions& options = {}) {
  auto sets = ParseMirrorSets(yaml);
  EXPECT_TRUE(sets.ok()) << sets.status().ToString();
  if (!sets.ok()) return {};
  auto config = BuildRegistriesConfig(*sets, options);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? *config : RegistriesConfig{};
}

std::vector<std::string> Resolve(const RegistriesConfig& config, const std::string& image) {
  auto ref = ParseImageReference(image);
  EXPECT_TRUE(ref.ok()) << image;
  std::vector<std::string> out;
  if (!ref.ok()) return out;
  for (const PullLocation& l : ResolvePullLocations(config, *ref)) {
    out.push_back((l.mirror ? "mirror " : "source ") + l.reference +
                  (l.insecure ? " (insecure)" : ""));
  }
  return out;
}

// The golden test: the ImageContentSourcePolicy of the disconnected-update document renders
// to exactly the registries.conf the document shows on the node.
TEST(RegistriesConf, DocumentedIcspRendersToTheDocumentedFile) {
  const std::string yaml = ReadTestFile("mirror_icsp_golden.yaml");
  const std::string expected = ReadTestFile("mirror_icsp_golden.conf");
  ASSERT_FALSE(yaml.empty());
  ASSERT_FALSE(expected.empty());
  auto sets = ParseMirrorSets(yaml);
  ASSERT_TRUE(sets.ok()) << sets.status().ToString();
  ASSERT_EQ(sets->size(), 1u);
  EXPECT_EQ((*sets)[0].kind, MirrorSetKind::kImageContentSourcePolicy);
  EXPECT_EQ((*sets)[0].name, "ubi8repo");
  auto config = BuildRegistriesConfig(*sets);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(RenderRegistriesConf(*config), expected);
}

TEST(RegistriesConf, DocumentedIcspResolvesLongestPrefixFirst) {
  RegistriesConfig config = Build(ReadTestFile("mirror_icsp_golden.yaml"));
  // Callouts (1)–(2): two mirrors tried in order, then the source.
  EXPECT_THAT(Resolve(config, "registry.access.redhat.com/ubi8/ubi-minimal@" + kDigest),
              ElementsAre("mirror example.io/example/ubi-minimal@" + kDigest,
                          "mirror example.com/example/ubi-minimal@" + kDigest,
                          "source registry.access.redhat.com/ubi8/ubi-minimal@" + kDigest));
  // (6), (7), (8): the longest matching source wins.
  EXPECT_THAT(Resolve(config, "registry.example.com/example/myimage@" + kDigest),
              ElementsAre("mirror mirror.example.net/image@" + kDigest,
                          "source registry.example.com/example/myimage@" + kDigest));
  EXPECT_THAT(Resolve(config, "registry.example.com/example/other@" + kDigest),
              ElementsAre("mirror mirror.example.net/other@" + kDigest,
                          "source registry.example.com/example/other@" + kDigest));
  EXPECT_THAT(Resolve(config, "registry.example.com/team/app@" + kDigest),
              ElementsAre("mirror mirror.example.net/registry-example-com/team/app@" + kDigest,
                          "source registry.example.com/team/app@" + kDigest));
  // (4), (5): a namespace inside a registry, and the whole registry.
  EXPECT_THAT(Resolve(config, "registry.redhat.io/openshift4/ose-cli@" + kDigest),
              ElementsAre("mirror mirror.example.com/redhat/ose-cli@" + kDigest,
                          "source registry.redhat.io/openshift4/ose-cli@" + kDigest));
  EXPECT_THAT(Resolve(config, "registry.redhat.io/rhel8/support-tools@" + kDigest),
              ElementsAre("mirror mirror.example.com/rhel8/support-tools@" + kDigest,
                          "source registry.redhat.io/rhel8/support-tools@" + kDigest));
  // ICSP supports digests only: tags go to the source.
  EXPECT_THAT(Resolve(config, "registry.redhat.io/openshift4/ose-cli:v4.14"),
              ElementsAre("source registry.redhat.io/openshift4/ose-cli:v4.14"));
  EXPECT_THAT(Resolve(config, "registry.redhat.io/openshift4/ose-cli"),
              ElementsAre("source registry.redhat.io/openshift4/ose-cli:latest"));
  // Prefixes match on '/' boundaries only; unrelated images resolve to themselves.
  EXPECT_THAT(Resolve(config, "registry.example.community/x@" + kDigest),
              ElementsAre("source registry.example.community/x@" + kDigest));
  EXPECT_THAT(Resolve(config, "registry.redhat.io.evil.com/x@" + kDigest),
              ElementsAre("source registry.redhat.io.evil.com/x@" + kDigest));
  EXPECT_THAT(Resolve(config, "busybox@" + kDigest),
              ElementsAre("source docker.io/library/busybox@" + kDigest));
}

TEST(RegistriesConf, DigestSetWithNeverContactSourceBlocksTheSource) {
  RegistriesConfig config = Build(R"(
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: release}
spec:
  imageDigestMirrors:
  - source: quay.io/openshift-release-dev/ocp-release
    mirrors: [registry.hypershiftdomain.lab:5000/openshift/release-images]
    mirrorSourcePolicy: NeverContactSource
  - source: quay.io/openshift-release-dev/ocp-v4.0-art-dev
    mirrors: [registry.hypershiftdomain.lab:5000/openshift/release]
    mirrorSourcePolicy: AllowContactingSource
)");
  EXPECT_EQ(RenderRegistriesConf(config),
            R"(unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]
short-name-mode = ""

[[registry]]
  prefix = ""
  location = "quay.io/openshift-release-dev/ocp-release"
  blocked = true
  mirror-by-digest-only = true

  [[registry.mirror]]
    location = "registry.hypershiftdomain.lab:5000/openshift/release-images"

[[registry]]
  prefix = ""
  location = "quay.io/openshift-release-dev/ocp-v4.0-art-dev"
  mirror-by-digest-only = true

  [[registry.mirror]]
    location = "registry.hypershiftdomain.lab:5000/openshift/release"
)");
  EXPECT_THAT(
      Resolve(config, "quay.io/openshift-release-dev/ocp-release@" + kDigest),
      ElementsAre("mirror registry.hypershiftdomain.lab:5000/openshift/release-images@" + kDigest));
  // A tag pull of a blocked source has nowhere to go.
  EXPECT_THAT(Resolve(config, "quay.io/openshift-release-dev/ocp-release:4.14.0-x86_64"),
              ElementsAre());
}

TEST(RegistriesConf, TagSetsMarkEachMirror) {
  RegistriesConfig config = Build(R"(
apiVersion: config.openshift.io/v1
kind: ImageTagMirrorSet
metadata: {name: tags}
spec:
  imageTagMirrors:
  - source: quay.io/app
    mirrors: [tags.example.com/app, both.example.com/app]
---
apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata: {name: digests}
spec:
  imageDigestMirrors:
  - source: quay.io/app
    mirrors: [digests.example.com/app, both.example.com/app]
)");
  EXPECT_EQ(RenderRegistriesConf(config),
            R"(unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]
short-name-mode = ""

[[registry]]
  prefix = ""
  location = "quay.io/app"

  [[registry.mirror]]
    location = "digests.example.com/app"
    pull-from-mirror = "digest-only"

  [[registry.mirror]]
    location = "both.example.com/app"

  [[registry.mirror]]
    location = "tags.example.com/app"
    pull-from-mirror = "tag-only"
)");
  EXPECT_THAT(Resolve(config, "quay.io/app:v1"),
              ElementsAre("mirror both.example.com/app:v1", "mirror tags.example.com/app:v1",
                          "source quay.io/app:v1"));
  EXPECT_THAT(Resolve(config, "quay.io/app/sub@" + kDigest),
              ElementsAre("mirror digests.example.com/app/sub@" + kDigest,
                          "mirror both.example.com/app/sub@" + kDigest,
                          "source quay.io/app/sub@" + kDigest));
}

TEST(RegistriesConf, MirrorsOfSeveralObjectsMergeInRelativeOrder) {
  // The API's own example: a, b, c and c, d, e merge to a, b, c, d, e.
  RegistriesConfig config = Build(R"(
kind: List
apiVersion: v1
items:
- apiVersion: config.openshift.io/v1
  kind: ImageDigestMirrorSet
  metadata: {name: second}
  spec:
    imageDigestMirrors:
    - {source: quay.io/x, mirrors: [c.io/x, d.io/x, e.io/x]}
- apiVersion: config.openshift.io/v1
  kind: ImageDigestMirrorSet
  metadata: {name: first}
  spec:
    imageDigestMirrors:
    - {source: quay.io/x, mirrors: [a.io/x, b.io/x, c.io/x]}
)");
  ASSERT_EQ(config.registries.size(), 1u);
  std::vector<std::string> order;
  for (const auto& m : config.registries[0].mirrors) order.push_back(m.location);
  EXPECT_THAT(order, ElementsAre("a.io/x", "b.io/x", "c.io/x", "d.io/x", "e.io/x"));

  // Conflicting orders are not rejected; every mirror still appears once.
  config =
      Build(R"({"apiVersion":"config.openshift.io/v1","kind":"ImageDigestMirrorSetList","items":[
    {"apiVersion":"config.openshift.io/v1","kind":"ImageDigestMirrorSet","metadata":{"name":"p"},
     "spec":{"imageDigestMirrors":[{"source":"quay.io/x","mirrors":["a.io/x","b.io/x"]}]}},
    {"apiVersion":"config.openshift.io/v1","kind":"ImageDigestMirrorSet","metadata":{"name":"q"},
     "spec":{"imageDigestMirrors":[{"source":"quay.io/x","mirrors":["b.io/x","a.io/x"]}]}}]})");
  ASSERT_EQ(config.registries.size(), 1u);
  EXPECT_EQ(config.registries[0].mirrors.size(), 2u);
}

TEST(RegistriesConf, InsecureAndBlockedScopes) {
  RegistriesOptions options;
  options.unqualified_search_registries = {"registry.hypershiftdomain.lab:5000"};
  options.insecure_scopes = {"registry.hypershiftdomain.lab:5000", "*.insecure.lab"};
  options.blocked_scopes = {"docker.io"};
  RegistriesConfig config = Build(R"(
apiVersion: operator.openshift.io/v1alpha1
kind: ImageContentSourcePolicy
metadata: {name: m}
spec:
  repositoryDigestMirrors:
  - {source: quay.io/openshift-release-dev/ocp-release, mirrors: [registry.hypershiftdomain.lab:5000/ocp/release]}
  - {source: a.insecure.lab/x, mirrors: [registry.hypershiftdomain.lab:5000/x]}
)",
                                  options);
  EXPECT_EQ(RenderRegistriesConf(config),
            R"(unqualified-search-registries = ["registry.hypershiftdomain.lab:5000"]
short-name-mode = ""

[[registry]]
  prefix = ""
  location = "a.insecure.lab/x"
  insecure = true
  mirror-by-digest-only = true

  [[registry.mirror]]
    location = "registry.hypershiftdomain.lab:5000/x"
    insecure = true

[[registry]]
  prefix = ""
  location = "docker.io"
  blocked = true

[[registry]]
  prefix = ""
  location = "quay.io/openshift-release-dev/ocp-release"
  mirror-by-digest-only = true

  [[registry.mirror]]
    location = "registry.hypershiftdomain.lab:5000/ocp/release"
    insecure = true

[[registry]]
  prefix = ""
  location = "registry.hypershiftdomain.lab:5000"
  insecure = true
)");
  EXPECT_THAT(Resolve(config, "busybox:latest"), ElementsAre());
  EXPECT_THAT(Resolve(config, "quay.io/openshift-release-dev/ocp-release@" + kDigest),
              ElementsAre("mirror registry.hypershiftdomain.lab:5000/ocp/release@" + kDigest +
                              " (insecure)",
                          "source quay.io/openshift-release-dev/ocp-release@" + kDigest));

  RegistriesOptions bad;
  bad.insecure_scopes = {"not a scope"};
  auto result = BuildRegistriesConfig({}, bad);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("insecure scope \"not a scope\""));
}

TEST(MirrorSets, RejectsBadObjectsWithTheirPlace) {
  struct Case {
    std::string yaml;
    std::string message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"kind: ConfigMap\napiVersion: v1\n", "kind \"ConfigMap\" is not ImageDigestMirrorSet"},
           {"kind: ImageDigestMirrorSet\napiVersion: operator.openshift.io/v1alpha1\n",
            "has apiVersion config.openshift.io/v1"},
           {"apiVersion: config.openshift.io/v1\n", "kind is required"},
           {"apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: x}\n"
            "spec: {imageDigestMirrors: [{source: quay.io/a, mirrors: [m.io/a], "
            "mirrorSourcePolicy: Sometimes}]}\n",
            "ImageDigestMirrorSet \"x\": spec.imageDigestMirrors[0].mirrorSourcePolicy "
            "\"Sometimes\""},
           {"apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: x}\n"
            "spec: {imageTagMirrors: [{source: quay.io/a, mirrors: [m.io/a:tag]}]}\n",
            "spec.imageTagMirrors[0].mirrors[0] \"m.io/a:tag\" is not host[:port][/repository]"},
           {"apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: x}\n"
            "spec: {imageTagMirrors: [{mirrors: [m.io/a]}]}\n",
            "spec.imageTagMirrors[0]: source is required"},
           {"apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: x}\n"
            "spec: {imageTagMirrors: [{source: [a], mirrors: [m.io/a]}]}\n",
            "source must be a string"},
           {"apiVersion: operator.openshift.io/v1alpha1\nkind: ImageContentSourcePolicy\n"
            "metadata: {name: x}\nspec: {repositoryDigestMirrors: [{source: q.io/a, mirrors: "
            "[m.io/a], mirrorSourcePolicy: NeverContactSource}]}\n",
            "mirrorSourcePolicy is not a field of ImageContentSourcePolicy"},
           {"apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nspec: "
            "{imageDigestMirrors: "
            "{source: q.io/a}}\n",
            "spec.imageDigestMirrors must be a list"},
           {"key: [unclosed\n", "not valid YAML or JSON"},
           {"{\"kind\": ", "not valid YAML or JSON"},
           {"- a\n- b\n", "document 1 is not an object"},
           {"apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: x}\n"
            "spec: {imageDigestMirrors: [{source: ../etc, mirrors: [m.io/a]}]}\n",
            "source \"../etc\""},
       }) {
    auto sets = ParseMirrorSets(c.yaml);
    ASSERT_FALSE(sets.ok()) << c.yaml;
    EXPECT_EQ(sets.status().code(), Code::kInvalidArgument);
    EXPECT_THAT(sets.status().message(), HasSubstr(c.message)) << c.yaml;
  }
  // yaml-cpp alone loops forever allocating on these (found by fuzz_mirror_sets).
  for (const char* looping : {"{},", "{\"a\":\"b\"},\"c\":{", "[x],"}) {
    auto sets = ParseMirrorSets(looping);
    ASSERT_FALSE(sets.ok()) << looping;
    EXPECT_THAT(sets.status().message(), HasSubstr("unexpected text at line 1")) << looping;
  }
  auto aliased = ParseMirrorSets("kind: List\napiVersion: v1\nitems: &a []\nother: *a\n");
  ASSERT_FALSE(aliased.ok());
  EXPECT_THAT(aliased.status().message(), HasSubstr("aliases are not supported"));
  EXPECT_TRUE(ParseMirrorSets("").ok());
  EXPECT_TRUE(ParseMirrorSets("---\n---\n").ok());
  // Deeply nested input is refused, not a stack overflow.
  EXPECT_FALSE(ParseMirrorSets(std::string(100000, '[')).ok());
}

TEST(MirrorSets, LocationsAreHostAndRepository) {
  for (const char* ok : {"quay.io", "quay.io/a", "localhost:5000/a/b", "10.0.0.1:5000",
                         "registry.hypershiftdomain.lab:5000/openshift/release-images"}) {
    EXPECT_TRUE(IsValidMirrorLocation(ok)) << ok;
  }
  for (const char* bad : {"", "/a", "quay.io/", "quay.io/A", "quay.io/a:tag", "quay.io/a@sha256:x",
                          "quay.io//a", "http://quay.io/a", "quay.io:99999/a"}) {
    EXPECT_FALSE(IsValidMirrorLocation(bad)) << bad;
  }
}

TEST(TrustMap, KeysUseTwoDotsForTheColon) {
  EXPECT_EQ(*TrustMapKey("registry.hypershiftdomain.lab:5000"),
            "registry.hypershiftdomain.lab..5000");
  EXPECT_EQ(*TrustMapKey("quay.io"), "quay.io");
  EXPECT_EQ(*RegistryHostFromTrustMapKey("registry.hypershiftdomain.lab..5000"),
            "registry.hypershiftdomain.lab:5000");
  EXPECT_EQ(*RegistryHostFromTrustMapKey("quay.io"), "quay.io");
  EXPECT_FALSE(TrustMapKey("[::1]:5000").ok());
  EXPECT_FALSE(TrustMapKey("a b").ok());
  EXPECT_FALSE(RegistryHostFromTrustMapKey("host:5000").ok());
  EXPECT_FALSE(RegistryHostFromTrustMapKey("host..x").ok());
  EXPECT_FALSE(RegistryHostFromTrustMapKey("..5000").ok());
}

TEST(TrustMap, ConfigMapRoundTrip) {
  const std::string pem = ReadTestFile("mirror_test_ca.pem");
  ASSERT_THAT(pem, HasSubstr("BEGIN CERTIFICATE"));
  RegistryTrust trust = {{"registry.hypershiftdomain.lab:5000", pem}};
  const std::string yaml = RenderTrustConfigMap("registry-config", "openshift-config", trust);
  EXPECT_THAT(
      yaml,
      HasSubstr("  registry.hypershiftdomain.lab..5000: |\n    -----BEGIN CERTIFICATE-----\n"));
  EXPECT_THAT(yaml, HasSubstr("name: registry-config\n  namespace: openshift-config\n"));
  auto parsed = ParseTrustConfigMap(yaml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, trust);
}

TEST(TrustMap, RejectsWhatPodsCouldNotUse) {
  const std::string pem = ReadTestFile("mirror_test_ca.pem");
  std::string broken = pem;
  broken[broken.size() / 2] = broken[broken.size() / 2] == 'A' ? 'B' : 'A';
  broken.insert(broken.find('\n') + 1, "!!!!\n");
  for (const auto& [yaml, message] : std::initializer_list<std::pair<std::string, std::string>>{
           {RenderTrustConfigMap("r", "openshift-config", {{"quay.io", "not a certificate\n"}}),
            "does not hold PEM certificates"},
           {RenderTrustConfigMap("r", "openshift-config", {{"quay.io", broken}}),
            "does not hold PEM certificates"},
           {"apiVersion: v1\nkind: Secret\n", "expected a v1 ConfigMap"},
           {"apiVersion: v1\nkind: ConfigMap\ndata: {\"a:5000\": x}\n", "contains ':'"},
           {"apiVersion: v1\nkind: ConfigMap\ndata: [x]\n", "data must be an object"},
           {"apiVersion: v1\nkind: ConfigMap\ndata: {a: [x]}\n", "strings to strings"},
       }) {
    auto parsed = ParseTrustConfigMap(yaml);
    ASSERT_FALSE(parsed.ok()) << yaml;
    EXPECT_THAT(parsed.status().message(), HasSubstr(message));
  }
}

}  // namespace
}  // namespace carrier::registry::mirror
