#include "apiserver/crd_strategy.h"

#include <boost/json.hpp>
#include <cctype>
#include <set>

#include "api/json_path.h"
#include "api/structural_schema.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

std::string StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* ObjectAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

json::object& MutableObject(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void ValidateNames(const json::object& names, api::FieldErrors& errors) {
  const std::string base = "spec.names";
  for (const char* field : {"plural", "singular"}) {
    std::string value = StringAt(names, field);
    if (value.empty()) {
      errors.push_back(api::RequiredValue(base + "." + field));
      continue;
    }
    for (const auto& problem : api::IsDns1035Label(value)) {
      errors.push_back(api::InvalidValue(base + "." + field, value, problem));
    }
  }
  for (const char* field : {"kind", "listKind"}) {
    std::string value = StringAt(names, field);
    if (value.empty()) {
      errors.push_back(api::RequiredValue(base + "." + field));
    } else if (!std::isalpha(static_cast<unsigned char>(value[0])) ||
               value.find_first_of(" ./") != std::string::npos) {
      errors.push_back(api::InvalidValue(base + "." + field, value,
                                         "may have mixed case, but should otherwise match: "
                                         "[a-z]([-a-z0-9]*[a-z0-9])?"));
    }
  }
  if (StringAt(names, "kind") == StringAt(names, "listKind") && !StringAt(names, "kind").empty()) {
    errors.push_back(api::InvalidValue(base + ".listKind", StringAt(names, "listKind"),
                                       "kind and listKind may not be the same"));
  }
  if (const json::value* s = names.if_contains("shortNames"); s && s->is_array()) {
    for (size_t i = 0; i < s->get_array().size(); ++i) {
      const json::value& n = s->get_array()[i];
      std::string value = n.is_string() ? std::string(n.get_string()) : "";
      for (const auto& problem : api::IsDns1035Label(value)) {
        errors.push_back(api::InvalidValue(base + ".shortNames[" + std::to_string(i) + "]",
                                           value, problem));
      }
    }
  }
}

void ValidateColumns(const json::value& columns, const std::string& path,
                     api::FieldErrors& errors) {
  if (!columns.is_array()) return;
  static const std::set<std::string, std::less<>> kTypes = {"integer", "number", "string",
                                                             "boolean", "date"};
  size_t i = 0;
  for (const auto& col : columns.get_array()) {
    const std::string at = path + "[" + std::to_string(i++) + "]";
    const json::object* c = col.if_object();
    if (c == nullptr) {
      errors.push_back(api::InvalidValue(at, "", "must be an object"));
      continue;
    }
    if (StringAt(*c, "name").empty()) errors.push_back(api::RequiredValue(at + ".name"));
    std::string type = StringAt(*c, "type");
    if (!kTypes.count(type)) {
      errors.push_back(api::NotSupportedValue(at + ".type", type,
                                              {"boolean", "date", "integer", "number", "string"}));
    }
    std::string path_text = StringAt(*c, "jsonPath");
    if (path_text.empty()) {
      errors.push_back(api::RequiredValue(at + ".jsonPath"));
    } else if (auto parsed = api::JsonPath::Parse(path_text); !parsed.ok()) {
      errors.push_back(api::InvalidValue(at + ".jsonPath", path_text, parsed.status().message()));
    }
  }
}

void ValidateVersions(const json::object& spec, api::FieldErrors& errors) {
  const json::value* versions = spec.if_contains("versions");
  if (versions == nullptr || !versions->is_array() || versions->get_array().empty()) {
    errors.push_back(api::RequiredValue("spec.versions", "must have exactly one version marked as storage version"));
    return;
  }
  int storage = 0;
  std::set<std::string> seen;
  size_t i = 0;
  for (const auto& v : versions->get_array()) {
    const std::string at = "spec.versions[" + std::to_string(i++) + "]";
    const json::object* o = v.if_object();
    if (o == nullptr) {
      errors.push_back(api::InvalidValue(at, "", "must be an object"));
      continue;
    }
    std::string name = StringAt(*o, "name");
    for (const auto& problem : api::IsDns1035Label(name)) {
      errors.push_back(api::InvalidValue(at + ".name", name, problem));
    }
    if (!seen.insert(name).second) errors.push_back(api::DuplicateValue(at + ".name", name));
    if (const json::value* s = o->if_contains("storage"); s && s->is_bool() && s->get_bool()) {
      ++storage;
    }
    const json::object* schema = ObjectAt(*o, "schema");
    const json::value* openapi = schema ? schema->if_contains("openAPIV3Schema") : nullptr;
    if (openapi == nullptr) {
      errors.push_back(api::RequiredValue(at + ".schema.openAPIV3Schema",
                                          "schemas are required"));
    } else {
      api::StructuralSchema::Compile(*openapi, at + ".schema.openAPIV3Schema", errors);
    }
    if (const json::value* cols = o->if_contains("additionalPrinterColumns")) {
      ValidateColumns(*cols, at + ".additionalPrinterColumns", errors);
    }
    if (const json::object* sub = ObjectAt(*o, "subresources")) {
      if (const json::object* scale = ObjectAt(*sub, "scale")) {
        for (const char* f : {"specReplicasPath", "statusReplicasPath"}) {
          std::string p = StringAt(*scale, f);
          if (p.empty() || p[0] != '.') {
            errors.push_back(api::InvalidValue(at + ".subresources.scale." + f, p,
                                               "should be a json path under .spec or .status"));
          }
        }
      }
    }
  }
  if (storage != 1) {
    errors.push_back(api::InvalidValue("spec.versions", std::to_string(storage),
                                       "must have exactly one version marked as storage version"));
  }
}

}  // namespace

void DefaultCrd(json::object& crd) {
  json::object& spec = MutableObject(crd, "spec");
  json::object& names = MutableObject(spec, "names");
  std::string kind = StringAt(names, "kind");
  if (StringAt(names, "singular").empty() && !kind.empty()) names["singular"] = Lower(kind);
  if (StringAt(names, "listKind").empty() && !kind.empty()) names["listKind"] = kind + "List";
  json::object& conversion = MutableObject(spec, "conversion");
  if (StringAt(conversion, "strategy").empty()) conversion["strategy"] = "None";
}

api::FieldErrors ValidateCrd(const json::object& crd, const json::object* old) {
  api::FieldErrors errors;
  const json::object* spec = ObjectAt(crd, "spec");
  if (spec == nullptr) {
    errors.push_back(api::RequiredValue("spec"));
    return errors;
  }
  const std::string group = StringAt(*spec, "group");
  if (group.empty()) {
    errors.push_back(api::RequiredValue("spec.group"));
  } else {
    for (const auto& problem : api::IsDns1123Subdomain(group)) {
      errors.push_back(api::InvalidValue("spec.group", group, problem));
    }
    if (group.find('.') == std::string::npos) {
      errors.push_back(api::InvalidValue("spec.group", group, "should be a domain with at least one dot"));
    }
  }
  const json::object* names = ObjectAt(*spec, "names");
  if (names == nullptr) {
    errors.push_back(api::RequiredValue("spec.names"));
  } else {
    ValidateNames(*names, errors);
    const std::string expected = StringAt(*names, "plural") + "." + group;
    const std::string name(MetaString(crd, "name"));
    if (name != expected) {
      errors.push_back(api::InvalidValue("metadata.name", name,
                                         "must be spec.names.plural+\".\"+spec.group"));
    }
  }
  const std::string scope = StringAt(*spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster") {
    errors.push_back(api::NotSupportedValue("spec.scope", scope, {"Cluster", "Namespaced"}));
  }
  const json::object* conversion = ObjectAt(*spec, "conversion");
  if (conversion && StringAt(*conversion, "strategy") != "None") {
    errors.push_back(api::NotSupportedValue("spec.conversion.strategy",
                                            StringAt(*conversion, "strategy"), {"None"}));
  }
  ValidateVersions(*spec, errors);
  if (old != nullptr) {
    const json::object* old_spec = ObjectAt(*old, "spec");
    if (old_spec && StringAt(*old_spec, "group") != group) {
      errors.push_back(api::InvalidValue("spec.group", group, "field is immutable"));
    }
    if (old_spec && StringAt(*old_spec, "scope") != scope) {
      errors.push_back(api::InvalidValue("spec.scope", scope, "field is immutable"));
    }
    const json::object* old_names = old_spec ? ObjectAt(*old_spec, "names") : nullptr;
    if (names && old_names && StringAt(*old_names, "plural") != StringAt(*names, "plural")) {
      errors.push_back(api::InvalidValue("spec.names.plural", StringAt(*names, "plural"),
                                         "field is immutable"));
    }
  }
  return errors;
}

void SetCrdStatus(json::object& crd, const json::object* old, const std::string& name_conflict) {
  const json::object& spec = crd.at("spec").as_object();
  json::object status;
  if (old != nullptr) {
    if (const json::object* s = ObjectAt(*old, "status")) status = *s;
  }
  json::array stored;
  if (const json::value* sv = status.if_contains("storedVersions"); sv && sv->is_array()) {
    stored = sv->get_array();
  }
  for (const auto& v : spec.at("versions").as_array()) {
    const json::object& o = v.as_object();
    const json::value* s = o.if_contains("storage");
    if (!(s && s->is_bool() && s->get_bool())) continue;
    json::value name = o.at("name");
    bool known = false;
    for (const auto& e : stored) known = known || e == name;
    if (!known) stored.push_back(name);
  }
  status["storedVersions"] = std::move(stored);
  if (name_conflict.empty()) status["acceptedNames"] = spec.at("names");

  const std::string now = Rfc3339(std::chrono::system_clock::now());
  auto condition = [&](std::string_view type, bool ok, std::string_view reason,
                       std::string_view message) {
    std::string previous_time;
    if (const json::value* cs = status.if_contains("conditions"); cs && cs->is_array()) {
      for (const auto& c : cs->get_array()) {
        const json::object* co = c.if_object();
        if (co && StringAt(*co, "type") == type &&
            StringAt(*co, "status") == (ok ? "True" : "False")) {
          previous_time = StringAt(*co, "lastTransitionTime");
        }
      }
    }
    return json::object{{"type", type},
                        {"status", ok ? "True" : "False"},
                        {"lastTransitionTime", previous_time.empty() ? now : previous_time},
                        {"reason", reason},
                        {"message", message}};
  };
  const bool accepted = name_conflict.empty();
  json::array conditions;
  conditions.push_back(condition("NamesAccepted", accepted,
                                 accepted ? "NoConflicts" : "NameConflict",
                                 accepted ? "no conflicts found" : name_conflict));
  conditions.push_back(condition("Established", accepted,
                                 accepted ? "InitialNamesAccepted" : "NotAccepted",
                                 accepted ? "the initial names have been accepted"
                                          : "not all names are accepted"));
  status["conditions"] = std::move(conditions);
  crd["status"] = std::move(status);
}

bool CrdEstablished(const json::object& crd) {
  const json::object* status = ObjectAt(crd, "status");
  const json::value* cs = status ? status->if_contains("conditions") : nullptr;
  if (cs == nullptr || !cs->is_array()) return false;
  for (const auto& c : cs->get_array()) {
    const json::object* co = c.if_object();
    if (co && StringAt(*co, "type") == "Established") return StringAt(*co, "status") == "True";
  }
  return false;
}

}  // namespace carrier::apiserver
