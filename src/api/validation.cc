#include "api/validation.h"

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelErr =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErr =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelErr =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErr =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";

// Kubernetes' wording: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')".
std::string RegexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string s(msg);
  s += " (";
  if (examples.size() > 0) {
    s += "e.g. ";
    bool first = true;
    for (std::string_view e : examples) {
      if (!first) s += " or ";
      first = false;
      s += "'";
      s += e;
      s += "', ";
    }
  }
  s += "regex used for validation is '";
  s += fmt;
  s += "')";
  return s;
}

std::string MaxLenError(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchesDns1123Label(std::string_view v) {
  if (v.empty() || !IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  for (char c : v)
    if (!IsLowerAlnum(c) && c != '-') return false;
  return true;
}

bool MatchesDns1123Subdomain(std::string_view v) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = v.find('.', start);
    if (!MatchesDns1123Label(v.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesQualifiedName(std::string_view v) {
  if (v.empty() || !IsAlnum(v.front()) || !IsAlnum(v.back())) return false;
  for (char c : v)
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string s(a);
  if (!s.empty()) s += '.';
  s += b;
  return s;
}

}  // namespace

std::string_view CauseTypeName(CauseType type) {
  switch (type) {
    case CauseType::kFieldValueInvalid: return "FieldValueInvalid";
    case CauseType::kFieldValueRequired: return "FieldValueRequired";
    case CauseType::kFieldValueTooLong: return "FieldValueTooLong";
    case CauseType::kFieldValueNotSupported: return "FieldValueNotSupported";
    case CauseType::kFieldValueDuplicate: return "FieldValueDuplicate";
    case CauseType::kFieldValueForbidden: return "FieldValueForbidden";
    case CauseType::kFieldManagerConflict: return "FieldManagerConflict";
  }
  return "FieldValueInvalid";
}

std::string FieldError::ToString() const { return field + ": " + message; }

std::string QuoteGo(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

FieldError InvalidValue(std::string field, std::string_view value, std::string_view detail) {
  std::string msg = "Invalid value: " + QuoteGo(value);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return {CauseType::kFieldValueInvalid, std::move(field), std::move(msg)};
}

FieldError RequiredValue(std::string field, std::string_view detail) {
  std::string msg = "Required value";
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return {CauseType::kFieldValueRequired, std::move(field), std::move(msg)};
}

FieldError TooLongValue(std::string field, std::size_t max_bytes) {
  return {CauseType::kFieldValueTooLong, std::move(field),
          "Too long: must have at most " + std::to_string(max_bytes) + " bytes"};
}

FieldError ForbiddenValue(std::string field, std::string_view detail) {
  std::string msg = "Forbidden";
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return {CauseType::kFieldValueForbidden, std::move(field), std::move(msg)};
}

FieldError DuplicateValue(std::string field, std::string_view value) {
  return {CauseType::kFieldValueDuplicate, std::move(field), "Duplicate value: " + QuoteGo(value)};
}

FieldError NotSupportedValue(std::string field, std::string_view value,
                             const std::vector<std::string_view>& supported) {
  std::string msg = "Unsupported value: " + QuoteGo(value);
  if (!supported.empty()) {
    msg += ": supported values: ";
    for (std::size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += QuoteGo(supported[i]);
    }
  }
  return {CauseType::kFieldValueNotSupported, std::move(field), std::move(msg)};
}

std::vector<std::string> IsDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123LabelMaxLength) errs.push_back(MaxLenError(kDns1123LabelMaxLength));
  if (!MatchesDns1123Label(value))
    errs.push_back(RegexError(kDns1123LabelErr, kDns1123LabelFmt, {"my-name", "123-abc"}));
  return errs;
}

std::vector<std::string> IsDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength)
    errs.push_back(MaxLenError(kDns1123SubdomainMaxLength));
  if (!MatchesDns1123Subdomain(value))
    errs.push_back(RegexError(kDns1123SubdomainErr, kDns1123SubdomainFmt, {"example.com"}));
  return errs;
}

std::vector<std::string> IsDns1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1035LabelMaxLength) errs.push_back(MaxLenError(kDns1035LabelMaxLength));
  bool ok = MatchesDns1123Label(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok) errs.push_back(RegexError(kDns1035LabelErr, kDns1035LabelFmt, {"my-name", "abc-123"}));
  return errs;
}

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " +
                     RegexError(kQualifiedNameErr, kQualifiedNameFmt,
                                {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (std::string& m : IsDns1123Subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + MaxLenError(kQualifiedNameMaxLength));
  }
  if (!MatchesQualifiedName(name)) {
    errs.push_back("name part " + RegexError(kQualifiedNameErr, kQualifiedNameFmt,
                                             {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> IsValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchesQualifiedName(value))
    errs.push_back(RegexError(kLabelValueErr, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  return errs;
}

std::vector<std::string> IsValidPathSegmentName(std::string_view value) {
  std::vector<std::string> errs;
  if (value == "." || value == "..") {
    errs.push_back("may not be '" + std::string(value) + "'");
    return errs;
  }
  for (std::string_view bad : {"/", "%"})
    if (value.find(bad) != std::string_view::npos)
      errs.push_back("may not contain '" + std::string(bad) + "'");
  return errs;
}

std::vector<std::string> ValidateName(NameRule rule, std::string_view name, bool prefix) {
  std::string masked;
  if (prefix && !name.empty() && name.back() == '-' && rule != NameRule::kPathSegment) {
    // A generateName may end in '-': the random suffix follows it.
    masked.assign(name);
    masked.back() = 'a';
    name = masked;
  }
  switch (rule) {
    case NameRule::kDns1123Subdomain: return IsDns1123Subdomain(name);
    case NameRule::kDns1123Label: return IsDns1123Label(name);
    case NameRule::kDns1035Label: return IsDns1035Label(name);
    case NameRule::kPathSegment: return IsValidPathSegmentName(name);
  }
  return {};
}

FieldErrors ValidateLabels(const json::value& labels, std::string_view path) {
  FieldErrors errs;
  if (labels.is_null()) return errs;
  const json::object* obj = labels.if_object();
  if (obj == nullptr) {
    errs.push_back(InvalidValue(std::string(path), "", "must be a map of string keys to string values"));
    return errs;
  }
  for (const auto& [key, value] : *obj) {
    for (std::string& m : IsQualifiedName(key)) errs.push_back(InvalidValue(std::string(path), key, m));
    const json::string* v = value.if_string();
    if (v == nullptr) {
      errs.push_back(InvalidValue(std::string(path), key, "label values must be strings"));
      continue;
    }
    for (std::string& m : IsValidLabelValue(*v)) errs.push_back(InvalidValue(std::string(path), *v, m));
  }
  return errs;
}

FieldErrors ValidateAnnotations(const json::value& annotations, std::string_view path) {
  FieldErrors errs;
  if (annotations.is_null()) return errs;
  const json::object* obj = annotations.if_object();
  if (obj == nullptr) {
    errs.push_back(InvalidValue(std::string(path), "", "must be a map of string keys to string values"));
    return errs;
  }
  std::size_t total = 0;
  std::string lowered;
  for (const auto& [key, value] : *obj) {
    // Annotation keys are checked case-insensitively (upper case is allowed).
    lowered.assign(key.data(), key.size());
    for (char& c : lowered)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    for (std::string& m : IsQualifiedName(lowered))
      errs.push_back(InvalidValue(std::string(path), key, m));
    const json::string* v = value.if_string();
    if (v == nullptr) {
      errs.push_back(InvalidValue(std::string(path), key, "annotation values must be strings"));
      continue;
    }
    total += key.size() + v->size();
  }
  if (total > kTotalAnnotationSizeLimit)
    errs.push_back(TooLongValue(std::string(path), kTotalAnnotationSizeLimit));
  return errs;
}

namespace {

std::string_view StringField(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  const json::string* s = it->value().if_string();
  return s ? std::string_view(*s) : std::string_view();
}

void ValidateOwnerReferences(const json::value& refs, const std::string& path, FieldErrors& errs) {
  if (refs.is_null()) return;
  const json::array* arr = refs.if_array();
  if (arr == nullptr) {
    errs.push_back(InvalidValue(path, "", "must be a list of owner references"));
    return;
  }
  int controllers = 0;
  for (const json::value& ref : *arr) {
    const json::object* r = ref.if_object();
    if (r == nullptr) {
      errs.push_back(InvalidValue(path, "", "an owner reference must be an object"));
      continue;
    }
    struct Required {
      std::string_view key, message;
    };
    for (auto [key, message] : {Required{"apiVersion", "version must not be empty"},
                                Required{"kind", "kind must not be empty"},
                                Required{"name", "name must not be empty"},
                                Required{"uid", "uid must not be empty"}}) {
      if (StringField(*r, key).empty())
        errs.push_back(InvalidValue(JoinPath(path, key), "", message));
    }
    if (auto it = r->find("controller"); it != r->end() && it->value().is_bool() &&
                                         it->value().get_bool())
      ++controllers;
  }
  if (controllers > 1)
    errs.push_back(InvalidValue(path, "", "Only one reference can have Controller set to true"));
}

void ValidateFinalizers(const json::value& finalizers, const std::string& path, FieldErrors& errs) {
  if (finalizers.is_null()) return;
  const json::array* arr = finalizers.if_array();
  if (arr == nullptr) {
    errs.push_back(InvalidValue(path, "", "must be a list of strings"));
    return;
  }
  for (const json::value& f : *arr) {
    const json::string* s = f.if_string();
    if (s == nullptr) {
      errs.push_back(InvalidValue(path, "", "finalizers must be strings"));
      continue;
    }
    for (std::string& m : IsQualifiedName(*s)) errs.push_back(InvalidValue(path, *s, m));
  }
}

}  // namespace

FieldErrors ValidateObjectMeta(const json::value& meta_value, bool namespaced, NameRule rule) {
  FieldErrors errs;
  const json::object* meta = meta_value.if_object();
  if (meta == nullptr) {
    errs.push_back(RequiredValue("metadata", "metadata must be an object"));
    return errs;
  }
  for (std::string_view key : {"name", "generateName", "namespace"}) {
    auto it = meta->find(key);
    if (it != meta->end() && !it->value().is_string() && !it->value().is_null())
      errs.push_back(InvalidValue(JoinPath("metadata", key), "", "must be a string"));
  }
  std::string_view name = StringField(*meta, "name");
  std::string_view generate_name = StringField(*meta, "generateName");
  if (!generate_name.empty()) {
    for (std::string& m : ValidateName(rule, generate_name, true))
      errs.push_back(InvalidValue("metadata.generateName", generate_name, m));
  }
  if (name.empty()) {
    if (generate_name.empty())
      errs.push_back(RequiredValue("metadata.name", "name or generateName is required"));
  } else {
    for (std::string& m : ValidateName(rule, name, false))
      errs.push_back(InvalidValue("metadata.name", name, m));
  }
  std::string_view ns = StringField(*meta, "namespace");
  if (namespaced) {
    if (ns.empty()) {
      errs.push_back(RequiredValue("metadata.namespace"));
    } else {
      for (std::string& m : IsDns1123Label(ns)) errs.push_back(InvalidValue("metadata.namespace", ns, m));
    }
  } else if (!ns.empty()) {
    errs.push_back(ForbiddenValue("metadata.namespace", "not allowed on this type"));
  }
  static const json::value kNull;
  auto field = [&](std::string_view key) -> const json::value& {
    auto it = meta->find(key);
    return it == meta->end() ? kNull : it->value();
  };
  for (FieldError& e : ValidateLabels(field("labels"), "metadata.labels")) errs.push_back(std::move(e));
  for (FieldError& e : ValidateAnnotations(field("annotations"), "metadata.annotations"))
    errs.push_back(std::move(e));
  ValidateFinalizers(field("finalizers"), "metadata.finalizers", errs);
  ValidateOwnerReferences(field("ownerReferences"), "metadata.ownerReferences", errs);
  return errs;
}

std::string GenerateName(std::string_view base,
                         const std::function<uint32_t(uint32_t)>& random_below) {
  constexpr std::size_t kMaxBase = kDns1123LabelMaxLength - kGenerateNameSuffixLength;
  std::string out(base.substr(0, kMaxBase));
  for (std::size_t i = 0; i < kGenerateNameSuffixLength; ++i) {
    uint32_t n = random_below(static_cast<uint32_t>(kGenerateNameAlphabet.size()));
    out += kGenerateNameAlphabet[n % kGenerateNameAlphabet.size()];
  }
  return out;
}

}  // namespace carrier::api
