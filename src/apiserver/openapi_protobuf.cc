#include "apiserver/openapi_protobuf.h"

#include <boost/json.hpp>
#include <cstring>
#include <string_view>

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

// Field numbers of gnostic's OpenAPIv2.proto.
namespace document {
constexpr int kSwagger = 1, kInfo = 2, kPaths = 8, kDefinitions = 9;
}
namespace info {
constexpr int kTitle = 1, kVersion = 2, kDescription = 3;
}
namespace schema {
constexpr int kRef = 1, kFormat = 2, kTitle = 3, kDescription = 4, kDefault = 5,
              kMultipleOf = 6, kMaximum = 7, kExclusiveMaximum = 8, kMinimum = 9,
              kExclusiveMinimum = 10, kMaxLength = 11, kMinLength = 12, kPattern = 13,
              kMaxItems = 14, kMinItems = 15, kUniqueItems = 16, kMaxProperties = 17,
              kMinProperties = 18, kRequired = 19, kEnum = 20, kAdditionalProperties = 21,
              kType = 22, kItems = 23, kAllOf = 24, kProperties = 25, kReadOnly = 27,
              kExample = 30, kVendorExtension = 31;
}
namespace path_item {
constexpr int kGet = 2, kPut = 3, kPost = 4, kDelete = 5, kOptions = 6, kHead = 7,
              kPatch = 8, kParameters = 9, kVendorExtension = 10;
}
namespace operation {
constexpr int kTags = 1, kSummary = 2, kDescription = 3, kOperationId = 5, kProduces = 6,
              kConsumes = 7, kParameters = 8, kResponses = 9, kSchemes = 10,
              kDeprecated = 11, kVendorExtension = 13;
}
namespace body_parameter {
constexpr int kDescription = 1, kName = 2, kIn = 3, kRequired = 4, kSchema = 5;
}
namespace query_parameter {  // QueryParameterSubSchema
constexpr int kRequired = 1, kIn = 2, kDescription = 3, kName = 4, kType = 6,
              kUniqueItems = 20;
}
namespace path_parameter {  // PathParameterSubSchema
constexpr int kRequired = 1, kIn = 2, kDescription = 3, kName = 4, kType = 5,
              kUniqueItems = 19;
}

constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2;

class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void Tag(int field, int wire_type) { Varint(static_cast<uint64_t>(field) << 3 | wire_type); }
  void Bytes(int field, std::string_view bytes) {
    Tag(field, kLengthDelimited);
    Varint(bytes.size());
    out_.append(bytes);
  }
  void String(int field, const json::value* v) {
    if (v != nullptr && v->is_string()) Bytes(field, v->get_string());
  }
  void Bool(int field, const json::value* v) {
    if (v != nullptr && v->is_bool() && v->get_bool()) {
      Tag(field, kVarint);
      Varint(1);
    }
  }
  void Int64(int field, const json::value* v) {
    if (v == nullptr || !v->is_number()) return;
    Tag(field, kVarint);
    Varint(static_cast<uint64_t>(v->to_number<int64_t>()));
  }
  void Double(int field, const json::value* v) {
    if (v == nullptr || !v->is_number()) return;
    double d = v->to_number<double>();
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    Tag(field, kFixed64);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  void Strings(int field, const json::value* v) {
    if (v == nullptr) return;
    if (v->is_string()) return Bytes(field, v->get_string());
    if (!v->is_array()) return;
    for (const auto& s : v->get_array()) String(field, &s);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Any { string yaml = 2; } holding a JSON value's text.
std::string Any(const json::value& v) {
  Writer w;
  w.Bytes(2, json::serialize(v));
  return std::move(w.str());
}

// NamedAny { name = 1; Any value = 2; } for every x- key of `o`.
void VendorExtensions(Writer& w, int field, const json::object& o) {
  for (const auto& [key, value] : o) {
    if (key.size() < 2 || key.substr(0, 2) != "x-") continue;
    Writer named;
    named.Bytes(1, key);
    named.Bytes(2, Any(value));
    w.Bytes(field, named.str());
  }
}

std::string Schema(const json::object& s);

// NamedSchema { name = 1; Schema value = 2; } entries of a map of schemas.
void NamedSchemas(Writer& w, int field, const json::object& schemas) {
  for (const auto& [name, value] : schemas) {
    if (!value.is_object()) continue;
    Writer named;
    named.Bytes(1, name);
    named.Bytes(2, Schema(value.get_object()));
    w.Bytes(field, named.str());
  }
}

std::string Schema(const json::object& s) {
  using namespace schema;
  Writer w;
  w.String(kRef, s.if_contains("$ref"));
  w.String(kFormat, s.if_contains("format"));
  w.String(kTitle, s.if_contains("title"));
  w.String(kDescription, s.if_contains("description"));
  if (auto* d = s.if_contains("default")) w.Bytes(kDefault, Any(*d));
  w.Double(kMultipleOf, s.if_contains("multipleOf"));
  w.Double(kMaximum, s.if_contains("maximum"));
  w.Bool(kExclusiveMaximum, s.if_contains("exclusiveMaximum"));
  w.Double(kMinimum, s.if_contains("minimum"));
  w.Bool(kExclusiveMinimum, s.if_contains("exclusiveMinimum"));
  w.Int64(kMaxLength, s.if_contains("maxLength"));
  w.Int64(kMinLength, s.if_contains("minLength"));
  w.String(kPattern, s.if_contains("pattern"));
  w.Int64(kMaxItems, s.if_contains("maxItems"));
  w.Int64(kMinItems, s.if_contains("minItems"));
  w.Bool(kUniqueItems, s.if_contains("uniqueItems"));
  w.Int64(kMaxProperties, s.if_contains("maxProperties"));
  w.Int64(kMinProperties, s.if_contains("minProperties"));
  w.Strings(kRequired, s.if_contains("required"));
  if (auto* e = s.if_contains("enum"); e && e->is_array()) {
    for (const auto& v : e->get_array()) w.Bytes(kEnum, Any(v));
  }
  if (auto* ap = s.if_contains("additionalProperties")) {
    Writer item;  // AdditionalPropertiesItem { oneof { Schema schema = 1; bool boolean = 2; } }
    if (ap->is_object()) {
      item.Bytes(1, Schema(ap->get_object()));
    } else if (ap->is_bool()) {
      item.Tag(2, kVarint);
      item.Varint(ap->get_bool() ? 1 : 0);
    }
    w.Bytes(kAdditionalProperties, item.str());
  }
  if (auto* t = s.if_contains("type")) {
    Writer item;  // TypeItem { repeated string value = 1; }
    item.Strings(1, t);
    w.Bytes(kType, item.str());
  }
  if (auto* items = s.if_contains("items")) {
    Writer item;  // ItemsItem { repeated Schema schema = 1; }
    if (items->is_object()) item.Bytes(1, Schema(items->get_object()));
    if (items->is_array()) {
      for (const auto& i : items->get_array()) {
        if (i.is_object()) item.Bytes(1, Schema(i.get_object()));
      }
    }
    w.Bytes(kItems, item.str());
  }
  if (auto* all = s.if_contains("allOf"); all && all->is_array()) {
    for (const auto& i : all->get_array()) {
      if (i.is_object()) w.Bytes(kAllOf, Schema(i.get_object()));
    }
  }
  if (auto* props = s.if_contains("properties"); props && props->is_object()) {
    Writer item;  // Properties { repeated NamedSchema additional_properties = 1; }
    NamedSchemas(item, 1, props->get_object());
    w.Bytes(kProperties, item.str());
  }
  w.Bool(kReadOnly, s.if_contains("readOnly"));
  if (auto* e = s.if_contains("example")) w.Bytes(kExample, Any(*e));
  VendorExtensions(w, kVendorExtension, s);
  return std::move(w.str());
}

// ParametersItem { Parameter parameter = 1; } wrapping a body or non-body parameter.
std::string Parameter(const json::object& p) {
  const json::value* in = p.if_contains("in");
  const std::string_view where = in && in->is_string() ? std::string_view(in->get_string()) : "";
  Writer param;  // Parameter { oneof { BodyParameter = 1; NonBodyParameter = 2; } }
  if (where == "body") {
    Writer body;
    body.String(body_parameter::kDescription, p.if_contains("description"));
    body.String(body_parameter::kName, p.if_contains("name"));
    body.String(body_parameter::kIn, in);
    body.Bool(body_parameter::kRequired, p.if_contains("required"));
    if (auto* s = p.if_contains("schema"); s && s->is_object()) {
      body.Bytes(body_parameter::kSchema, Schema(s->get_object()));
    }
    param.Bytes(1, body.str());
  } else if (where == "query" || where == "path") {
    const bool query = where == "query";
    Writer sub;
    sub.Bool(query ? query_parameter::kRequired : path_parameter::kRequired,
             p.if_contains("required"));
    sub.String(query ? query_parameter::kIn : path_parameter::kIn, in);
    sub.String(query ? query_parameter::kDescription : path_parameter::kDescription,
               p.if_contains("description"));
    sub.String(query ? query_parameter::kName : path_parameter::kName, p.if_contains("name"));
    sub.String(query ? query_parameter::kType : path_parameter::kType, p.if_contains("type"));
    sub.Bool(query ? query_parameter::kUniqueItems : path_parameter::kUniqueItems,
             p.if_contains("uniqueItems"));
    Writer non_body;  // NonBodyParameter { query = 3; path = 4; }
    non_body.Bytes(query ? 3 : 4, sub.str());
    param.Bytes(2, non_body.str());
  } else {
    return {};
  }
  Writer item;
  item.Bytes(1, param.str());
  return std::move(item.str());
}

void Parameters(Writer& w, int field, const json::value* params) {
  if (params == nullptr || !params->is_array()) return;
  for (const auto& p : params->get_array()) {
    if (!p.is_object()) continue;
    std::string encoded = Parameter(p.get_object());
    if (!encoded.empty()) w.Bytes(field, encoded);
  }
}

std::string Responses(const json::object& responses) {
  Writer w;  // Responses { repeated NamedResponseValue response_code = 1; }
  for (const auto& [code, value] : responses) {
    if (!value.is_object()) continue;
    Writer response;  // Response { description = 1; SchemaItem schema = 2; }
    response.String(1, value.get_object().if_contains("description"));
    if (auto* s = value.get_object().if_contains("schema"); s && s->is_object()) {
      Writer item;  // SchemaItem { Schema schema = 1; }
      item.Bytes(1, Schema(s->get_object()));
      response.Bytes(2, item.str());
    }
    Writer response_value;  // ResponseValue { Response response = 1; }
    response_value.Bytes(1, response.str());
    Writer named;
    named.Bytes(1, code);
    named.Bytes(2, response_value.str());
    w.Bytes(1, named.str());
  }
  return std::move(w.str());
}

std::string Operation(const json::object& op) {
  using namespace operation;
  Writer w;
  w.Strings(kTags, op.if_contains("tags"));
  w.String(kSummary, op.if_contains("summary"));
  w.String(kDescription, op.if_contains("description"));
  w.String(kOperationId, op.if_contains("operationId"));
  w.Strings(kProduces, op.if_contains("produces"));
  w.Strings(kConsumes, op.if_contains("consumes"));
  Parameters(w, kParameters, op.if_contains("parameters"));
  if (auto* r = op.if_contains("responses"); r && r->is_object()) {
    w.Bytes(kResponses, Responses(r->get_object()));
  }
  w.Strings(kSchemes, op.if_contains("schemes"));
  w.Bool(kDeprecated, op.if_contains("deprecated"));
  VendorExtensions(w, kVendorExtension, op);
  return std::move(w.str());
}

std::string PathItem(const json::object& item) {
  using namespace path_item;
  Writer w;
  static constexpr std::pair<std::string_view, int> kMethods[] = {
      {"get", kGet},         {"put", kPut},   {"post", kPost}, {"delete", kDelete},
      {"options", kOptions}, {"head", kHead}, {"patch", kPatch}};
  for (const auto& [method, field] : kMethods) {
    if (auto* op = item.if_contains(method); op && op->is_object()) {
      w.Bytes(field, Operation(op->get_object()));
    }
  }
  Parameters(w, kParameters, item.if_contains("parameters"));
  VendorExtensions(w, kVendorExtension, item);
  return std::move(w.str());
}

std::string PathsMessage(const json::object& paths) {
  Writer w;  // Paths { repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2; }
  for (const auto& [name, value] : paths) {
    if (!value.is_object()) continue;
    Writer named;
    named.Bytes(1, name);
    named.Bytes(2, PathItem(value.get_object()));
    w.Bytes(2, named.str());
  }
  return std::move(w.str());
}

std::string DefinitionsMessage(const json::object& definitions) {
  Writer w;  // Definitions { repeated NamedSchema additional_properties = 1; }
  NamedSchemas(w, 1, definitions);
  return std::move(w.str());
}

}  // namespace

std::string EncodeOpenApiV2(const json::object& doc) {
  Writer w;
  w.String(document::kSwagger, doc.if_contains("swagger"));
  if (auto* i = doc.if_contains("info"); i && i->is_object()) {
    Writer info;
    info.String(info::kTitle, i->get_object().if_contains("title"));
    info.String(info::kVersion, i->get_object().if_contains("version"));
    info.String(info::kDescription, i->get_object().if_contains("description"));
    w.Bytes(document::kInfo, info.str());
  }
  json::object empty;
  auto* paths = doc.if_contains("paths");
  w.Bytes(document::kPaths, PathsMessage(paths && paths->is_object() ? paths->get_object() : empty));
  if (auto* d = doc.if_contains("definitions"); d && d->is_object()) {
    w.Bytes(document::kDefinitions, DefinitionsMessage(d->get_object()));
  }
  return std::move(w.str());
}

std::string EncodeOpenApiV2Paths(const json::object& paths) {
  Writer w;
  w.Bytes(document::kPaths, PathsMessage(paths));
  return std::move(w.str());
}

std::string EncodeOpenApiV2Definitions(const json::object& definitions) {
  Writer w;
  w.Bytes(document::kDefinitions, DefinitionsMessage(definitions));
  return std::move(w.str());
}

}  // namespace carrier::apiserver
