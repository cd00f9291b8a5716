#include "api/managed_fields.h"

#include <boost/json.hpp>

#include "api/json_patch.h"
#include "api/strategic_merge_patch.h"

namespace carrier::api {

namespace json = boost::json;

// ---- Shape --------------------------------------------------------------------------

Shape Shape::Builtin(std::string_view group, std::string_view kind) {
  Shape s;
  s.type_ = StrategicPatchSchema(group, kind);
  return s;
}

Shape Shape::OpenApi(const json::value* schema) {
  Shape s;
  s.openapi_ = schema && schema->is_object() ? schema : nullptr;
  s.openapi_root_ = true;
  return s;
}

namespace {

const json::value* SchemaMember(const json::value* node, std::string_view key) {
  if (node == nullptr || !node->is_object()) return nullptr;
  const json::value* v = node->get_object().if_contains(key);
  return v && v->is_object() ? v : nullptr;
}

std::string_view SchemaString(const json::value* node, std::string_view key) {
  if (node == nullptr || !node->is_object()) return {};
  const json::value* v = node->get_object().if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

Shape Shape::Member(std::string_view name) const {
  Shape r;
  if (openapi_ != nullptr) {
    // Custom resources carry ObjectMeta; it merges as in every built-in kind.
    if (openapi_root_ && name == "metadata") return Builtin("", "ConfigMap").Member("metadata");
    const json::value* node = SchemaMember(SchemaMember(openapi_, "properties"), name);
    if (node == nullptr) node = SchemaMember(openapi_, "additionalProperties");
    r.openapi_ = node;
    return r;
  }
  PatchFieldInfo info = PatchFieldOf(type_, name);
  if (info.merge_list) {
    r.merge_list_ = true;
    r.key_ = info.merge_key;
    r.items_ = info.type;
  } else {
    r.type_ = info.type;
  }
  return r;
}

Shape Shape::Items() const {
  Shape r;
  if (openapi_ != nullptr) {
    r.openapi_ = SchemaMember(openapi_, "items");
    return r;
  }
  r.type_ = items_;
  return r;
}

ListType Shape::list_type() const {
  if (openapi_ != nullptr) {
    std::string_view t = SchemaString(openapi_, "x-kubernetes-list-type");
    if (t == "map" && !list_keys().empty()) return ListType::kMap;
    if (t == "set") return ListType::kSet;
    return ListType::kAtomic;
  }
  if (!merge_list_) return ListType::kAtomic;
  return key_.empty() ? ListType::kSet : ListType::kMap;
}

std::vector<std::string> Shape::list_keys() const {
  std::vector<std::string> keys;
  if (openapi_ != nullptr) {
    const json::value* v = openapi_->get_object().if_contains("x-kubernetes-list-map-keys");
    if (v && v->is_array()) {
      for (const json::value& k : v->get_array())
        if (k.is_string()) keys.emplace_back(k.get_string());
    }
    return keys;
  }
  if (merge_list_ && !key_.empty()) keys.emplace_back(key_);
  return keys;
}

bool Shape::atomic_map() const {
  return openapi_ != nullptr && SchemaString(openapi_, "x-kubernetes-map-type") == "atomic";
}

// ---- FieldPathSet -----------------------------------------------------------------------

void FieldPathSet::Insert(const FieldPathSet& other) {
  member = member || other.member;
  for (const auto& [key, child] : other.children) children[key].Insert(child);
}

FieldPathSet FieldPathSet::Minus(const FieldPathSet& other) const {
  FieldPathSet r;
  r.member = member && !other.member;
  for (const auto& [key, child] : children) {
    auto it = other.children.find(key);
    FieldPathSet sub = it == other.children.end() ? child : child.Minus(it->second);
    if (!sub.empty()) r.children.emplace(key, std::move(sub));
  }
  return r;
}

FieldPathSet FieldPathSet::Intersect(const FieldPathSet& other) const {
  FieldPathSet r;
  r.member = member && other.member;
  for (const auto& [key, child] : children) {
    auto it = other.children.find(key);
    if (it == other.children.end()) continue;
    FieldPathSet sub = child.Intersect(it->second);
    if (!sub.empty()) r.children.emplace(key, std::move(sub));
  }
  return r;
}

std::string PrintPathElement(std::string_view element) {
  std::string_view body = element.size() >= 2 ? element.substr(2) : element;
  if (element.starts_with("f:")) return "." + std::string(body);
  if (element.starts_with("v:")) return "[=" + std::string(body) + "]";
  if (element.starts_with("i:")) return "[" + std::string(body) + "]";
  if (element.starts_with("k:")) {
    boost::system::error_code ec;
    json::value keys = json::parse(body, ec);
    if (ec || !keys.is_object()) return "[" + std::string(body) + "]";
    std::string out = "[";
    bool first = true;
    for (const auto& kv : keys.get_object()) {
      if (!first) out += ',';
      first = false;
      out += kv.key();
      out += '=';
      out += json::serialize(kv.value());
    }
    return out + "]";
  }
  return std::string(element);
}

namespace {

void CollectPaths(const FieldPathSet& set, const std::string& prefix, std::vector<std::string>& out) {
  if (set.member && !prefix.empty()) out.push_back(prefix);
  for (const auto& [key, child] : set.children)
    CollectPaths(child, prefix + PrintPathElement(key), out);
}

bool IsPathElement(std::string_view key) {
  return key.size() >= 2 && key[1] == ':' &&
         (key[0] == 'f' || key[0] == 'k' || key[0] == 'v' || key[0] == 'i');
}

Result<FieldPathSet> ParseSet(const json::value& v, int depth) {
  if (depth > 64) return Status(Code::kBadRequest, "metadata.managedFields: fieldsV1 is too deep");
  const json::object* obj = v.if_object();
  if (obj == nullptr)
    return Status(Code::kBadRequest, "metadata.managedFields: fieldsV1 must be an object");
  FieldPathSet set;
  for (const auto& kv : *obj) {
    if (kv.key() == ".") {
      set.member = true;
      continue;
    }
    if (!IsPathElement(kv.key())) {
      return Status(Code::kBadRequest, "metadata.managedFields: invalid fieldsV1 path element \"" +
                                           std::string(kv.key()) + "\"");
    }
    auto child = ParseSet(kv.value(), depth + 1);
    if (!child.ok()) return child.status();
    if (child->children.empty()) child->member = true;
    set.children[std::string(kv.key())] = std::move(*child);
  }
  return set;
}

}  // namespace

std::vector<std::string> FieldPathSet::Paths() const {
  std::vector<std::string> out;
  CollectPaths(*this, "", out);
  return out;
}

json::value FieldPathSet::ToFieldsV1() const {
  json::object out;
  if (member && !children.empty()) out["."] = json::object();
  for (const auto& [key, child] : children) out[key] = child.ToFieldsV1();
  return out;
}

Result<FieldPathSet> FieldPathSet::FromFieldsV1(const json::value& fields) { return ParseSet(fields, 0); }

// ---- Computing field sets -------------------------------------------------------------

std::string ListElementKey(const json::value& element, size_t index, ListType type,
                           const std::vector<std::string>& keys) {
  if (type == ListType::kSet) return "v:" + json::serialize(element);
  if (type == ListType::kMap && element.is_object()) {
    std::map<std::string_view, const json::value*> present;  // in name order
    for (const std::string& k : keys) {
      if (const json::value* v = element.get_object().if_contains(k)) present[k] = v;
    }
    if (!present.empty()) {
      json::object key_object;
      for (auto [k, v] : present) key_object[k] = *v;
      return "k:" + json::serialize(key_object);
    }
  }
  return "i:" + std::to_string(index);
}

namespace {

bool IsGranularObject(const json::value& v, const Shape& shape) {
  return v.is_object() && !v.get_object().empty() && !shape.atomic_map();
}

bool IsMergedList(const json::value& v, const Shape& shape) {
  return v.is_array() && !v.get_array().empty() && shape.list_type() != ListType::kAtomic;
}

void Walk(const json::value& v, const Shape& shape, FieldPathSet& out) {
  if (IsGranularObject(v, shape)) {
    for (const auto& kv : v.get_object())
      Walk(kv.value(), shape.Member(kv.key()), out.children["f:" + std::string(kv.key())]);
    return;
  }
  if (IsMergedList(v, shape)) {
    const ListType type = shape.list_type();
    const std::vector<std::string> keys = shape.list_keys();
    const Shape items = shape.Items();
    const json::array& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      FieldPathSet& element = out.children[ListElementKey(a[i], i, type, keys)];
      element.member = true;
      if (type == ListType::kMap && IsGranularObject(a[i], items)) Walk(a[i], items, element);
    }
    return;
  }
  out.member = true;
}

void Prune(FieldPathSet& set, const std::string& key) {
  auto it = set.children.find(key);
  if (it != set.children.end() && it->second.empty()) set.children.erase(it);
}

void Diff(const json::value* before, const json::value& after, const Shape& shape,
          FieldPathSet& out) {
  if (before == nullptr) return Walk(after, shape, out);
  if (IsGranularObject(after, shape)) {
    if (!before->is_object()) return Walk(after, shape, out);
    for (const auto& kv : after.get_object()) {
      std::string key = "f:" + std::string(kv.key());
      Diff(before->get_object().if_contains(kv.key()), kv.value(), shape.Member(kv.key()),
           out.children[key]);
      Prune(out, key);
    }
    return;
  }
  if (IsMergedList(after, shape)) {
    if (!before->is_array()) return Walk(after, shape, out);
    const ListType type = shape.list_type();
    const std::vector<std::string> keys = shape.list_keys();
    const Shape items = shape.Items();
    const json::array& a = after.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string key = ListElementKey(a[i], i, type, keys);
      const json::value* old = ResolveElement(before, key);
      FieldPathSet& element = out.children[key];
      if (old == nullptr) {
        element.member = true;
        if (type == ListType::kMap && IsGranularObject(a[i], items)) Walk(a[i], items, element);
      } else if (type == ListType::kMap) {
        if (IsGranularObject(a[i], items)) {
          Diff(old, a[i], items, element);
        } else if (!JsonEqual(*old, a[i])) {
          element.member = true;
        }
      }
      Prune(out, key);
    }
    return;
  }
  if (!JsonEqual(*before, after)) out.member = true;
}

bool KeysMatch(const json::value& element, const json::object& keys) {
  const json::object* obj = element.if_object();
  if (obj == nullptr) return false;
  for (const auto& kv : keys) {
    const json::value* v = obj->if_contains(kv.key());
    if (v == nullptr || !JsonEqual(*v, kv.value())) return false;
  }
  return true;
}

}  // namespace

FieldPathSet FieldsOf(const json::value& object, const Shape& shape) {
  FieldPathSet out;
  Walk(object, shape, out);
  return out;
}

FieldPathSet ChangedFields(const json::value* before, const json::value& after, const Shape& shape) {
  FieldPathSet out;
  Diff(before, after, shape, out);
  return out;
}

std::optional<size_t> FindElement(const json::array& a, std::string_view element) {
  if (element.size() < 2) return std::nullopt;
  std::string_view body = element.substr(2);
  if (element.starts_with("i:")) {
    size_t index = 0;
    for (char c : body) {
      if (c < '0' || c > '9' || index > a.size()) return std::nullopt;
      index = index * 10 + static_cast<size_t>(c - '0');
    }
    if (body.empty() || index >= a.size()) return std::nullopt;
    return index;
  }
  const bool by_value = element.starts_with("v:");
  if (!by_value && !element.starts_with("k:")) return std::nullopt;
  boost::system::error_code ec;
  json::value wanted = json::parse(body, ec);
  if (ec || (!by_value && !wanted.is_object())) return std::nullopt;
  for (size_t i = 0; i < a.size(); ++i) {
    if (by_value ? JsonEqual(a[i], wanted) : KeysMatch(a[i], wanted.get_object())) return i;
  }
  return std::nullopt;
}

const json::value* ResolveElement(const json::value* v, std::string_view element) {
  if (v == nullptr || element.size() < 2) return nullptr;
  if (element.starts_with("f:")) {
    const json::object* obj = v->if_object();
    return obj ? obj->if_contains(element.substr(2)) : nullptr;
  }
  const json::array* a = v->if_array();
  if (a == nullptr) return nullptr;
  std::optional<size_t> index = FindElement(*a, element);
  return index ? &(*a)[*index] : nullptr;
}

// ---- managedFields entries ------------------------------------------------------------

Result<std::vector<ManagedFieldsEntry>> ParseManagedFields(const json::value* value) {
  std::vector<ManagedFieldsEntry> entries;
  if (value == nullptr || value->is_null()) return entries;
  auto bad = [](std::string what) {
    return Status(Code::kBadRequest, "metadata.managedFields: " + std::move(what));
  };
  if (!value->is_array()) return bad("must be a list");
  for (const json::value& item : value->get_array()) {
    const json::object* obj = item.if_object();
    if (obj == nullptr) return bad("every entry must be an object");
    ManagedFieldsEntry e;
    auto text = [&](std::string_view key, std::string& into) -> bool {
      const json::value* v = obj->if_contains(key);
      if (v == nullptr || v->is_null()) return true;
      if (!v->is_string()) return false;
      into = std::string(v->get_string());
      return true;
    };
    std::string fields_type;
    if (!text("manager", e.manager) || !text("operation", e.operation) ||
        !text("apiVersion", e.api_version) || !text("time", e.time) ||
        !text("subresource", e.subresource) || !text("fieldsType", fields_type)) {
      return bad("manager, operation, apiVersion, time, fieldsType and subresource are strings");
    }
    if (e.operation != "Apply" && e.operation != "Update")
      return bad("operation must be \"Apply\" or \"Update\"");
    if (const json::value* f = obj->if_contains("fieldsV1"); f && !f->is_null()) {
      if (fields_type != "FieldsV1") return bad("fieldsType must be \"FieldsV1\"");
      auto set = FieldPathSet::FromFieldsV1(*f);
      if (!set.ok()) return set.status();
      e.fields = std::move(*set);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

json::value ManagedFieldsToJson(const std::vector<ManagedFieldsEntry>& entries) {
  json::array out;
  for (const ManagedFieldsEntry& e : entries) {
    json::object o{{"manager", e.manager}, {"operation", e.operation},
                   {"apiVersion", e.api_version}};
    if (!e.time.empty()) o["time"] = e.time;
    o["fieldsType"] = "FieldsV1";
    o["fieldsV1"] = e.fields.ToFieldsV1();
    if (!e.subresource.empty()) o["subresource"] = e.subresource;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace carrier::api
