#include "apiserver/crd_strategy.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "apiserver/custom_resources.h"
#include "apiserver/discovery.h"

namespace carrier::apiserver {
namespace {

namespace json = boost::json;

json::object Crd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "hostedclusters.hypershift.openshift.io"},
    "spec": {
      "group": "hypershift.openshift.io", "scope": "Namespaced",
      "names": {"plural": "hostedclusters", "kind": "HostedCluster", "shortNames": ["hc"]},
      "versions": [
        {"name": "v1beta1", "served": true, "storage": true,
         "subresources": {"status": {}},
         "additionalPrinterColumns": [
           {"name": "Available", "type": "string",
            "jsonPath": ".status.conditions[?(@.type==\"Available\")].status"}],
         "schema": {"openAPIV3Schema": {"type": "object",
                                        "x-kubernetes-preserve-unknown-fields": true}}},
        {"name": "v1alpha1", "served": false, "storage": false,
         "schema": {"openAPIV3Schema": {"type": "object"}}}]
    }})").as_object();
}

std::vector<std::string> Fields(const api::FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

TEST(CrdStrategyTest, DefaultsNamesAndValidates) {
  json::object crd = Crd();
  DefaultCrd(crd);
  EXPECT_EQ(crd.at("spec").at("names").at("singular"), "hostedcluster");
  EXPECT_EQ(crd.at("spec").at("names").at("listKind"), "HostedClusterList");
  EXPECT_EQ(crd.at("spec").at("conversion").at("strategy"), "None");
  EXPECT_TRUE(ValidateCrd(crd, nullptr).empty());
}

TEST(CrdStrategyTest, RejectsBadCrdsWithFieldPaths) {
  json::object crd = Crd();
  DefaultCrd(crd);
  crd["metadata"].as_object()["name"] = "wrong.name.io";
  crd["spec"].as_object()["scope"] = "Everywhere";
  crd["spec"].as_object()["versions"].as_array()[1].as_object()["storage"] = true;
  crd["spec"].as_object()["versions"].as_array()[0].as_object()["schema"] =
      json::object{{"openAPIV3Schema", json::object{{"type", "blob"}}}};
  auto fields = Fields(ValidateCrd(crd, nullptr));
  for (std::string_view want : {"metadata.name", "spec.scope", "spec.versions",
                                "spec.versions[0].schema.openAPIV3Schema.type"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), want), fields.end()) << want;
  }
}

TEST(CrdStrategyTest, GroupScopeAndPluralAreImmutable) {
  json::object old = Crd();
  DefaultCrd(old);
  json::object next = old;
  next["spec"].as_object()["scope"] = "Cluster";
  EXPECT_EQ(Fields(ValidateCrd(next, &old)), std::vector<std::string>{"spec.scope"});
}

TEST(CrdStrategyTest, StatusAcceptsNamesAndRemembersStoredVersions) {
  json::object crd = Crd();
  DefaultCrd(crd);
  SetCrdStatus(crd, nullptr, "");
  EXPECT_TRUE(CrdEstablished(crd));
  EXPECT_EQ(crd.at("status").at("acceptedNames").at("kind"), "HostedCluster");
  EXPECT_EQ(json::serialize(crd.at("status").at("storedVersions")), R"(["v1beta1"])");

  json::object next = crd;
  auto& versions = next["spec"].as_object()["versions"].as_array();
  versions[0].as_object()["storage"] = false;
  versions[1].as_object()["storage"] = true;
  SetCrdStatus(next, &crd, "");
  EXPECT_EQ(json::serialize(next.at("status").at("storedVersions")), R"(["v1beta1","v1alpha1"])");

  json::object conflicting = Crd();
  DefaultCrd(conflicting);
  SetCrdStatus(conflicting, nullptr, "\"hostedclusters\" is already in use");
  EXPECT_FALSE(CrdEstablished(conflicting));
}

TEST(CrdStrategyTest, ServedVersionsBecomeTypesWithColumns) {
  json::object crd = Crd();
  DefaultCrd(crd);
  int compiled = 0;
  auto types = CustomTypesFromCrd(crd, [&](const json::value& schema) {
    ++compiled;
    api::FieldErrors errors;
    return api::StructuralSchema::Compile(schema, "s", errors);
  });
  ASSERT_EQ(types.size(), 1u);  // v1alpha1 is not served
  EXPECT_EQ(compiled, 1);
  const ResourceType& t = types[0];
  EXPECT_EQ(t.GroupVersion(), "hypershift.openshift.io/v1beta1");
  EXPECT_TRUE(t.namespaced);
  EXPECT_TRUE(t.has_status);
  EXPECT_FALSE(t.age_column);
  ASSERT_EQ(t.columns.size(), 1u);
  json::object hc = json::parse(R"({"status":{"conditions":[{"type":"Available","status":"True"}]}})")
                        .as_object();
  EXPECT_EQ(t.columns[0].value_cell(hc), "True");
  EXPECT_TRUE(t.columns[0].value_cell(json::object()).is_null());
}

TEST(DiscoveryTest, VersionPriorityFollowsKubernetes) {
  std::vector<std::string> versions = {"v1alpha1", "foo", "v1beta1", "v2", "v1", "v1beta2",
                                       "v10", "bar"};
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return VersionPrecedes(a, b); });
  EXPECT_EQ(versions, (std::vector<std::string>{"v10", "v2", "v1", "v1beta2", "v1beta1",
                                                "v1alpha1", "bar", "foo"}));
}

}  // namespace
}  // namespace carrier::apiserver
