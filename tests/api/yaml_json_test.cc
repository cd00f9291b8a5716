#include "api/yaml_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api {
namespace {

namespace json = boost::json;

json::value Yaml(std::string_view text) {
  auto v = YamlToJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : json::value();
}

TEST(YamlJsonTest, ManifestBecomesTheSameJson) {
  json::value v = Yaml(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: "1"}
spec:
  replicas: 3
  paused: false
  template:
    spec:
      containers:
      - name: nginx
        image: "nginx:1.25"
        args: [--port, "8080"]
        ports:
        - containerPort: 80
)");
  EXPECT_EQ(v, json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","labels":{"app":"web","tier":"1"}},
    "spec":{"replicas":3,"paused":false,"template":{"spec":{"containers":[
      {"name":"nginx","image":"nginx:1.25","args":["--port","8080"],
       "ports":[{"containerPort":80}]}]}}}})"));
}

TEST(YamlJsonTest, ScalarsResolveAsKubernetesReadsThem) {
  json::value v = Yaml(R"(
quoted_true: "true"
single: 'null'
plain_true: true
yes_word: yes
off_word: Off
null_word: null
tilde: ~
empty:
int: 42
negative: -7
hex: 0x1F
octal: 0o17
legacy_octal: 0755
binary: 0b101
underscored: 1_000
big: 18446744073709551615
float: 1.5
integral_float: 3.0
exponent: 1e3
timestamp: 2026-01-02T03:04:05Z
version: 1.2.3
tagged: !!str 123
tagged_int: !!int "12"
)");
  const json::object& o = v.as_object();
  EXPECT_EQ(o.at("quoted_true"), json::value("true"));
  EXPECT_EQ(o.at("single"), json::value("null"));
  EXPECT_EQ(o.at("plain_true"), json::value(true));
  EXPECT_EQ(o.at("yes_word"), json::value(true));
  EXPECT_EQ(o.at("off_word"), json::value(false));
  EXPECT_TRUE(o.at("null_word").is_null());
  EXPECT_TRUE(o.at("tilde").is_null());
  EXPECT_TRUE(o.at("empty").is_null());
  EXPECT_EQ(o.at("int"), json::value(42));
  EXPECT_EQ(o.at("negative"), json::value(-7));
  EXPECT_EQ(o.at("hex"), json::value(31));
  EXPECT_EQ(o.at("octal"), json::value(15));
  EXPECT_EQ(o.at("legacy_octal"), json::value(493));
  EXPECT_EQ(o.at("binary"), json::value(5));
  EXPECT_EQ(o.at("underscored"), json::value(1000));
  EXPECT_TRUE(o.at("big").is_uint64());
  EXPECT_EQ(o.at("float"), json::value(1.5));
  EXPECT_TRUE(o.at("integral_float").is_int64());
  EXPECT_EQ(o.at("integral_float"), json::value(3));
  EXPECT_EQ(o.at("exponent"), json::value(1000));
  EXPECT_EQ(o.at("timestamp"), json::value("2026-01-02T03:04:05Z"));
  EXPECT_EQ(o.at("version"), json::value("1.2.3"));
  EXPECT_EQ(o.at("tagged"), json::value("123"));
  EXPECT_EQ(o.at("tagged_int"), json::value(12));
}

TEST(YamlJsonTest, JsonIsYaml) {
  EXPECT_EQ(Yaml(R"({"a":[1,2,{"b":null}],"c":"d"})"),
            json::parse(R"({"a":[1,2,{"b":null}],"c":"d"})"));
}

TEST(YamlJsonTest, AliasesExpand) {
  EXPECT_EQ(Yaml("base: &b {x: 1}\ncopy: *b\nlist: [&s v, *s]\n"),
            json::parse(R"({"base":{"x":1},"copy":{"x":1},"list":["v","v"]})"));
}

TEST(YamlJsonTest, BadInputIsABadRequest) {
  for (const char* text : {"a: [1, 2", "a: b: c", "? [a]\n: b\n", "x: .inf", "x: *missing",
                           "a: 1\n---\nb: 2\n", "n: !!int abc"}) {
    auto v = YamlToJson(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), Code::kBadRequest) << text;
  }
}

TEST(YamlJsonTest, DeepNestingIsRefused) {
  std::string flow(100000, '[');
  auto v = YamlToJson(flow);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kBadRequest);

  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  dashes += "x\n";
  v = YamlToJson(dashes);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kBadRequest);

  // Within what the YAML parser itself allows, beyond Carrier's limit.
  v = YamlToJson(std::string(450, '[') + std::string(450, ']'));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("nested deeper than 400"), std::string::npos)
      << v.status().message();
  EXPECT_TRUE(YamlToJson(std::string(350, '[') + std::string(350, ']')).ok());
}

TEST(YamlJsonTest, AliasBombIsRefused) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  auto v = YamlToJson(text);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("nodes"), std::string::npos) << v.status().message();
}

TEST(YamlJsonTest, SizeLimit) {
  YamlLimits limits;
  limits.max_bytes = 8;
  auto v = YamlToJson("a: 123456789", limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kTooLarge);
}

TEST(YamlJsonTest, WritesBlockYamlThatReadsBack) {
  json::value doc = json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cm", "labels": {"app": "web"}, "annotations": {}},
    "data": {"t": "true", "n": "123", "e": "", "colon": "a: b", "multi": "line1\nline2",
             "yes": "yes", "dash": "- x", "hash": "#x", "space": " lead", "unicode": "caf\u00e9",
             "nel": "a\u0085b", "ls": "a\u2028b", "tilde": "~", "float": "1.5", "ver": "1.2.3"},
    "list": [1, -2, 1.5, 1e20, true, null, [], {}, ["nested", ["deeper"]],
             {"name": "x", "ports": [{"port": 80}]}],
    "big": 18446744073709551615
  })");
  std::string yaml = JsonToYaml(doc);
  EXPECT_NE(yaml.find("kind: ConfigMap\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  t: \"true\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("annotations: {}\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("- name: x\n  ports:\n  - port: 80\n"), std::string::npos) << yaml;
  EXPECT_EQ(Yaml(yaml), doc) << yaml;
}

// YAML limits implicit keys to 1024 characters (found by fuzzing: a long key did not read
// back); longer keys are written in the explicit `? key` form.
TEST(YamlJsonTest, LongKeysReadBack) {
  json::object doc;
  doc[std::string(1500, 'k')] = json::array{1, json::object{{std::string(1200, 'j'), "v"}}};
  doc["short"] = "s";
  std::string yaml = JsonToYaml(doc);
  EXPECT_EQ(yaml.rfind("? \"", 0), 0u) << yaml.substr(0, 40);
  EXPECT_EQ(Yaml(yaml), json::value(doc));
}

TEST(YamlJsonTest, TopLevelScalarsAndLists) {
  EXPECT_EQ(JsonToYaml(json::value("true")), "\"true\"\n");
  EXPECT_EQ(JsonToYaml(json::value(7)), "7\n");
  EXPECT_EQ(JsonToYaml(json::array{1, "a"}), "- 1\n- a\n");
}

}  // namespace
}  // namespace carrier::api
