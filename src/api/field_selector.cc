#include "api/field_selector.h"

#include <algorithm>
#include <map>
#include <utility>

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

FieldSet::FieldSet(std::vector<Field> extra) {
  fields_.push_back({"metadata.name", "metadata.name", ""});
  fields_.push_back({"metadata.namespace", "metadata.namespace", ""});
  for (Field& f : extra) fields_.push_back(std::move(f));
}

bool FieldSet::Supports(std::string_view field) const {
  return std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) { return f.name == field; });
}

std::string FieldSet::Value(const json::value& object, std::string_view field) const {
  auto f = std::find_if(fields_.begin(), fields_.end(), [&](const Field& f) { return f.name == field; });
  if (f == fields_.end()) return {};
  const json::value* v = &object;
  std::string_view path = f->path;
  while (true) {
    std::size_t dot = path.find('.');
    const json::object* obj = v->if_object();
    if (obj == nullptr) return f->absent;
    auto it = obj->find(path.substr(0, dot));
    if (it == obj->end()) return f->absent;
    v = &it->value();
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (const json::string* s = v->if_string()) return std::string(*s);
  if (v->is_bool() || v->is_number()) return json::serialize(*v);
  return f->absent;
}

const FieldSet& FieldSet::ForKind(std::string_view group, std::string_view kind) {
  // Keyed by "<group>/<kind>".
  static const auto* kSets = new std::map<std::string, FieldSet, std::less<>>{
      {"/Pod",
       FieldSet({{"spec.nodeName", "spec.nodeName", ""},
                 {"spec.restartPolicy", "spec.restartPolicy", ""},
                 {"spec.schedulerName", "spec.schedulerName", ""},
                 {"spec.serviceAccountName", "spec.serviceAccountName", ""},
                 {"spec.hostNetwork", "spec.hostNetwork", "false"},
                 {"status.phase", "status.phase", ""},
                 {"status.podIP", "status.podIP", ""},
                 {"status.nominatedNodeName", "status.nominatedNodeName", ""}})},
      {"/Event",
       FieldSet({{"involvedObject.kind", "involvedObject.kind", ""},
                 {"involvedObject.namespace", "involvedObject.namespace", ""},
                 {"involvedObject.name", "involvedObject.name", ""},
                 {"involvedObject.uid", "involvedObject.uid", ""},
                 {"involvedObject.apiVersion", "involvedObject.apiVersion", ""},
                 {"involvedObject.resourceVersion", "involvedObject.resourceVersion", ""},
                 {"involvedObject.fieldPath", "involvedObject.fieldPath", ""},
                 {"reason", "reason", ""},
                 {"reportingComponent", "reportingComponent", ""},
                 {"source", "source.component", ""},
                 {"type", "type", ""}})},
      {"/Secret", FieldSet({{"type", "type", ""}})},
      {"/Namespace", FieldSet({{"status.phase", "status.phase", ""}})},
      {"/Node", FieldSet({{"spec.unschedulable", "spec.unschedulable", "false"}})},
      {"/ReplicationController", FieldSet({{"status.replicas", "status.replicas", "0"}})},
      {"apps/ReplicaSet", FieldSet({{"status.replicas", "status.replicas", "0"}})},
      {"batch/Job", FieldSet({{"status.successful", "status.succeeded", "0"}})},
      {"certificates.k8s.io/CertificateSigningRequest",
       FieldSet({{"spec.signerName", "spec.signerName", ""}})},
  };
  static const FieldSet kDefault;
  std::string key(group);
  key += '/';
  key += kind;
  auto it = kSets->find(key);
  return it == kSets->end() ? kDefault : it->second;
}

namespace {

Status Malformed(std::string_view selector, std::string_view term) {
  return Status(Code::kBadRequest, "invalid selector: '" + std::string(selector) +
                                       "'; can't understand '" + std::string(term) + "'");
}

// Splits on commas that are not escaped by a backslash.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  std::size_t start = 0;
  bool escaped = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (s[i] == '\\') {
      escaped = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

Result<std::string> Unescape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\') {
      if (i + 1 >= v.size() || (v[i + 1] != '\\' && v[i + 1] != ',' && v[i + 1] != '='))
        return Status(Code::kBadRequest, "invalid field selector: invalid escape sequence: " +
                                             std::string(v.substr(i, 2)));
      out += v[++i];
    } else if (c == ',' || c == '=') {
      return Status(Code::kBadRequest,
                    std::string("invalid field selector: unescaped character '") + c + "' in " +
                        std::string(v));
    } else {
      out += c;
    }
  }
  return out;
}

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector sel;
  std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return sel;
  for (std::string_view term : SplitTerms(text)) {
    if (term.empty()) continue;  // tolerated like Kubernetes: "a=b," is "a=b"
    // The first operator in the term, checking "!=" and "==" before "=".
    std::size_t pos = std::string_view::npos;
    std::size_t len = 0;
    FieldOp op = FieldOp::kEquals;
    for (std::size_t i = 0; i < term.size() && pos == std::string_view::npos; ++i) {
      if (term[i] == '\\') {
        ++i;
      } else if (term.substr(i, 2) == "!=") {
        pos = i, len = 2, op = FieldOp::kNotEquals;
      } else if (term.substr(i, 2) == "==") {
        pos = i, len = 2, op = FieldOp::kDoubleEquals;
      } else if (term[i] == '=') {
        pos = i, len = 1, op = FieldOp::kEquals;
      }
    }
    if (pos == std::string_view::npos) return Malformed(text, term);
    std::string_view field = term.substr(0, pos);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    if (field.empty()) return Malformed(text, term);
    Result<std::string> value = Unescape(term.substr(pos + len));
    if (!value.ok()) return value.status();
    sel.requirements_.push_back({std::string(field), op, std::move(value).value()});
  }
  std::stable_sort(sel.requirements_.begin(), sel.requirements_.end(),
                   [](const FieldRequirement& a, const FieldRequirement& b) { return a.field < b.field; });
  return sel;
}

Status FieldSelector::CheckSupported(const FieldSet& fields) const {
  for (const FieldRequirement& r : requirements_)
    if (!fields.Supports(r.field))
      return Status(Code::kBadRequest, "field label not supported: " + r.field);
  return Status::Ok();
}

bool FieldSelector::Matches(const std::function<std::string(std::string_view)>& value) const {
  for (const FieldRequirement& r : requirements_) {
    bool equal = value(r.field) == r.value;
    if (equal == (r.op == FieldOp::kNotEquals)) return false;
  }
  return true;
}

bool FieldSelector::Matches(const FieldSet& fields, const json::value& object) const {
  for (const FieldRequirement& r : requirements_) {
    bool equal = fields.Value(object, r.field) == r.value;
    if (equal == (r.op == FieldOp::kNotEquals)) return false;
  }
  return true;
}

const std::string* FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const FieldRequirement& r : requirements_)
    if (r.field == field && r.op != FieldOp::kNotEquals) return &r.value;
  return nullptr;
}

std::string FieldSelector::ToString() const {
  std::string out;
  for (const FieldRequirement& r : requirements_) {
    if (!out.empty()) out += ',';
    out += r.field;
    out += r.op == FieldOp::kNotEquals ? "!=" : r.op == FieldOp::kDoubleEquals ? "==" : "=";
    out += Escape(r.value);
  }
  return out;
}

}  // namespace carrier::api
