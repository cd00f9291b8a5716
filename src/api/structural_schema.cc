#include "api/structural_schema.h"

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "api/cel.h"
#include "base/base64.h"

namespace carrier::api {

namespace json = boost::json;

// One x-kubernetes-validations entry.
struct ValidationRule {
  std::shared_ptr<const cel::Program> rule;
  std::shared_ptr<const cel::Program> message_expression;  // null when not given
  std::string message;
  CauseType reason = CauseType::kFieldValueInvalid;
  std::string field_path;  // relative to the node, without the leading '.'
};

struct StructuralSchema::Node {
  std::string type;  // "", object, array, string, integer, number, boolean
  std::string format;
  bool nullable = false;
  bool preserve_unknown = false;
  bool int_or_string = false;
  bool embedded_resource = false;
  std::map<std::string, std::unique_ptr<Node>, std::less<>> properties;
  std::unique_ptr<Node> additional;  // additionalProperties as a schema
  bool additional_allowed = false;   // additionalProperties: true
  std::unique_ptr<Node> items;
  std::vector<std::string> required;
  std::optional<json::array> enumeration;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  std::optional<double> minimum, maximum, multiple_of;
  bool exclusive_minimum = false, exclusive_maximum = false;
  std::optional<int64_t> min_length, max_length, min_items, max_items, min_properties,
      max_properties;
  std::optional<json::value> default_value;
  std::vector<std::unique_ptr<Node>> all_of, any_of, one_of;
  std::unique_ptr<Node> not_;
  std::vector<ValidationRule> rules;

  // Unknown fields are kept below this node.
  bool KeepsUnknown() const { return preserve_unknown || additional_allowed || additional; }
};

namespace {

using Node = StructuralSchema::Node;

const std::set<std::string, std::less<>> kTypes = {"object", "array",   "string",
                                                    "integer", "number", "boolean"};

std::optional<int64_t> IntField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return std::nullopt;
}

std::optional<double> NumberOf(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

bool BoolField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

class Compiler {
 public:
  explicit Compiler(FieldErrors& errors) : errors_(errors) {}

  std::unique_ptr<Node> Compile(const json::value& value, const std::string& path) {
    auto node = std::make_unique<Node>();
    const json::object* o = value.if_object();
    if (o == nullptr) {
      errors_.push_back(InvalidValue(path, json::serialize(value), "must be a schema object"));
      return node;
    }
    if (const json::value* t = o->if_contains("type")) {
      if (!t->is_string() || !kTypes.count(t->get_string().subview())) {
        const std::string given =
            t->is_string() ? std::string(t->get_string()) : json::serialize(*t);
        errors_.push_back(NotSupportedValue(path + ".type", given,
                                            {"array", "boolean", "integer", "number", "object",
                                             "string"}));
      } else {
        node->type = std::string(t->get_string());
      }
    }
    if (const json::value* f = o->if_contains("format"); f && f->is_string()) {
      node->format = std::string(f->get_string());
    }
    node->nullable = BoolField(*o, "nullable");
    node->preserve_unknown = BoolField(*o, "x-kubernetes-preserve-unknown-fields");
    node->int_or_string = BoolField(*o, "x-kubernetes-int-or-string");
    node->embedded_resource = BoolField(*o, "x-kubernetes-embedded-resource");
    if (const json::value* props = o->if_contains("properties")) {
      if (!props->is_object()) {
        errors_.push_back(InvalidValue(path + ".properties", "", "must be an object"));
      } else {
        for (const auto& kv : props->get_object()) {
          node->properties[std::string(kv.key())] =
              Compile(kv.value(), path + ".properties[" + std::string(kv.key()) + "]");
        }
      }
    }
    if (const json::value* add = o->if_contains("additionalProperties")) {
      if (add->is_bool()) {
        node->additional_allowed = add->get_bool();
      } else {
        node->additional = Compile(*add, path + ".additionalProperties");
      }
      if (!node->properties.empty() && (node->additional_allowed || node->additional)) {
        errors_.push_back(ForbiddenValue(path + ".additionalProperties",
                                         "additionalProperties and properties are mutual "
                                         "exclusive"));
      }
    }
    if (const json::value* items = o->if_contains("items")) {
      node->items = Compile(*items, path + ".items");
    }
    if (const json::value* req = o->if_contains("required"); req && req->is_array()) {
      for (const auto& r : req->get_array()) {
        if (r.is_string()) node->required.emplace_back(r.get_string());
      }
    }
    if (const json::value* e = o->if_contains("enum"); e && e->is_array()) {
      node->enumeration = e->get_array();
    }
    if (const json::value* p = o->if_contains("pattern"); p && p->is_string()) {
      node->pattern_text = std::string(p->get_string());
      try {
        node->pattern.emplace(node->pattern_text, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        errors_.push_back(InvalidValue(path + ".pattern", node->pattern_text,
                                       "must be a valid regular expression"));
      }
    }
    if (const json::value* v = o->if_contains("minimum")) node->minimum = NumberOf(*v);
    if (const json::value* v = o->if_contains("maximum")) node->maximum = NumberOf(*v);
    if (const json::value* v = o->if_contains("multipleOf")) node->multiple_of = NumberOf(*v);
    node->exclusive_minimum = BoolField(*o, "exclusiveMinimum");
    node->exclusive_maximum = BoolField(*o, "exclusiveMaximum");
    node->min_length = IntField(*o, "minLength");
    node->max_length = IntField(*o, "maxLength");
    node->min_items = IntField(*o, "minItems");
    node->max_items = IntField(*o, "maxItems");
    node->min_properties = IntField(*o, "minProperties");
    node->max_properties = IntField(*o, "maxProperties");
    if (const json::value* d = o->if_contains("default")) node->default_value = *d;
    if (const json::value* rules = o->if_contains("x-kubernetes-validations")) {
      CompileRules(*rules, path + ".x-kubernetes-validations", node->rules);
    }
    CompileList(*o, "allOf", path, node->all_of);
    CompileList(*o, "anyOf", path, node->any_of);
    CompileList(*o, "oneOf", path, node->one_of);
    if (const json::value* n = o->if_contains("not")) {
      bool was = in_junctor_;
      in_junctor_ = true;
      node->not_ = Compile(*n, path + ".not");
      in_junctor_ = was;
    }

    const bool typed_by_extension =
        node->int_or_string || node->preserve_unknown || node->embedded_resource;
    if (node->type.empty() && !typed_by_extension && !in_junctor_) {
      errors_.push_back(RequiredValue(path + ".type", "must not be empty for specified " +
                                                          std::string(!node->properties.empty()
                                                                          ? "object fields"
                                                                          : "fields")));
    }
    if (node->type == "array" && !node->items) {
      errors_.push_back(RequiredValue(path + ".items", "must be specified"));
    }
    return node;
  }

 private:
  void CompileRules(const json::value& list, const std::string& path,
                    std::vector<ValidationRule>& out) {
    if (!list.is_array()) {
      errors_.push_back(InvalidValue(path, "", "must be a list of rules"));
      return;
    }
    size_t i = 0;
    for (const auto& entry : list.get_array()) {
      const std::string at = path + "[" + std::to_string(i++) + "]";
      const json::object* o = entry.if_object();
      const json::value* rule = o ? o->if_contains("rule") : nullptr;
      if (rule == nullptr || !rule->is_string() || rule->get_string().empty()) {
        errors_.push_back(RequiredValue(at + ".rule"));
        continue;
      }
      ValidationRule compiled;
      auto program = cel::Program::Compile(rule->get_string());
      if (!program.ok()) {
        errors_.push_back(InvalidValue(at + ".rule", rule->get_string(),
                                       "compilation failed: " + program.status().message()));
        continue;
      }
      compiled.rule = *program;
      if (const json::value* m = o->if_contains("message"); m && m->is_string()) {
        compiled.message = std::string(m->get_string());
      }
      if (const json::value* m = o->if_contains("messageExpression"); m && m->is_string()) {
        auto message = cel::Program::Compile(m->get_string());
        if (!message.ok()) {
          errors_.push_back(InvalidValue(at + ".messageExpression", m->get_string(),
                                         "compilation failed: " + message.status().message()));
          continue;
        }
        compiled.message_expression = *message;
      }
      if (const json::value* r = o->if_contains("reason"); r && r->is_string()) {
        const std::string_view reason = r->get_string();
        if (reason == "FieldValueInvalid") compiled.reason = CauseType::kFieldValueInvalid;
        else if (reason == "FieldValueForbidden") compiled.reason = CauseType::kFieldValueForbidden;
        else if (reason == "FieldValueRequired") compiled.reason = CauseType::kFieldValueRequired;
        else if (reason == "FieldValueDuplicate") compiled.reason = CauseType::kFieldValueDuplicate;
        else {
          errors_.push_back(NotSupportedValue(at + ".reason", reason,
                                              {"FieldValueDuplicate", "FieldValueForbidden",
                                               "FieldValueInvalid", "FieldValueRequired"}));
          continue;
        }
      }
      if (const json::value* f = o->if_contains("fieldPath"); f && f->is_string()) {
        std::string_view field = f->get_string();
        if (!field.empty() && field.front() == '.') field.remove_prefix(1);
        compiled.field_path = std::string(field);
      }
      out.push_back(std::move(compiled));
    }
  }

  void CompileList(const json::object& o, std::string_view key, const std::string& path,
                   std::vector<std::unique_ptr<Node>>& out) {
    const json::value* list = o.if_contains(key);
    if (list == nullptr || !list->is_array()) return;
    bool was = in_junctor_;
    in_junctor_ = true;  // value validations inside junctors need no type of their own
    size_t i = 0;
    for (const auto& s : list->get_array()) {
      out.push_back(Compile(s, path + "." + std::string(key) + "[" + std::to_string(i++) + "]"));
    }
    in_junctor_ = was;
  }

  FieldErrors& errors_;
  bool in_junctor_ = false;
};

std::string TypeOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "unknown";
}

// The value as Kubernetes prints it in "Invalid value: <v>".
std::string Repr(const json::value& v) {
  if (v.is_string()) return QuoteGo(v.get_string());
  if (v.is_object() || v.is_array()) return QuoteGo(TypeOf(v));
  return json::serialize(v);
}

FieldError Invalid(const std::string& field, const json::value& v, const std::string& detail) {
  return {CauseType::kFieldValueInvalid, field, "Invalid value: " + Repr(v) + ": " + detail};
}

std::string Path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

bool MatchesType(const Node& n, const json::value& v) {
  if (v.is_null()) return n.nullable;
  if (n.int_or_string) return v.is_int64() || v.is_uint64() || v.is_string();
  if (n.type.empty()) return true;
  if (n.type == "integer") {
    return v.is_int64() || v.is_uint64() ||
           (v.is_double() && std::floor(v.get_double()) == v.get_double());
  }
  if (n.type == "number") return v.is_number();
  return n.type == TypeOf(v);
}

bool ValidFormat(const std::string& format, const json::value& v) {
  if (format == "int32") {
    auto n = NumberOf(v);
    return !n || (*n >= -2147483648.0 && *n <= 2147483647.0);
  }
  if (!v.is_string()) return true;
  const std::string s(v.get_string());
  if (format == "date-time") {
    static const std::regex re(
        R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
    return std::regex_match(s, re);
  }
  if (format == "date") {
    static const std::regex re(R"(^\d{4}-\d{2}-\d{2}$)");
    return std::regex_match(s, re);
  }
  if (format == "uuid") {
    static const std::regex re(
        R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
    return std::regex_match(s, re);
  }
  if (format == "ipv4") {
    static const std::regex re(
        R"(^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$)");
    return std::regex_match(s, re);
  }
  if (format == "byte") return Base64Decode(s).has_value();
  return true;  // formats Kubernetes does not check are accepted
}

class Validator {
 public:
  explicit Validator(FieldErrors& errors) : errors_(errors) {}

  // `old` is the value at the same place in the object being replaced (updates only): the
  // transition rules (those reading oldSelf) run only where it exists.
  void Check(const Node& n, const json::value& v, const std::string& path,
             const json::value* old = nullptr) {
    const std::string field = path.empty() ? "<root>" : path;
    if (!MatchesType(n, v)) {
      std::string want = n.int_or_string ? "integer,string" : n.type;
      errors_.push_back(Invalid(field, v, field + " in body must be of type " + want + ": " +
                                              QuoteGo(TypeOf(v))));
      return;
    }
    if (v.is_null()) return;
    if (n.enumeration) {
      bool found = false;
      for (const auto& e : *n.enumeration) found = found || e == v;
      if (!found) {
        std::vector<std::string> names;
        for (const auto& e : *n.enumeration) {
          names.push_back(e.is_string() ? std::string(e.get_string()) : json::serialize(e));
        }
        std::vector<std::string_view> views(names.begin(), names.end());
        errors_.push_back(NotSupportedValue(
            field, v.is_string() ? std::string(v.get_string()) : json::serialize(v), views));
      }
    }
    if (!n.format.empty() && !ValidFormat(n.format, v)) {
      errors_.push_back(Invalid(field, v, field + " in body must be of type " + n.format + ": " +
                                              Repr(v)));
    }
    if (auto num = NumberOf(v)) CheckNumber(n, v, *num, field);
    if (v.is_string()) CheckString(n, v, field);
    if (v.is_array()) CheckArray(n, v.get_array(), path, field);
    if (v.is_object()) CheckObject(n, v.get_object(), path, field, old ? old->if_object() : nullptr);
    for (const auto& s : n.all_of) Check(*s, v, path, old);
    if (!n.any_of.empty()) {
      bool any = false;
      for (const auto& s : n.any_of) any = any || Passes(*s, v, path, old);
      if (!any) errors_.push_back(Invalid(field, v, "must validate at least one schema (anyOf)"));
    }
    if (!n.one_of.empty()) {
      int passing = 0;
      for (const auto& s : n.one_of) passing += Passes(*s, v, path, old) ? 1 : 0;
      if (passing != 1) errors_.push_back(Invalid(field, v, "must validate one and only one schema (oneOf)"));
    }
    if (n.not_ && Passes(*n.not_, v, path, old)) {
      errors_.push_back(Invalid(field, v, "must not validate the schema (not)"));
    }
    for (const auto& rule : n.rules) CheckRule(n, rule, v, old, path);
  }

 private:
  bool Passes(const Node& n, const json::value& v, const std::string& path, const json::value* old) {
    FieldErrors scratch;
    Validator(scratch).Check(n, v, path, old);
    return scratch.empty();
  }

  // A failed rule is reported as Kubernetes does: the schema's type stands for the value.
  void CheckRule(const Node& n, const ValidationRule& rule, const json::value& v,
                 const json::value* old, const std::string& path) {
    if (rule.rule->references_old_self() && old == nullptr) return;
    auto result = rule.rule->Evaluate(v, old);
    std::string message;
    if (!result.ok()) {
      message = result.status().message();
    } else if (!result->is_bool()) {
      message = "rule did not evaluate to a bool: " + rule.rule->expression();
    } else if (result->get_bool()) {
      return;
    } else if (rule.message_expression) {
      auto text = rule.message_expression->Evaluate(v, old);
      message = text.ok() && text->is_string() && !text->get_string().empty()
                    ? std::string(text->get_string())
                    : rule.message;
    } else {
      message = rule.message;
    }
    if (message.empty()) message = "failed rule: " + rule.rule->expression();
    std::string field = rule.field_path.empty() ? path : Path(path, rule.field_path);
    if (field.empty()) field = "<root>";
    const std::string type = n.type.empty() ? TypeOf(v) : n.type;
    switch (result.ok() ? rule.reason : CauseType::kFieldValueInvalid) {
      case CauseType::kFieldValueForbidden: errors_.push_back(ForbiddenValue(field, message)); break;
      case CauseType::kFieldValueRequired: errors_.push_back(RequiredValue(field, message)); break;
      case CauseType::kFieldValueDuplicate:
        errors_.push_back({CauseType::kFieldValueDuplicate, field,
                           "Duplicate value: " + QuoteGo(type) + ": " + message});
        break;
      default: errors_.push_back(InvalidValue(field, type, message));
    }
  }

  void CheckNumber(const Node& n, const json::value& v, double num, const std::string& field) {
    auto bound = [](double b) {
      return std::floor(b) == b ? std::to_string(static_cast<int64_t>(b)) : std::to_string(b);
    };
    if (n.minimum && (n.exclusive_minimum ? num <= *n.minimum : num < *n.minimum)) {
      errors_.push_back(Invalid(field, v, field + " in body should be greater than " +
                                              std::string(n.exclusive_minimum ? "" : "or equal to ") +
                                              bound(*n.minimum)));
    }
    if (n.maximum && (n.exclusive_maximum ? num >= *n.maximum : num > *n.maximum)) {
      errors_.push_back(Invalid(field, v, field + " in body should be less than " +
                                              std::string(n.exclusive_maximum ? "" : "or equal to ") +
                                              bound(*n.maximum)));
    }
    if (n.multiple_of && *n.multiple_of != 0) {
      double q = num / *n.multiple_of;
      if (std::fabs(q - std::round(q)) > 1e-9) {
        errors_.push_back(Invalid(field, v, field + " in body should be a multiple of " +
                                                bound(*n.multiple_of)));
      }
    }
  }

  void CheckString(const Node& n, const json::value& v, const std::string& field) {
    const std::string s(v.get_string());
    // Lengths count characters (code points), not bytes.
    int64_t chars = 0;
    for (unsigned char c : s) chars += (c & 0xC0) != 0x80 ? 1 : 0;
    if (n.max_length && chars > *n.max_length) {
      errors_.push_back({CauseType::kFieldValueTooLong, field,
                         "Too long: may not be longer than " + std::to_string(*n.max_length)});
    }
    if (n.min_length && chars < *n.min_length) {
      errors_.push_back(Invalid(field, v, field + " in body should be at least " +
                                              std::to_string(*n.min_length) + " chars long"));
    }
    if (n.pattern && !std::regex_search(s, *n.pattern)) {
      errors_.push_back(Invalid(field, v, field + " in body should match '" + n.pattern_text + "'"));
    }
  }

  void CheckArray(const Node& n, const json::array& a, const std::string& path,
                  const std::string& field) {
    if (n.max_items && static_cast<int64_t>(a.size()) > *n.max_items) {
      errors_.push_back({CauseType::kFieldValueInvalid, field,
                         "Too many: " + std::to_string(a.size()) + ": must have at most " +
                             std::to_string(*n.max_items) + " items"});
    }
    if (n.min_items && static_cast<int64_t>(a.size()) < *n.min_items) {
      errors_.push_back({CauseType::kFieldValueInvalid, field,
                         "Invalid value: " + std::to_string(a.size()) + ": " + field +
                             " in body should have at least " + std::to_string(*n.min_items) +
                             " items"});
    }
    if (!n.items) return;
    for (size_t i = 0; i < a.size(); ++i) {
      Check(*n.items, a[i], path + "[" + std::to_string(i) + "]");
    }
  }

  void CheckObject(const Node& n, const json::object& o, const std::string& path,
                   const std::string& field, const json::object* old) {
    for (const auto& r : n.required) {
      const json::value* v = o.if_contains(r);
      if (v == nullptr) errors_.push_back(RequiredValue(Path(path, r)));
    }
    if (n.max_properties && static_cast<int64_t>(o.size()) > *n.max_properties) {
      errors_.push_back({CauseType::kFieldValueInvalid, field,
                         "Too many: " + std::to_string(o.size()) + ": must have at most " +
                             std::to_string(*n.max_properties) + " items"});
    }
    if (n.min_properties && static_cast<int64_t>(o.size()) < *n.min_properties) {
      errors_.push_back({CauseType::kFieldValueInvalid, field,
                         "Invalid value: " + std::to_string(o.size()) + ": " + field +
                             " in body should have at least " + std::to_string(*n.min_properties) +
                             " properties"});
    }
    for (const auto& kv : o) {
      const std::string child = Path(path, kv.key());
      auto p = n.properties.find(kv.key());
      const json::value* old_child = old ? old->if_contains(kv.key()) : nullptr;
      if (p != n.properties.end()) {
        Check(*p->second, kv.value(), child, old_child);
      } else if (n.additional) {
        Check(*n.additional, kv.value(), child, old_child);
      }
    }
  }

  FieldErrors& errors_;
};

void ApplyDefaults(const Node& n, json::value& v) {
  if (json::object* o = v.if_object()) {
    for (const auto& [name, child] : n.properties) {
      if (!o->contains(name) && child->default_value) (*o)[name] = *child->default_value;
      if (json::value* c = o->if_contains(name)) ApplyDefaults(*child, *c);
    }
    if (n.additional) {
      for (auto& kv : *o) ApplyDefaults(*n.additional, kv.value());
    }
  } else if (json::array* a = v.if_array()) {
    if (n.items) {
      for (auto& e : *a) ApplyDefaults(*n.items, e);
    }
  }
}

void PruneNode(const Node& n, json::value& v, bool keep_type_meta) {
  if (json::object* o = v.if_object()) {
    const bool keep_unknown = n.KeepsUnknown() || (n.type.empty() && n.properties.empty());
    for (auto it = o->begin(); it != o->end();) {
      const std::string_view key = it->key();
      // A resource's apiVersion, kind and metadata belong to the API machinery even when the
      // schema declares them (kubebuilder writes `metadata: {type: object}` in every CRD).
      if (keep_type_meta && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        ++it;
        continue;
      }
      auto p = n.properties.find(key);
      if (p != n.properties.end()) {
        PruneNode(*p->second, it->value(), p->second->embedded_resource);
        ++it;
      } else if (n.additional) {
        PruneNode(*n.additional, it->value(), n.additional->embedded_resource);
        ++it;
      } else if (keep_unknown) {
        ++it;
      } else {
        it = o->erase(it);
      }
    }
  } else if (json::array* a = v.if_array()) {
    if (n.items) {
      for (auto& e : *a) PruneNode(*n.items, e, n.items->embedded_resource);
    }
  }
}

}  // namespace

std::shared_ptr<const StructuralSchema> StructuralSchema::Compile(const json::value& schema,
                                                                  const std::string& schema_path,
                                                                  FieldErrors& errors) {
  const size_t before = errors.size();
  auto root = Compiler(errors).Compile(schema, schema_path);
  if (errors.size() != before) return nullptr;
  std::shared_ptr<StructuralSchema> s(new StructuralSchema());
  s->root_ = std::move(root);
  s->source_ = std::make_unique<json::value>(schema);
  return s;
}

StructuralSchema::~StructuralSchema() = default;

void StructuralSchema::Default(json::value& object) const { ApplyDefaults(*root_, object); }

void StructuralSchema::Prune(json::value& object) const {
  PruneNode(*root_, object, /*keep_type_meta=*/true);
}

FieldErrors StructuralSchema::Validate(const json::value& object, const json::value* old) const {
  // apiVersion, kind and metadata are validated by the API machinery, not the schema.
  auto without_type_meta = [](json::value v) {
    if (json::object* o = v.if_object()) {
      o->erase("apiVersion");
      o->erase("kind");
      o->erase("metadata");
    }
    return v;
  };
  FieldErrors errors;
  const json::value copy = without_type_meta(object);
  if (old != nullptr) {
    const json::value old_copy = without_type_meta(*old);
    Validator(errors).Check(*root_, copy, "", &old_copy);
  } else {
    Validator(errors).Check(*root_, copy, "");
  }
  return errors;
}

const json::value& StructuralSchema::source() const { return *source_; }

}  // namespace carrier::api
