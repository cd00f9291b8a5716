#include "apiserver/openapi_schemas.h"

#include <boost/json.hpp>

namespace carrier::apiserver {

extern const char kOpenApiBuiltinDefinitions[];  // generated: openapi_builtin_definitions.cc

namespace json = boost::json;

namespace {

constexpr std::string_view kV2Prefix = "#/definitions/";
constexpr std::string_view kV3Prefix = "#/components/schemas/";

void CollectReferences(const json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& [key, child] : *o) {
      if (key == "$ref" && child.is_string()) {
        std::string_view ref = child.get_string();
        if (ref.substr(0, kV2Prefix.size()) == kV2Prefix) {
          out.emplace_back(ref.substr(kV2Prefix.size()));
        }
      } else {
        CollectReferences(child, out);
      }
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& child : *a) CollectReferences(child, out);
  }
}

// Rewrites a v2 schema to v3 in place: references point into components.schemas, and a
// reference with siblings (a property's description) moves into a one-element allOf.
void RewriteV3(json::value& v) {
  auto* o = v.if_object();
  if (o == nullptr) return;
  if (auto* ref = o->if_contains("$ref"); ref && ref->is_string()) {
    std::string_view r = ref->get_string();
    std::string target = r.substr(0, kV2Prefix.size()) == kV2Prefix
                             ? std::string(kV3Prefix) + std::string(r.substr(kV2Prefix.size()))
                             : std::string(r);
    if (o->size() == 1) {
      (*o)["$ref"] = target;
      return;
    }
    o->erase("$ref");
    (*o)["allOf"] = json::array{json::object{{"$ref", target}}};
    return;
  }
  if (auto* props = o->if_contains("properties"); props && props->is_object()) {
    for (auto& [_, p] : props->get_object()) RewriteV3(p);
  }
  for (std::string_view key : {"items", "additionalProperties"}) {
    if (auto* child = o->if_contains(key)) RewriteV3(*child);
  }
  if (auto* all = o->if_contains("allOf"); all && all->is_array()) {
    for (auto& child : all->get_array()) RewriteV3(child);
  }
}

void RewriteCrdV2(json::object& s) {
  for (std::string_view key : {"nullable", "anyOf", "oneOf", "allOf", "not",
                               "x-kubernetes-validations"}) {
    s.erase(key);
  }
  auto flag = [&](std::string_view key) {
    auto* v = s.if_contains(key);
    return v && v->is_bool() && v->get_bool();
  };
  if (flag("x-kubernetes-int-or-string")) s.erase("type");
  if (flag("x-kubernetes-preserve-unknown-fields")) {
    // A v2 reader checks properties strictly; these objects keep what they do not declare.
    s.erase("properties");
    s.erase("items");
    s.erase("type");
  }
  if (auto* props = s.if_contains("properties"); props && props->is_object()) {
    for (auto& [_, p] : props->get_object()) {
      if (p.is_object()) RewriteCrdV2(p.get_object());
    }
  }
  if (auto* items = s.if_contains("items"); items && items->is_object()) {
    RewriteCrdV2(items->get_object());
  }
  if (auto* ap = s.if_contains("additionalProperties"); ap && ap->is_object()) {
    RewriteCrdV2(ap->get_object());
  }
}

}  // namespace

json::object BuiltinDefinitions() {
  json::value v = json::parse(kOpenApiBuiltinDefinitions);
  return std::move(v.as_object());
}

std::set<std::string> ReferenceClosure(const json::object& definitions,
                                       const std::vector<std::string>& roots) {
  std::set<std::string> seen;
  std::vector<std::string> pending = roots;
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    auto* def = definitions.if_contains(name);
    if (def == nullptr || !seen.insert(name).second) continue;
    CollectReferences(*def, pending);
  }
  return seen;
}

json::value ToOpenApiV3(const json::value& v2_schema) {
  json::value out = v2_schema;
  if (auto* o = out.if_object(); o && o->contains("$ref")) {
    RewriteV3(out);
    return out;
  }
  if (auto* o = out.if_object()) {
    if (auto* props = o->if_contains("properties"); props && props->is_object()) {
      for (auto& [_, p] : props->get_object()) RewriteV3(p);
    }
    for (std::string_view key : {"items", "additionalProperties"}) {
      if (auto* child = o->if_contains(key)) RewriteV3(*child);
    }
  }
  return out;
}

json::value CrdSchemaToV2(const json::value& schema) {
  json::value out = schema;
  if (out.is_object()) RewriteCrdV2(out.get_object());
  return out;
}

std::string CrdDefinitionName(std::string_view group, std::string_view version,
                              std::string_view kind) {
  std::string reversed;
  while (!group.empty()) {
    size_t dot = group.rfind('.');
    std::string_view label = dot == std::string_view::npos ? group : group.substr(dot + 1);
    if (!reversed.empty()) reversed += '.';
    reversed += label;
    group = dot == std::string_view::npos ? std::string_view() : group.substr(0, dot);
  }
  return reversed + "." + std::string(version) + "." + std::string(kind);
}

}  // namespace carrier::apiserver
