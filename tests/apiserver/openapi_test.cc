#include "apiserver/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "api/structural_schema.h"
#include "apiserver/discovery.h"
#include "apiserver/openapi_protobuf.h"
#include "apiserver/openapi_schemas.h"

namespace carrier::apiserver {
namespace {

namespace json = boost::json;

// A protobuf reader for the tests: the fields of one message, by number.
struct Field {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;
  std::string bytes;
};

std::vector<Field> Decode(std::string_view in, bool* ok = nullptr) {
  std::vector<Field> out;
  size_t i = 0;
  auto varint = [&](uint64_t& v) {
    v = 0;
    for (int shift = 0; i < in.size() && shift < 64; shift += 7) {
      uint8_t b = static_cast<uint8_t>(in[i++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  bool good = true;
  while (i < in.size() && good) {
    uint64_t key;
    if (!varint(key)) { good = false; break; }
    Field f;
    f.number = static_cast<int>(key >> 3);
    f.wire_type = static_cast<int>(key & 7);
    if (f.wire_type == 0) {
      good = varint(f.varint);
    } else if (f.wire_type == 2) {
      uint64_t len;
      good = varint(len) && i + len <= in.size();
      if (good) f.bytes = std::string(in.substr(i, len));
      i += len;
    } else if (f.wire_type == 1) {
      good = i + 8 <= in.size();
      i += 8;
    } else {
      good = false;
    }
    out.push_back(std::move(f));
  }
  if (ok) *ok = good;
  return out;
}

std::vector<std::string> BytesOf(const std::vector<Field>& fields, int number) {
  std::vector<std::string> out;
  for (const auto& f : fields) {
    if (f.number == number && f.wire_type == 2) out.push_back(f.bytes);
  }
  return out;
}

const Discovery& SharedDiscovery() {
  static const Discovery d(ResourceCatalog::BuiltIn(), "127.0.0.1:6443");
  return d;
}

json::object Get(std::string_view path, std::string_view accept = "application/json",
                 const CustomTypeSet& custom = CustomTypeSet{}) {
  auto doc = SharedDiscovery().Find(path, accept, custom);
  EXPECT_TRUE(doc.has_value()) << path;
  if (!doc) return {};
  return json::parse(doc->body).as_object();
}

// Every "$ref" under `v`.
void Refs(const json::value& v, std::vector<std::string>& out) {
  if (auto* o = v.if_object()) {
    for (const auto& [k, c] : *o) {
      if (k == "$ref" && c.is_string()) out.emplace_back(c.get_string());
      Refs(c, out);
    }
  } else if (auto* a = v.if_array()) {
    for (const auto& c : *a) Refs(c, out);
  }
}

CustomTypeSet CronTabs() {
  json::value schema = json::parse(R"({
    "type": "object",
    "description": "A schedule of commands.",
    "properties": {
      "spec": {"type": "object", "description": "What to run and when.",
               "properties": {
                 "cronSpec": {"type": "string", "description": "The schedule, in cron syntax."},
                 "replicas": {"type": "integer", "nullable": true},
                 "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                           "properties": {"a": {"type": "string"}}}}}}})");
  api::FieldErrors errors;
  auto compiled = api::StructuralSchema::Compile(schema, "s", errors);
  EXPECT_TRUE(compiled != nullptr);
  ResourceType t;
  t.group = "stable.example.com";
  t.version = "v1";
  t.resource = "crontabs";
  t.singular = "crontab";
  t.kind = "CronTab";
  t.short_names = {"ct"};
  auto v = std::make_shared<CustomVersion>();
  v->storage_version = "v1";
  v->schema = compiled;
  t.custom = v;
  CustomTypeSet set;
  set.types.push_back(t);
  return set;
}

TEST(OpenApiV2Test, BuiltinDefinitionsAreNamedAndTypedLikeKubernetes) {
  json::object doc = Get("/openapi/v2");
  EXPECT_EQ(doc.at("swagger"), "2.0");
  const auto& defs = doc.at("definitions").as_object();
  const auto& pod = defs.at("io.k8s.api.core.v1.Pod").as_object();
  EXPECT_EQ(json::serialize(pod.at("x-kubernetes-group-version-kind")),
            R"([{"group":"","kind":"Pod","version":"v1"}])");
  EXPECT_EQ(pod.at("properties").at("metadata").at("$ref"),
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  const auto& container = defs.at("io.k8s.api.core.v1.Container").as_object();
  EXPECT_FALSE(container.at("properties").at("image").at("description").as_string().empty());
  EXPECT_EQ(json::serialize(container.at("required")), R"(["name"])");
  EXPECT_EQ(container.at("properties").at("ports").at("x-kubernetes-patch-merge-key"),
            "containerPort");
  EXPECT_EQ(defs.at("io.k8s.api.core.v1.ServicePort").at("properties").at("targetPort").at("$ref"),
            "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
  EXPECT_EQ(json::serialize(defs.at("io.k8s.apimachinery.pkg.util.intstr.IntOrString")),
            R"({"format":"int-or-string","type":"string"})");
  EXPECT_EQ(defs.at("io.k8s.api.core.v1.ResourceRequirements")
                .at("properties").at("limits").at("additionalProperties").at("$ref"),
            "#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity");
  EXPECT_TRUE(defs.contains("io.k8s.api.apps.v1.Deployment"));
  EXPECT_TRUE(defs.contains("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"));
  EXPECT_TRUE(defs.contains("io.k8s.api.events.v1.Event"));
  EXPECT_TRUE(
      defs.contains("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"));

  // Every reference resolves (kubectl's parser rejects a document where one does not).
  std::vector<std::string> refs;
  Refs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& r : refs) {
    ASSERT_EQ(r.rfind("#/definitions/", 0), 0u) << r;
    EXPECT_TRUE(defs.contains(r.substr(14))) << r;
  }
}

TEST(OpenApiV2Test, EveryResourceHasAPatchOperationWithDryRun) {
  json::object doc = Get("/openapi/v2");
  const auto& paths = doc.at("paths").as_object();
  for (const auto& t : ResourceCatalog::BuiltIn().types()) {
    if (!t.verbs.empty()) continue;  // create-only reviews and requests have no items
    std::string item = "/" + (t.group.empty() ? "api/" + t.version
                                              : "apis/" + t.group + "/" + t.version);
    if (t.namespaced) item += "/namespaces/{namespace}";
    item += "/" + t.resource + "/{name}";
    ASSERT_TRUE(paths.contains(item)) << item;
    const auto& patch = paths.at(item).at("patch").as_object();
    EXPECT_EQ(json::serialize(patch.at("x-kubernetes-group-version-kind")),
              json::serialize(json::object{{"group", t.group}, {"kind", t.kind}, {"version", t.version}}));
    bool dry_run = false;
    for (const auto& p : patch.at("parameters").as_array()) {
      dry_run |= p.at("name") == "dryRun" && p.at("in") == "query";
    }
    EXPECT_TRUE(dry_run) << item;
    EXPECT_EQ(paths.contains(item + "/status"), t.has_status) << item;
  }
}

TEST(OpenApiV2Test, ProtobufCarriesTheSameDocument) {
  auto doc = SharedDiscovery().Find("/openapi/v2", std::string(kOpenApiV2ProtobufType), {});
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->content_type, kOpenApiV2ProtobufResponseType);
  bool ok = false;
  auto fields = Decode(doc->body, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(BytesOf(fields, 1), std::vector<std::string>{"2.0"});  // swagger
  json::object j = Get("/openapi/v2");
  auto paths = BytesOf(fields, 8), definitions = BytesOf(fields, 9);
  ASSERT_EQ(paths.size(), 1u);
  ASSERT_EQ(definitions.size(), 1u);
  EXPECT_EQ(BytesOf(Decode(paths[0]), 2).size(), j.at("paths").as_object().size());
  auto named = BytesOf(Decode(definitions[0]), 1);
  EXPECT_EQ(named.size(), j.at("definitions").as_object().size());
  // The Pod definition: its vendor extension (31) names its kind in YAML (JSON text).
  bool found = false;
  for (const auto& n : named) {
    auto nf = Decode(n);
    if (BytesOf(nf, 1) != std::vector<std::string>{"io.k8s.api.core.v1.Pod"}) continue;
    found = true;
    auto schema = Decode(BytesOf(nf, 2).at(0));
    auto type = Decode(BytesOf(schema, 22).at(0));
    EXPECT_EQ(BytesOf(type, 1), std::vector<std::string>{"object"});
    auto ext = Decode(BytesOf(schema, 31).at(0));
    EXPECT_EQ(BytesOf(ext, 1).at(0), "x-kubernetes-group-version-kind");
    EXPECT_EQ(BytesOf(Decode(BytesOf(ext, 2).at(0)), 2).at(0),
              R"([{"group":"","kind":"Pod","version":"v1"}])");
  }
  EXPECT_TRUE(found);
}

TEST(OpenApiProtobufTest, FieldNumbersOfASmallDocument) {
  json::object doc = json::parse(R"({
    "swagger": "2.0", "info": {"title": "T", "version": "v1"},
    "paths": {"/a": {"patch": {"parameters": [
        {"name": "dryRun", "in": "query", "type": "string", "uniqueItems": true},
        {"name": "body", "in": "body", "required": true, "schema": {"type": "object"}}],
      "responses": {"200": {"description": "OK"}}}}},
    "definitions": {"D": {"type": "object", "required": ["x"], "properties": {
        "x": {"type": "array", "items": {"$ref": "#/definitions/E"}, "maxItems": 300},
        "m": {"type": "object", "additionalProperties": {"type": "number"}}}}}})")
                        .as_object();
  std::string bytes = EncodeOpenApiV2(doc);
  auto top = Decode(bytes);
  auto info = Decode(BytesOf(top, 2).at(0));
  EXPECT_EQ(BytesOf(info, 1).at(0), "T");
  EXPECT_EQ(BytesOf(info, 2).at(0), "v1");
  // Paths.path (2) -> NamedPathItem{name 1, value 2} -> PathItem.patch (8)
  auto named_path = Decode(BytesOf(Decode(BytesOf(top, 8).at(0)), 2).at(0));
  EXPECT_EQ(BytesOf(named_path, 1).at(0), "/a");
  auto op = Decode(BytesOf(Decode(BytesOf(named_path, 2).at(0)), 8).at(0));
  auto params = BytesOf(op, 8);
  ASSERT_EQ(params.size(), 2u);
  // ParametersItem.parameter (1) -> Parameter.non_body (2) -> query (3) -> name (4)
  auto query = Decode(BytesOf(Decode(BytesOf(Decode(BytesOf(Decode(params[0]), 1).at(0)), 2).at(0)), 3).at(0));
  EXPECT_EQ(BytesOf(query, 4).at(0), "dryRun");
  EXPECT_EQ(BytesOf(query, 2).at(0), "query");
  // ... -> Parameter.body_parameter (1) -> in (3), required (4)
  auto body = Decode(BytesOf(Decode(BytesOf(Decode(params[1]), 1).at(0)), 1).at(0));
  EXPECT_EQ(BytesOf(body, 3).at(0), "body");
  // Definitions.additional_properties (1) -> NamedSchema -> Schema
  auto def = Decode(BytesOf(Decode(BytesOf(Decode(BytesOf(top, 9).at(0)), 1).at(0)), 2).at(0));
  EXPECT_EQ(BytesOf(def, 19).at(0), "x");  // required
  auto props = BytesOf(Decode(BytesOf(def, 25).at(0)), 1);
  ASSERT_EQ(props.size(), 2u);
  std::map<std::string, std::vector<Field>> by_name;
  for (const auto& p : props) {
    auto f = Decode(p);
    by_name[BytesOf(f, 1).at(0)] = Decode(BytesOf(f, 2).at(0));
  }
  auto items = Decode(BytesOf(by_name["x"], 23).at(0));  // ItemsItem.schema (1)
  EXPECT_EQ(BytesOf(Decode(BytesOf(items, 1).at(0)), 1).at(0), "#/definitions/E");
  uint64_t max_items = 0;
  for (const auto& f : by_name["x"]) if (f.number == 14) max_items = f.varint;
  EXPECT_EQ(max_items, 300u);
  auto ap = Decode(BytesOf(by_name["m"], 21).at(0));  // AdditionalPropertiesItem.schema (1)
  EXPECT_EQ(BytesOf(Decode(BytesOf(Decode(BytesOf(ap, 1).at(0)), 22).at(0)), 1).at(0), "number");
}

TEST(OpenApiV3Test, IndexAndGroupVersionDocuments) {
  json::object index = Get("/openapi/v3");
  const auto& paths = index.at("paths").as_object();
  for (const char* gv : {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v2"}) {
    ASSERT_TRUE(paths.contains(gv)) << gv;
    std::string url(paths.at(gv).at("serverRelativeURL").as_string());
    EXPECT_EQ(url.rfind(std::string("/openapi/v3/") + gv + "?hash=", 0), 0u) << url;
  }
  json::object apps = Get("/openapi/v3/apis/apps/v1");
  EXPECT_EQ(apps.at("openapi"), "3.0.0");
  const auto& schemas = apps.at("components").at("schemas").as_object();
  const auto& deployment = schemas.at("io.k8s.api.apps.v1.Deployment").as_object();
  EXPECT_EQ(json::serialize(deployment.at("x-kubernetes-group-version-kind")),
            R"([{"group":"apps","kind":"Deployment","version":"v1"}])");
  // A reference with a description is wrapped in allOf, as OpenAPI v3 ignores siblings of $ref.
  EXPECT_EQ(deployment.at("properties").at("spec").at("$ref"),
            "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec");
  // A reference with a description is wrapped in allOf, as OpenAPI v3 ignores siblings of $ref.
  const auto& updated = schemas.at("io.k8s.api.apps.v1.DeploymentCondition")
                            .at("properties").at("lastUpdateTime");
  EXPECT_FALSE(updated.at("description").as_string().empty());
  EXPECT_EQ(updated.at("allOf").at(0).at("$ref"),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time");
  // kubectl explain finds the kind of a resource through the paths.
  const auto& list = apps.at("paths").at("/apis/apps/v1/namespaces/{namespace}/deployments")
                         .at("get").as_object();
  EXPECT_EQ(json::serialize(list.at("x-kubernetes-group-version-kind")),
            R"({"group":"apps","kind":"Deployment","version":"v1"})");
  EXPECT_EQ(list.at("responses").at("200").at("content").at("application/json").at("schema")
                .at("$ref"),
            "#/components/schemas/io.k8s.api.apps.v1.DeploymentList");
  std::vector<std::string> refs;
  Refs(apps, refs);
  for (const auto& r : refs) {
    ASSERT_EQ(r.rfind("#/components/schemas/", 0), 0u) << r;
    EXPECT_TRUE(schemas.contains(r.substr(21))) << r;
  }
  EXPECT_FALSE(SharedDiscovery().Find("/openapi/v3/apis/nothing/v1", "", {}).has_value());
}

TEST(OpenApiCrdTest, CustomKindsJoinEveryDocument) {
  CustomTypeSet crontabs = CronTabs();
  json::object v2 = Get("/openapi/v2", "application/json", crontabs);
  const auto& defs = v2.at("definitions").as_object();
  ASSERT_TRUE(defs.contains("com.example.stable.v1.CronTab"));
  EXPECT_TRUE(defs.contains("io.k8s.api.core.v1.Pod"));
  const auto& ct = defs.at("com.example.stable.v1.CronTab").as_object();
  EXPECT_EQ(ct.at("properties").at("metadata").at("$ref"),
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_TRUE(ct.at("properties").as_object().contains("apiVersion"));
  const auto& spec = ct.at("properties").at("spec").as_object();
  EXPECT_FALSE(spec.at("properties").at("replicas").as_object().contains("nullable"));
  EXPECT_FALSE(spec.at("properties").at("extra").as_object().contains("properties"));
  EXPECT_TRUE(v2.at("paths").as_object().contains(
      "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"));

  // The protobuf form: the shared document plus appended paths and definitions.
  auto pb = SharedDiscovery().Find("/openapi/v2", std::string(kOpenApiV2ProtobufType), crontabs);
  ASSERT_TRUE(pb.has_value());
  bool ok = false;
  auto top = Decode(pb->body, &ok);
  ASSERT_TRUE(ok);
  auto def_parts = BytesOf(top, 9);
  ASSERT_EQ(def_parts.size(), 2u);
  auto appended = Decode(BytesOf(Decode(def_parts[1]), 1).at(0));
  EXPECT_EQ(BytesOf(appended, 1).at(0), "com.example.stable.v1.CronTab");

  json::object index = Get("/openapi/v3", "application/json", crontabs);
  ASSERT_TRUE(index.at("paths").as_object().contains("apis/stable.example.com/v1"));
  json::object v3 = Get("/openapi/v3/apis/stable.example.com/v1", "application/json", crontabs);
  const auto& schemas = v3.at("components").at("schemas").as_object();
  ASSERT_TRUE(schemas.contains("com.example.stable.v1.CronTab"));
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_EQ(schemas.at("com.example.stable.v1.CronTab").at("properties").at("spec")
                .at("properties").at("cronSpec").at("description"),
            "The schedule, in cron syntax.");
  std::vector<std::string> refs;
  Refs(v3, refs);
  for (const auto& r : refs) EXPECT_TRUE(schemas.contains(r.substr(21))) << r;
  // Without the CRDs, the cluster has no such group version.
  EXPECT_FALSE(SharedDiscovery().Find("/openapi/v3/apis/stable.example.com/v1", "", {}).has_value());
}

TEST(OpenApiSchemasTest, CrdNamesAndV2Conversion) {
  EXPECT_EQ(CrdDefinitionName("hypershift.openshift.io", "v1beta1", "HostedCluster"),
            "io.openshift.hypershift.v1beta1.HostedCluster");
  json::value s = json::parse(R"({"type":"object","properties":{
      "port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]},
      "any":{"type":"object","x-kubernetes-preserve-unknown-fields":true,
             "properties":{"a":{"type":"string"}}}}})");
  EXPECT_EQ(json::serialize(CrdSchemaToV2(s)),
            R"({"type":"object","properties":{"port":{"x-kubernetes-int-or-string":true},)"
            R"("any":{"x-kubernetes-preserve-unknown-fields":true}}})");
}

TEST(OpenApiTest, SharedDocumentsAreBuiltOnce) {
  const OpenApi& openapi = SharedDiscovery().openapi();
  size_t bytes = openapi.SharedBytes();
  EXPECT_GT(bytes, 0u);
  Get("/openapi/v2", "application/json", CronTabs());
  EXPECT_EQ(openapi.SharedBytes(), bytes);  // a cluster's CRDs add nothing to what is kept
  std::printf("shared OpenAPI documents: %zu bytes\n", bytes);
}

TEST(AggregatedDiscoveryTest, AcceptNegotiation) {
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                "application/json"),
            "v2");
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"),
            "v2beta1");
  EXPECT_EQ(AggregatedDiscoveryVersion("application/json, */*"), "");
  EXPECT_EQ(AggregatedDiscoveryVersion(""), "");
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,"
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"),
            "v2");
  // The classic form listed first wins.
  EXPECT_EQ(AggregatedDiscoveryVersion(
                "application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"),
            "");
}

TEST(AggregatedDiscoveryTest, GroupsResourcesAndSubresources) {
  const std::string accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
  CustomTypeSet crontabs = CronTabs();
  auto doc = SharedDiscovery().Find("/apis", accept, crontabs);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->content_type, accept);
  json::object list = json::parse(doc->body).as_object();
  EXPECT_EQ(list.at("kind"), "APIGroupDiscoveryList");
  EXPECT_EQ(list.at("apiVersion"), "apidiscovery.k8s.io/v2");
  std::map<std::string, json::object> groups;
  for (const auto& g : list.at("items").as_array()) {
    groups[std::string(g.at("metadata").at("name").as_string())] = g.as_object();
  }
  ASSERT_TRUE(groups.count("apps"));
  ASSERT_TRUE(groups.count("stable.example.com"));
  EXPECT_FALSE(groups.count(""));
  const json::object* deployments = nullptr;
  for (const auto& r : groups["apps"].at("versions").at(0).at("resources").as_array()) {
    if (r.at("resource") == "deployments") deployments = &r.as_object();
  }
  ASSERT_NE(deployments, nullptr);
  EXPECT_EQ(deployments->at("scope"), "Namespaced");
  EXPECT_EQ(deployments->at("singularResource"), "deployment");
  EXPECT_EQ(json::serialize(deployments->at("responseKind")),
            R"({"group":"apps","version":"v1","kind":"Deployment"})");
  EXPECT_EQ(json::serialize(deployments->at("shortNames")), R"(["deploy"])");
  EXPECT_EQ(json::serialize(deployments->at("categories")), R"(["all"])");
  std::set<std::string> subresources;
  for (const auto& s : deployments->at("subresources").as_array()) {
    subresources.insert(std::string(s.at("subresource").as_string()));
  }
  EXPECT_EQ(subresources, (std::set<std::string>{"scale", "status"}));

  auto core = SharedDiscovery().Find("/api", accept, crontabs);
  ASSERT_TRUE(core.has_value());
  json::object core_list = json::parse(core->body).as_object();
  ASSERT_EQ(core_list.at("items").as_array().size(), 1u);
  EXPECT_EQ(core_list.at("items").at(0).at("versions").at(0).at("version"), "v1");

  auto classic = SharedDiscovery().Find("/apis", "application/json", {});
  ASSERT_TRUE(classic.has_value());
  EXPECT_EQ(classic->content_type, "application/json");
  EXPECT_EQ(json::parse(classic->body).at("kind"), "APIGroupList");
}

}  // namespace
}  // namespace carrier::apiserver
