#include "apiserver/openapi.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "apiserver/openapi_protobuf.h"
#include "apiserver/openapi_schemas.h"
#include "carrier/version.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

constexpr std::string_view kV2Ref = "#/definitions/";
constexpr std::string_view kV3Ref = "#/components/schemas/";

std::string Ref(std::string_view name) { return std::string(kV2Ref) + std::string(name); }

// The members of a serialized object, without its braces ("" for an empty object).
std::string Members(const json::object& o) {
  std::string s = json::serialize(o);
  return s.substr(1, s.size() - 2);
}

// Joins serialized members with the commas they need.
std::string JoinMembers(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string GroupVersionPath(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

json::object Gvk(std::string_view group, std::string_view version, std::string_view kind) {
  return {{"group", group}, {"kind", kind}, {"version", version}};
}

json::object QueryParam(std::string_view name, std::string_view type) {
  return {{"name", name}, {"in", "query"}, {"type", type}, {"uniqueItems", true}};
}

json::object PathParam(std::string_view name) {
  return {{"name", name}, {"in", "path"}, {"required", true}, {"type", "string"},
          {"uniqueItems", true}};
}

json::object BodyParam(json::object schema) {
  return {{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", std::move(schema)}};
}

json::object Operation(std::string_view action, const json::object& gvk, json::array params,
                       const std::string& response_definition) {
  json::object ok{{"description", "OK"}};
  if (!response_definition.empty()) ok["schema"] = json::object{{"$ref", Ref(response_definition)}};
  return {{"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind", gvk},
          {"produces", json::array{"application/json", "application/yaml"}},
          {"parameters", std::move(params)},
          {"responses", json::object{{"200", std::move(ok)}}}};
}

// The paths of one resource type: its collection, its items and their subresources, each
// operation naming the kind it serves (x-kubernetes-group-version-kind) and the query
// parameters Carrier honours (dryRun, fieldManager, force).
void AddPaths(const ResourceType& t, const std::string& definition,
              const std::string& list_definition, bool custom, json::object& paths) {
  std::string collection = "/" + GroupVersionPath(t.group, t.version);
  if (t.namespaced) collection += "/namespaces/{namespace}";
  collection += "/" + t.resource;
  const std::string item = collection + "/{name}";
  const json::object gvk = Gvk(t.group, t.version, t.kind);
  const json::object object_ref{{"$ref", Ref(definition)}};
  json::array scope;
  if (t.namespaced) scope.push_back(PathParam("namespace"));
  json::array named = scope;
  named.push_back(PathParam("name"));

  json::array patch_types{"application/json-patch+json", "application/merge-patch+json",
                          "application/apply-patch+yaml"};
  if (!custom) patch_types.push_back("application/strategic-merge-patch+json");
  auto write_params = [&](bool with_body_of_object) {
    json::array p{QueryParam("dryRun", "string"), QueryParam("fieldManager", "string")};
    if (with_body_of_object) p.push_back(BodyParam(object_ref));
    return p;
  };
  auto patch_op = [&](const std::string& response, const json::object& patch_gvk) {
    json::array p{QueryParam("dryRun", "string"), QueryParam("fieldManager", "string"),
                  QueryParam("force", "boolean"),
                  BodyParam(json::object{{"type", "object"}})};
    json::object op = Operation("patch", patch_gvk, std::move(p), response);
    op["consumes"] = patch_types;
    return op;
  };
  const std::string status_def(kStatusDefinition);

  paths[collection] = json::object{
      {"parameters", scope},
      {"get", Operation("list", gvk,
                        json::array{QueryParam("labelSelector", "string"),
                                    QueryParam("fieldSelector", "string"),
                                    QueryParam("limit", "integer"),
                                    QueryParam("continue", "string"),
                                    QueryParam("resourceVersion", "string"),
                                    QueryParam("watch", "boolean")},
                        list_definition)},
      {"post", Operation("post", gvk, write_params(true), definition)},
      {"delete", Operation("deletecollection", gvk, json::array{QueryParam("dryRun", "string")},
                           status_def)}};
  paths[item] = json::object{
      {"parameters", named},
      {"get", Operation("get", gvk, json::array{}, definition)},
      {"put", Operation("put", gvk, write_params(true), definition)},
      {"patch", patch_op(definition, gvk)},
      {"delete", Operation("delete", gvk, json::array{QueryParam("dryRun", "string")},
                           status_def)}};
  if (t.has_status) {
    paths[item + "/status"] = json::object{
        {"parameters", named},
        {"get", Operation("get", gvk, json::array{}, definition)},
        {"put", Operation("put", gvk, write_params(true), definition)},
        {"patch", patch_op(definition, gvk)}};
  }
  if (t.has_scale) {
    const json::object scale_gvk = Gvk("autoscaling", "v1", "Scale");
    const std::string scale(kScaleDefinition);
    json::array put_params{QueryParam("dryRun", "string"), QueryParam("fieldManager", "string"),
                           BodyParam(json::object{{"$ref", Ref(scale)}})};
    paths[item + "/scale"] = json::object{
        {"parameters", named},
        {"get", Operation("get", scale_gvk, json::array{}, scale)},
        {"put", Operation("put", scale_gvk, std::move(put_params), scale)},
        {"patch", patch_op(scale, scale_gvk)}};
  }
}

json::object ParameterV3(const json::object& p) {
  json::object out{{"name", p.at("name")}, {"in", p.at("in")}};
  if (auto* r = p.if_contains("required")) out["required"] = *r;
  out["schema"] = json::object{{"type", p.at("type")}};
  return out;
}

json::array ParametersV3(const json::value* params) {
  json::array out;
  if (params == nullptr || !params->is_array()) return out;
  for (const auto& p : params->get_array()) {
    if (p.at("in") != "body") out.push_back(ParameterV3(p.as_object()));
  }
  return out;
}

// The v2 paths in OpenAPI v3 form. kubectl explain (1.27+) finds a resource's kind through
// them. Patch operations carry no request body: kubectl would then compute strategic merge
// patches from the v3 schemas; it keeps using the v2 definitions, as it does today.
json::object PathsToV3(const json::object& v2_paths) {
  json::object out;
  for (const auto& [path, item_value] : v2_paths) {
    const auto& item = item_value.as_object();
    json::object v3{{"parameters", ParametersV3(item.if_contains("parameters"))}};
    for (const auto& [method, op_value] : item) {
      if (method == "parameters") continue;
      const auto& op = op_value.as_object();
      json::object o{{"x-kubernetes-action", op.at("x-kubernetes-action")},
                     {"x-kubernetes-group-version-kind", op.at("x-kubernetes-group-version-kind")},
                     {"parameters", ParametersV3(op.if_contains("parameters"))}};
      if (method != "patch") {
        for (const auto& p : op.at("parameters").as_array()) {
          if (p.at("in") != "body") continue;
          o["requestBody"] = json::object{
              {"required", true},
              {"content", json::object{{"application/json",
                                        json::object{{"schema", ToOpenApiV3(p.at("schema"))}}}}}};
        }
      }
      json::object ok{{"description", "OK"}};
      const auto& r = op.at("responses").at("200").as_object();
      if (auto* schema = r.if_contains("schema")) {
        ok["content"] = json::object{
            {"application/json", json::object{{"schema", ToOpenApiV3(*schema)}}}};
      }
      o["responses"] = json::object{{"200", std::move(ok)}};
      v3[method] = std::move(o);
    }
    out[path] = std::move(v3);
  }
  return out;
}

std::string V3DocumentText(std::string_view title, const json::object& paths,
                           std::string_view schemas_members) {
  json::object head{{"openapi", "3.0.0"},
                    {"info", json::object{{"title", title}, {"version", std::string("v") + kVersion}}},
                    {"paths", PathsToV3(paths)}};
  std::string text = json::serialize(head);
  text.pop_back();
  text += ",\"components\":{\"schemas\":{";
  text += schemas_members;
  text += "}}}";
  return text;
}

bool AcceptsV2Protobuf(std::string_view accept) {
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string_view range = accept.substr(pos, comma == std::string_view::npos ? accept.npos : comma - pos);
    range = range.substr(0, range.find(';'));
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    while (!range.empty() && range.back() == ' ') range.remove_suffix(1);
    // Kubernetes also accepts the older spelling with a dot before the version.
    if (range == kOpenApiV2ProtobufType ||
        range == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf") {
      return true;
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

struct OpenApi::Built {
  std::string v2_head;         // {"swagger":...,"paths":{
  std::string v2_paths;        // members of the built-in paths object
  std::string v2_definitions;  // members of the built-in definitions object
  std::string v2_protobuf;     // the built-in document, encoded
  std::map<std::string, std::string, std::less<>> v3_documents;  // "apis/apps/v1" -> text
  std::string v3_index;        // members of the index's paths object
  std::string v3_meta_schemas; // members: ObjectMeta, Status and what they reach, in v3 form
  json::object root_properties;  // apiVersion and kind, as the built-in kinds declare them

  size_t Bytes() const {
    size_t n = v2_head.size() + v2_paths.size() + v2_definitions.size() + v2_protobuf.size() +
               v3_index.size() + v3_meta_schemas.size();
    for (const auto& [k, v] : v3_documents) n += k.size() + v.size();
    return n;
  }
};

OpenApi::OpenApi(const ResourceCatalog& catalog) : catalog_(catalog) {}
OpenApi::~OpenApi() = default;

const OpenApi::Built& OpenApi::built() const {
  std::call_once(once_, [this] {
    auto b = std::make_unique<Built>();
    json::object defs = BuiltinDefinitions();
    // Definition names by the group/version/kind they declare.
    std::map<std::tuple<std::string, std::string, std::string>, std::string> by_gvk;
    for (const auto& [name, def] : defs) {
      auto* gvks = def.as_object().if_contains("x-kubernetes-group-version-kind");
      if (gvks == nullptr || !gvks->is_array()) continue;
      for (const auto& g : gvks->get_array()) {
        const auto& o = g.as_object();
        by_gvk.emplace(std::tuple{std::string(o.at("group").as_string()),
                                  std::string(o.at("version").as_string()),
                                  std::string(o.at("kind").as_string())},
                       std::string(name));
      }
    }
    auto lookup = [&](const ResourceType& t, const std::string& kind) -> std::string {
      auto it = by_gvk.find({t.group, t.version, kind});
      return it == by_gvk.end() ? "" : it->second;
    };

    json::object paths;
    std::vector<std::string> roots{std::string(kStatusDefinition),
                                   std::string(kDeleteOptionsDefinition)};
    std::map<std::string, std::vector<std::string>> roots_by_gv;
    std::map<std::string, json::object> paths_by_gv;
    for (const auto& t : catalog_.types()) {
      std::string def = lookup(t, t.kind), list = lookup(t, t.ListKind());
      if (def.empty()) continue;  // no schema to publish (e.g. a review type newer than it)
      json::object& gv_paths = paths_by_gv[GroupVersionPath(t.group, t.version)];
      AddPaths(t, def, list, false, gv_paths);
      auto& gv_roots = roots_by_gv[GroupVersionPath(t.group, t.version)];
      for (const auto& n : {def, list}) {
        if (n.empty()) continue;
        roots.push_back(n);
        gv_roots.push_back(n);
      }
      if (t.has_scale) {
        roots.push_back(std::string(kScaleDefinition));
        gv_roots.push_back(std::string(kScaleDefinition));
      }
      if (b->root_properties.empty() && !def.empty()) {
        const auto& props = defs.at(def).at("properties").as_object();
        for (const char* key : {"apiVersion", "kind"}) {
          if (auto* p = props.if_contains(key)) b->root_properties[key] = *p;
        }
      }
    }

    for (const auto& [_, gv_paths] : paths_by_gv) {
      for (const auto& [path, item] : gv_paths) paths[path] = item;
    }
    json::object v2_defs;
    for (const auto& name : ReferenceClosure(defs, roots)) v2_defs[name] = defs.at(name);

    json::object head{{"swagger", "2.0"},
                      {"info", json::object{{"title", "Kubernetes"},
                                            {"version", std::string("v") + kVersion}}}};
    b->v2_head = json::serialize(head);
    b->v2_head.pop_back();
    b->v2_head += ",\"paths\":{";
    json::object whole = head;
    whole["paths"] = paths;
    whole["definitions"] = v2_defs;
    b->v2_protobuf = EncodeOpenApiV2(whole);
    b->v2_paths = Members(paths);
    b->v2_definitions = Members(v2_defs);

    // v3: one document per group version, with what its kinds reach.
    json::object index;
    for (auto& [gv, gv_roots] : roots_by_gv) {
      gv_roots.push_back(std::string(kStatusDefinition));
      gv_roots.push_back(std::string(kDeleteOptionsDefinition));
      json::object schemas;
      for (const auto& name : ReferenceClosure(defs, gv_roots)) {
        schemas[name] = ToOpenApiV3(defs.at(name));
      }
      std::string text = V3DocumentText("Kubernetes", paths_by_gv[gv], Members(schemas));
      index[gv] = json::object{{"serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + Sha256Hex(text)}};
      b->v3_documents[gv] = std::move(text);
    }
    b->v3_index = Members(index);
    json::object meta;
    // What a CRD's group version document references: ObjectMeta, and Status in its paths.
    for (const auto& name : ReferenceClosure(defs, {std::string(kObjectMetaDefinition),
                                                    std::string(kStatusDefinition)})) {
      meta[name] = ToOpenApiV3(defs.at(name));
    }
    b->v3_meta_schemas = Members(meta);
    built_ = std::move(b);
  });
  return *built_;
}

size_t OpenApi::SharedBytes() const { return built().Bytes(); }

namespace {

// What a cluster's CRDs add: v2 definitions and paths, v3 schemas per group version.
struct CustomParts {
  json::object v2_definitions;
  json::object v2_paths;
  std::map<std::string, json::object> v3_schemas;  // by group-version path
  std::map<std::string, json::object> v2_paths_by_gv;
};

CustomParts BuildCustom(const CustomTypeSet& custom, const json::object& root_properties) {
  CustomParts parts;
  for (const auto& t : custom.types) {
    if (!t.custom || !t.custom->schema) continue;
    const json::value& source = t.custom->schema->source();
    const std::string name = CrdDefinitionName(t.group, t.version, t.kind);
    const json::array gvk{Gvk(t.group, t.version, t.kind)};
    auto preserves = [](const json::value& s) {
      auto* o = s.if_object();
      auto* p = o ? o->if_contains("x-kubernetes-preserve-unknown-fields") : nullptr;
      return p && p->is_bool() && p->get_bool();
    };

    json::value v2 = CrdSchemaToV2(source);
    if (!v2.is_object()) v2 = json::object();
    auto& v2o = v2.get_object();
    if (!preserves(source)) {
      auto& props = v2o["properties"];
      if (!props.is_object()) props = json::object();
      for (const auto& [k, p] : root_properties) props.as_object()[k] = p;
      props.as_object()["metadata"] = json::object{{"$ref", Ref(kObjectMetaDefinition)}};
      v2o["type"] = "object";
    }
    v2o["x-kubernetes-group-version-kind"] = gvk;
    parts.v2_definitions[name] = std::move(v2);
    AddPaths(t, name, "", true, parts.v2_paths_by_gv[GroupVersionPath(t.group, t.version)]);

    json::value v3 = source.is_object() ? source : json::value(json::object());
    auto& v3o = v3.get_object();
    auto& props = v3o["properties"];
    if (!props.is_object()) props = json::object();
    for (const auto& [k, p] : root_properties) props.as_object()[k] = p;
    props.as_object()["metadata"] =
        json::object{{"$ref", std::string(kV3Ref) + std::string(kObjectMetaDefinition)}};
    v3o["x-kubernetes-group-version-kind"] = gvk;
    parts.v3_schemas[GroupVersionPath(t.group, t.version)][name] = std::move(v3);
  }
  for (const auto& [_, gv_paths] : parts.v2_paths_by_gv) {
    for (const auto& [path, item] : gv_paths) parts.v2_paths[path] = item;
  }
  return parts;
}

}  // namespace

std::optional<OpenApiDocument> OpenApi::Find(std::string_view path, std::string_view accept,
                                             const CustomTypeSet& custom) const {
  if (path != "/openapi/v2" && path != "/openapi/v3" && path.rfind("/openapi/v3/", 0) != 0) {
    return std::nullopt;
  }
  const Built& b = built();
  const bool has_custom = !custom.types.empty();
  CustomParts parts;
  if (has_custom) parts = BuildCustom(custom, b.root_properties);

  if (path == "/openapi/v2") {
    if (AcceptsV2Protobuf(accept)) {
      std::string body = b.v2_protobuf;
      if (has_custom) {
        body += EncodeOpenApiV2Paths(parts.v2_paths);
        body += EncodeOpenApiV2Definitions(parts.v2_definitions);
      }
      // The spelling with '@' is what clients ask for but not a valid media type token, so
      // the answer names the equivalent dotted one (clients parse the Content-Type).
      return OpenApiDocument{std::string(kOpenApiV2ProtobufResponseType), std::move(body)};
    }
    std::string body = b.v2_head;
    body += has_custom ? JoinMembers({b.v2_paths, Members(parts.v2_paths)}) : b.v2_paths;
    body += "},\"definitions\":{";
    body += has_custom ? JoinMembers({b.v2_definitions, Members(parts.v2_definitions)})
                       : b.v2_definitions;
    body += "}}";
    return OpenApiDocument{"application/json", std::move(body)};
  }

  auto custom_document = [&](const std::string& gv, const json::object& schemas) {
    return V3DocumentText("Kubernetes CRD", parts.v2_paths_by_gv[gv],
                          JoinMembers({b.v3_meta_schemas, Members(schemas)}));
  };
  if (path == "/openapi/v3") {
    std::string body = "{\"paths\":{";
    std::string extra;
    if (has_custom) {
      json::object index;
      for (const auto& [gv, schemas] : parts.v3_schemas) {
        if (b.v3_documents.count(gv) != 0) continue;  // a built-in group version wins
        index[gv] = json::object{{"serverRelativeURL", "/openapi/v3/" + gv + "?hash=" +
                                                           Sha256Hex(custom_document(gv, schemas))}};
      }
      extra = Members(index);
    }
    body += JoinMembers({b.v3_index, extra});
    body += "}}";
    return OpenApiDocument{"application/json", std::move(body)};
  }
  std::string_view gv = path.substr(std::string_view("/openapi/v3/").size());
  if (auto it = b.v3_documents.find(gv); it != b.v3_documents.end()) {
    return OpenApiDocument{"application/json", it->second};
  }
  if (auto it = parts.v3_schemas.find(std::string(gv)); it != parts.v3_schemas.end()) {
    return OpenApiDocument{"application/json", custom_document(it->first, it->second)};
  }
  return std::nullopt;
}

}  // namespace carrier::apiserver
