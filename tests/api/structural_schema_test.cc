#include "api/structural_schema.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api {
namespace {

namespace json = boost::json;

std::shared_ptr<const StructuralSchema> MustCompile(std::string_view text) {
  FieldErrors errors;
  auto schema = StructuralSchema::Compile(json::parse(text), "openAPIV3Schema", errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0].ToString());
  return schema;
}

std::vector<std::string> Problems(const StructuralSchema& s, std::string_view object) {
  std::vector<std::string> out;
  for (const auto& e : s.Validate(json::parse(object))) out.push_back(e.ToString());
  return out;
}

constexpr std::string_view kWidget = R"({
  "type": "object",
  "required": ["spec"],
  "properties": {
    "spec": {
      "type": "object",
      "required": ["size"],
      "properties": {
        "size": {"type": "integer", "minimum": 1, "maximum": 10},
        "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
        "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 4},
        "port": {"x-kubernetes-int-or-string": true},
        "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "when": {"type": "string", "format": "date-time"},
        "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                     "properties": {"spec": {"type": "object"}}},
        "items": {"type": "array", "items": {"type": "object",
                  "properties": {"mode": {"type": "string", "default": "fast"}}}}
      }
    }
  }
})";

TEST(StructuralSchemaTest, AcceptsAValidObject) {
  auto s = MustCompile(kWidget);
  ASSERT_TRUE(s);
  EXPECT_TRUE(Problems(*s, R"({"apiVersion":"x/v1","kind":"W","metadata":{"name":"a"},
      "spec":{"size":3,"port":"http","tags":["a"],"labels":{"k":"v"},
              "when":"2026-12-01T10:00:00Z"}})")
                  .empty());
  EXPECT_TRUE(Problems(*s, R"({"spec":{"size":3,"port":8080}})").empty());
}

TEST(StructuralSchemaTest, ReportsEveryProblemWithItsFieldPath) {
  auto s = MustCompile(kWidget);
  ASSERT_TRUE(s);
  auto problems = Problems(*s, R"({"spec":{"size":11,"color":"green","name":"ABCDEF",
      "port":true,"tags":["a","b","c"],"labels":{"k":1},"when":"yesterday"}})");
  auto has = [&](std::string_view needle) {
    for (const auto& p : problems) {
      if (p.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"));
  EXPECT_TRUE(has("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\""));
  EXPECT_TRUE(has("spec.name: Too long: may not be longer than 4"));
  EXPECT_TRUE(has("spec.name: Invalid value: \"ABCDEF\": spec.name in body should match '^[a-z]+$'"));
  EXPECT_TRUE(has("spec.port: Invalid value: true: spec.port in body must be of type integer,string"));
  EXPECT_TRUE(has("spec.tags: Too many: 3: must have at most 2 items"));
  EXPECT_TRUE(has("spec.labels.k: Invalid value: 1: spec.labels.k in body must be of type string"));
  EXPECT_TRUE(has("spec.when: Invalid value: \"yesterday\""));
  EXPECT_EQ(Problems(*s, R"({"spec":{}})"), std::vector<std::string>{"spec.size: Required value"});
  EXPECT_EQ(Problems(*s, R"({})"), std::vector<std::string>{"spec: Required value"});
  EXPECT_EQ(Problems(*s, R"({"spec":{"size":"3"}})").size(), 1u);
}

TEST(StructuralSchemaTest, DefaultsFillAbsentFieldsIncludingArrayItems) {
  auto s = MustCompile(kWidget);
  ASSERT_TRUE(s);
  json::value obj = json::parse(R"({"spec":{"size":1,"items":[{},{"mode":"slow"}]}})");
  s->Default(obj);
  EXPECT_EQ(obj.at("spec").at("color"), "red");
  EXPECT_EQ(obj.at("spec").at("items").at(0).at("mode"), "fast");
  EXPECT_EQ(obj.at("spec").at("items").at(1).at("mode"), "slow");
}

TEST(StructuralSchemaTest, PruningDropsOnlyUnknownFields) {
  auto s = MustCompile(kWidget);
  ASSERT_TRUE(s);
  json::value obj = json::parse(R"({"apiVersion":"x/v1","kind":"W","metadata":{"name":"a"},
      "junk":1,"spec":{"size":1,"junk":2,"raw":{"anything":{"goes":true}},
      "labels":{"free":"form"},
      "template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{},"junk":3}}})");
  s->Prune(obj);
  const json::object& o = obj.as_object();
  EXPECT_FALSE(o.contains("junk"));
  EXPECT_TRUE(o.contains("apiVersion") && o.contains("kind") && o.contains("metadata"));
  const json::object& spec = o.at("spec").as_object();
  EXPECT_FALSE(spec.contains("junk"));
  EXPECT_TRUE(spec.at("raw").at("anything").at("goes").as_bool());
  EXPECT_EQ(spec.at("labels").at("free"), "form");
  const json::object& tmpl = spec.at("template").as_object();
  EXPECT_TRUE(tmpl.contains("apiVersion") && tmpl.contains("kind") && tmpl.contains("metadata"));
  EXPECT_FALSE(tmpl.contains("junk"));
}

TEST(StructuralSchemaTest, JunctorsValidateValues) {
  auto s = MustCompile(R"({"type":"object","properties":{"v":{"type":"string",
      "anyOf":[{"pattern":"^a"},{"pattern":"^b"}],"not":{"enum":["bad"]}}}})");
  ASSERT_TRUE(s);
  EXPECT_TRUE(Problems(*s, R"({"v":"apple"})").empty());
  EXPECT_EQ(Problems(*s, R"({"v":"cherry"})").size(), 1u);
}

TEST(StructuralSchemaTest, CompileRejectsNonStructuralSchemas) {
  for (std::string_view bad : {
           R"({"type":"object","properties":{"a":{"properties":{"b":{"type":"string"}}}}})",
           R"({"type":"thing"})",
           R"({"type":"array"})",
           R"({"type":"string","pattern":"(["})",
           R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":true})",
           R"("not an object")"}) {
    FieldErrors errors;
    auto s = StructuralSchema::Compile(json::parse(bad), "openAPIV3Schema", errors);
    EXPECT_EQ(s, nullptr) << bad;
    EXPECT_FALSE(errors.empty()) << bad;
  }
}

// Regression: a schema that declares the root's metadata as `{type: object}` (as every
// kubebuilder-generated CRD does) pruned metadata.name away.
TEST(StructuralSchemaTest, DeclaredRootMetadataIsNotPruned) {
  auto s = MustCompile(R"({"type":"object","properties":{
      "apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},
      "spec":{"type":"object","properties":{"a":{"type":"string"}}}}})");
  json::value obj = json::parse(R"({"apiVersion":"x.io/v1","kind":"X",
      "metadata":{"name":"n","namespace":"ns","labels":{"k":"v"}},"spec":{"a":"1","b":"2"}})");
  s->Prune(obj);
  EXPECT_EQ(json::serialize(obj),
            R"({"apiVersion":"x.io/v1","kind":"X","metadata":{"name":"n","namespace":"ns","labels":{"k":"v"}},"spec":{"a":"1"}})");
}

// x-kubernetes-validations: rules run where their field is present; transition rules
// (reading oldSelf) only on updates; failures read as Kubernetes writes them.
TEST(StructuralSchemaTest, ValidationRules) {
  auto s = MustCompile(R"J({"type":"object","properties":{"spec":{"type":"object",
      "x-kubernetes-validations":[
        {"rule":"!(has(self.replicas) && has(self.autoScaling))",
         "message":"only one of replicas or autoScaling can be set"},
        {"rule":"self.size() <= 3"}],
      "properties":{
        "replicas":{"type":"integer"},
        "autoScaling":{"type":"object"},
        "upgradeType":{"type":"string",
          "x-kubernetes-validations":[{"rule":"self == oldSelf","message":"UpgradeType is immutable"}]},
        "name":{"type":"string","x-kubernetes-validations":[
          {"rule":"self.startsWith('np-')","messageExpression":"'name ' + self + ' lacks np-'",
           "reason":"FieldValueForbidden"}]}}}}})J");
  ASSERT_NE(s, nullptr);
  auto problems = [&](std::string_view object, std::optional<std::string_view> old) {
    std::vector<std::string> out;
    const json::value old_value = old ? json::parse(*old) : json::value();
    for (const auto& e : s->Validate(json::parse(object), old ? &old_value : nullptr)) {
      out.push_back(e.ToString());
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(problems(R"({"spec":{"upgradeType":"Replace"}})", std::nullopt), V{});
  EXPECT_EQ(problems(R"({"spec":{"upgradeType":"InPlace"}})", R"({"spec":{"upgradeType":"Replace"}})"),
            V{"spec.upgradeType: Invalid value: \"string\": UpgradeType is immutable"});
  EXPECT_EQ(problems(R"({"spec":{"upgradeType":"Replace"}})", R"({"spec":{"upgradeType":"Replace"}})"), V{});
  EXPECT_EQ(problems(R"({"spec":{"replicas":1,"autoScaling":{}}})", std::nullopt),
            V{"spec: Invalid value: \"object\": only one of replicas or autoScaling can be set"});
  EXPECT_EQ(problems(R"({"spec":{"replicas":1,"autoScaling":{},"name":"np-a","upgradeType":"x"}})", std::nullopt),
            (V{"spec: Invalid value: \"object\": only one of replicas or autoScaling can be set",
               "spec: Invalid value: \"object\": failed rule: self.size() <= 3"}));
  EXPECT_EQ(problems(R"({"spec":{"name":"pool"}})", std::nullopt),
            V{"spec.name: Forbidden: name pool lacks np-"});
}

TEST(StructuralSchemaTest, RulesThatDoNotCompileAreRefused) {
  FieldErrors errors;
  auto s = StructuralSchema::Compile(json::parse(R"J({"type":"object",
      "x-kubernetes-validations":[{"rule":"self.a +"},{"message":"no rule"}]})J"),
                                     "openAPIV3Schema", errors);
  EXPECT_EQ(s, nullptr);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].ToString(),
            "openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: \"self.a +\": "
            "compilation failed: unexpected end of expression at position 9");
  EXPECT_EQ(errors[1].ToString(), "openAPIV3Schema.x-kubernetes-validations[1].rule: Required value");
}

}  // namespace
}  // namespace carrier::api
