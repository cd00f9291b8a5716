#include "api/managed_fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

const json::value kDeployment = json::parse(R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
  "spec": {
    "replicas": 2,
    "selector": {"matchLabels": {"app": "web"}},
    "template": {"spec": {"containers": [
      {"name": "nginx", "image": "nginx:1.25", "args": ["-v"]}]}}
  }
})");

TEST(ManagedFieldsTest, FieldsOfABuiltinKind) {
  FieldPathSet set = FieldsOf(kDeployment, Shape::Builtin("apps", "Deployment"));
  EXPECT_EQ(set.Paths(), (Strings{
                             ".apiVersion",
                             ".kind",
                             ".metadata.finalizers[=\"a\"]",
                             ".metadata.finalizers[=\"b\"]",
                             ".metadata.labels.app",
                             ".metadata.name",
                             ".spec.replicas",
                             ".spec.selector.matchLabels.app",
                             ".spec.template.spec.containers[name=\"nginx\"]",
                             ".spec.template.spec.containers[name=\"nginx\"].args",
                             ".spec.template.spec.containers[name=\"nginx\"].image",
                             ".spec.template.spec.containers[name=\"nginx\"].name",
                         }));
}

TEST(ManagedFieldsTest, FieldsV1RoundTrip) {
  FieldPathSet set = FieldsOf(kDeployment, Shape::Builtin("apps", "Deployment"));
  json::value v1 = set.ToFieldsV1();
  const json::object& containers = v1.at("f:spec").at("f:template").at("f:spec")
                                       .at("f:containers").as_object();
  ASSERT_TRUE(containers.contains("k:{\"name\":\"nginx\"}")) << json::serialize(v1);
  const json::object& nginx = containers.at("k:{\"name\":\"nginx\"}").as_object();
  EXPECT_TRUE(nginx.contains("."));
  EXPECT_EQ(nginx.at("f:image"), json::object());
  EXPECT_TRUE(v1.at("f:metadata").at("f:finalizers").as_object().contains("v:\"a\""));
  auto back = FieldPathSet::FromFieldsV1(v1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, set);
}

TEST(ManagedFieldsTest, MalformedFieldsV1IsRejected) {
  EXPECT_FALSE(FieldPathSet::FromFieldsV1(json::parse(R"({"spec": {}})")).ok());
  EXPECT_FALSE(FieldPathSet::FromFieldsV1(json::parse(R"({"f:spec": 1})")).ok());
  EXPECT_FALSE(FieldPathSet::FromFieldsV1(json::parse(R"([])")).ok());
}

TEST(ManagedFieldsTest, UnionDifferenceIntersection) {
  auto a = FieldPathSet::FromFieldsV1(json::parse(R"({"f:spec":{"f:a":{},"f:b":{}}})"));
  auto b = FieldPathSet::FromFieldsV1(json::parse(R"({"f:spec":{"f:b":{},"f:c":{}}})"));
  ASSERT_TRUE(a.ok() && b.ok());
  FieldPathSet u = *a;
  u.Insert(*b);
  EXPECT_EQ(u.Paths(), (Strings{".spec.a", ".spec.b", ".spec.c"}));
  EXPECT_EQ(a->Minus(*b).Paths(), Strings{".spec.a"});
  EXPECT_EQ(a->Intersect(*b).Paths(), Strings{".spec.b"});
  EXPECT_TRUE(a->Minus(*a).empty());
}

TEST(ManagedFieldsTest, ChangedFieldsComparesByListKeys) {
  json::value after = kDeployment;
  after.at("spec").as_object()["replicas"] = 5;
  json::array& containers =
      after.at("spec").at("template").at("spec").at("containers").as_array();
  containers[0].as_object()["image"] = "nginx:1.26";
  containers.push_back(json::object{{"name", "sidecar"}, {"image", "busybox"}});
  FieldPathSet changed = ChangedFields(&kDeployment, after, Shape::Builtin("apps", "Deployment"));
  EXPECT_EQ(changed.Paths(), (Strings{
                                 ".spec.replicas",
                                 ".spec.template.spec.containers[name=\"nginx\"].image",
                                 ".spec.template.spec.containers[name=\"sidecar\"]",
                                 ".spec.template.spec.containers[name=\"sidecar\"].image",
                                 ".spec.template.spec.containers[name=\"sidecar\"].name",
                             }));
  EXPECT_TRUE(ChangedFields(&kDeployment, kDeployment, Shape()).empty());
}

TEST(ManagedFieldsTest, UnknownKindsHaveAtomicLists) {
  FieldPathSet set = FieldsOf(json::parse(R"({"spec":{"items":[{"name":"a"}]}})"), Shape());
  EXPECT_EQ(set.Paths(), Strings{".spec.items"});
}

TEST(ManagedFieldsTest, OpenApiListTypes) {
  json::value schema = json::parse(R"({"type":"object","properties":{"spec":{"type":"object",
    "properties":{
      "ports":{"type":"array","x-kubernetes-list-type":"map",
               "x-kubernetes-list-map-keys":["port","protocol"],
               "items":{"type":"object","properties":{"port":{"type":"integer"}}}},
      "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
      "args":{"type":"array","items":{"type":"string"}},
      "selector":{"type":"object","x-kubernetes-map-type":"atomic"}}}}})");
  json::value obj = json::parse(R"({"metadata":{"finalizers":["f"]},"spec":{
    "ports":[{"protocol":"TCP","port":80,"name":"http"}],
    "tags":["x"], "args":["a","b"], "selector":{"a":"b"}}})");
  FieldPathSet set = FieldsOf(obj, Shape::OpenApi(&schema));
  EXPECT_EQ(set.Paths(), (Strings{
                             ".metadata.finalizers[=\"f\"]",
                             ".spec.args",
                             ".spec.ports[port=80,protocol=\"TCP\"]",
                             ".spec.ports[port=80,protocol=\"TCP\"].name",
                             ".spec.ports[port=80,protocol=\"TCP\"].port",
                             ".spec.ports[port=80,protocol=\"TCP\"].protocol",
                             ".spec.selector",
                             ".spec.tags[=\"x\"]",
                         }));
  EXPECT_TRUE(set.ToFieldsV1().at("f:spec").at("f:ports").as_object().contains(
      "k:{\"port\":80,\"protocol\":\"TCP\"}"));
}

TEST(ManagedFieldsTest, EntriesRoundTrip) {
  json::value mf = json::parse(R"([{"manager":"kubectl","operation":"Apply","apiVersion":"v1",
    "time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}},
    {"manager":"kubelet","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1",
     "fieldsV1":{"f:status":{"f:phase":{}}},"subresource":"status"}])");
  auto entries = ParseManagedFields(&mf);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1].subresource, "status");
  EXPECT_EQ(ManagedFieldsToJson(*entries), mf);
  json::value bad = json::parse(R"([{"manager":"x","operation":"Patch"}])");
  EXPECT_FALSE(ParseManagedFields(&bad).ok());
}

}  // namespace
}  // namespace carrier::api
