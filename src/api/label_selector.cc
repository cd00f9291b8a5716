#include "api/label_selector.h"

#include <algorithm>

#include <boost/json.hpp>

#include "api/validation.h"

namespace carrier::api {

namespace json = boost::json;

namespace {

Status ParseError(std::string message) {
  return Status(Code::kBadRequest, "unable to parse requirement: " + message);
}

Status ValidateKey(std::string_view key) {
  std::vector<std::string> errs = IsQualifiedName(key);
  if (errs.empty()) return Status::Ok();
  return ParseError(InvalidValue("key", key, errs.front()).ToString());
}

Status ValidateValues(const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::vector<std::string> errs = IsValidLabelValue(values[i]);
    if (!errs.empty())
      return ParseError(
          InvalidValue("values[" + std::to_string(i) + "]", values[i], errs.front()).ToString());
  }
  return Status::Ok();
}

// Builds one requirement with Kubernetes' checks on operator/value arity.
Result<LabelRequirement> MakeRequirement(std::string key, LabelOp op,
                                         std::vector<std::string> values) {
  CARRIER_RETURN_IF_ERROR(ValidateKey(key));
  switch (op) {
    case LabelOp::kIn:
    case LabelOp::kNotIn:
      if (values.empty())
        return ParseError(RequiredValue("values", "for 'in', 'notin' operators, values set can't be empty").ToString());
      break;
    case LabelOp::kEquals:
    case LabelOp::kDoubleEquals:
    case LabelOp::kNotEquals:
      if (values.size() != 1)
        return ParseError(InvalidValue("values", "", "exact-match compatibility requires one single value").ToString());
      break;
    case LabelOp::kExists:
    case LabelOp::kDoesNotExist:
      if (!values.empty())
        return ParseError(ForbiddenValue("values", "values set must be empty for exists and does not exist").ToString());
      break;
  }
  CARRIER_RETURN_IF_ERROR(ValidateValues(values));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return LabelRequirement{std::move(key), op, std::move(values)};
}

// Tokens of the selector grammar. Identifiers are runs of characters that are neither
// whitespace nor one of the special characters; `in`/`notin` are identifiers recognised
// by position.
enum class Tok { kEnd, kIdent, kComma, kOpenParen, kCloseParen, kEquals, kDoubleEquals, kNotEquals, kBang, kError };

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsSpecial(char c) {
  return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Tok Next(std::string_view& text) {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
    std::size_t start = pos_;
    if (pos_ >= s_.size()) {
      text = {};
      return Tok::kEnd;
    }
    char c = s_[pos_];
    Tok tok = Tok::kError;
    if (!IsSpecial(c)) {
      while (pos_ < s_.size() && !IsSpace(s_[pos_]) && !IsSpecial(s_[pos_])) ++pos_;
      tok = Tok::kIdent;
    } else if (c == '!' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '=') {
      pos_ += 2;
      tok = Tok::kNotEquals;
    } else if (c == '=' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '=') {
      pos_ += 2;
      tok = Tok::kDoubleEquals;
    } else {
      ++pos_;
      switch (c) {
        case '!': tok = Tok::kBang; break;
        case '=': tok = Tok::kEquals; break;
        case ',': tok = Tok::kComma; break;
        case '(': tok = Tok::kOpenParen; break;
        case ')': tok = Tok::kCloseParen; break;
        default: tok = Tok::kError; break;  // '<' and '>' (gt/lt are not supported)
      }
    }
    text = s_.substr(start, pos_ - start);
    return tok;
  }

  Tok Peek(std::string_view& text) {
    std::size_t saved = pos_;
    Tok t = Next(text);
    pos_ = saved;
    return t;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string Found(Tok tok, std::string_view text) {
  if (tok == Tok::kEnd) return "found 'end of string'";
  return "found '" + std::string(text) + "'";
}

Result<LabelRequirement> ParseRequirement(Lexer& lex) {
  std::string_view text;
  Tok tok = lex.Next(text);
  bool negated = false;
  if (tok == Tok::kBang) {
    negated = true;
    tok = lex.Next(text);
  }
  if (tok != Tok::kIdent) return ParseError(Found(tok, text) + ", expected: identifier");
  std::string key(text);
  if (negated) return MakeRequirement(std::move(key), LabelOp::kDoesNotExist, {});

  tok = lex.Peek(text);
  if (tok == Tok::kEnd || tok == Tok::kComma) return MakeRequirement(std::move(key), LabelOp::kExists, {});
  lex.Next(text);
  LabelOp op;
  if (tok == Tok::kEquals) {
    op = LabelOp::kEquals;
  } else if (tok == Tok::kDoubleEquals) {
    op = LabelOp::kDoubleEquals;
  } else if (tok == Tok::kNotEquals) {
    op = LabelOp::kNotEquals;
  } else if (tok == Tok::kIdent && text == "in") {
    op = LabelOp::kIn;
  } else if (tok == Tok::kIdent && text == "notin") {
    op = LabelOp::kNotIn;
  } else {
    return ParseError(Found(tok, text) + ", expected: '=', '!=', '==', 'in', 'notin'");
  }

  std::vector<std::string> values;
  if (op == LabelOp::kIn || op == LabelOp::kNotIn) {
    tok = lex.Next(text);
    if (tok != Tok::kOpenParen) return ParseError(Found(tok, text) + ", expected: '('");
    // Values: identifiers separated by commas; an empty slot is the empty value.
    bool expect_value = true;
    while (true) {
      tok = lex.Next(text);
      if (tok == Tok::kIdent && expect_value) {
        values.emplace_back(text);
        expect_value = false;
      } else if (tok == Tok::kComma) {
        if (expect_value) values.emplace_back();
        expect_value = true;
      } else if (tok == Tok::kCloseParen) {
        if (expect_value && !values.empty()) values.emplace_back();
        break;
      } else {
        return ParseError(Found(tok, text) + ", expected: ',', ')' or identifier");
      }
    }
  } else {
    tok = lex.Peek(text);
    if (tok == Tok::kIdent) {
      lex.Next(text);
      values.emplace_back(text);
    } else if (tok == Tok::kEnd || tok == Tok::kComma) {
      values.emplace_back();  // `key=` selects the empty value
    } else {
      return ParseError(Found(tok, text) + ", expected: identifier");
    }
  }
  return MakeRequirement(std::move(key), op, std::move(values));
}

void SortByKey(std::vector<LabelRequirement>& reqs) {
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const LabelRequirement& a, const LabelRequirement& b) { return a.key < b.key; });
}

// Looks a label up in either representation.
struct JsonLabels {
  const json::object* obj;
  const std::string_view* Find(std::string_view key, std::string_view& out) const {
    if (obj == nullptr) return nullptr;
    auto it = obj->find(key);
    if (it == obj->end()) return nullptr;
    const json::string* s = it->value().if_string();
    if (s == nullptr) return nullptr;
    out = *s;
    return &out;
  }
};
struct MapLabels {
  const LabelMap* map;
  const std::string_view* Find(std::string_view key, std::string_view& out) const {
    auto it = map->find(key);
    if (it == map->end()) return nullptr;
    out = it->second;
    return &out;
  }
};

template <typename Labels>
bool RequirementMatches(const LabelRequirement& r, const Labels& labels) {
  std::string_view value;
  bool has = labels.Find(r.key, value) != nullptr;
  auto in_values = [&] { return std::binary_search(r.values.begin(), r.values.end(), value); };
  switch (r.op) {
    case LabelOp::kEquals:
    case LabelOp::kDoubleEquals:
    case LabelOp::kIn: return has && in_values();
    case LabelOp::kNotEquals:
    case LabelOp::kNotIn: return !has || !in_values();
    case LabelOp::kExists: return has;
    case LabelOp::kDoesNotExist: return !has;
  }
  return false;
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector sel;
  Lexer lex(text);
  std::string_view tok_text;
  if (lex.Peek(tok_text) == Tok::kEnd) return sel;
  while (true) {
    Result<LabelRequirement> r = ParseRequirement(lex);
    if (!r.ok()) return r.status();
    sel.requirements_.push_back(std::move(r).value());
    Tok tok = lex.Next(tok_text);
    if (tok == Tok::kEnd) break;
    if (tok != Tok::kComma) return ParseError(Found(tok, tok_text) + ", expected: ',' or 'end of string'");
  }
  SortByKey(sel.requirements_);
  return sel;
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector sel;
  sel.nothing_ = true;
  return sel;
}

Result<LabelSelector> LabelSelector::FromJson(const json::value& selector) {
  if (selector.is_null()) return Nothing();
  const json::object* obj = selector.if_object();
  if (obj == nullptr) return Status(Code::kBadRequest, "a label selector must be an object");
  LabelSelector sel;
  if (auto it = obj->find("matchLabels"); it != obj->end() && !it->value().is_null()) {
    const json::object* labels = it->value().if_object();
    if (labels == nullptr) return Status(Code::kBadRequest, "matchLabels must be an object");
    for (const auto& [k, v] : *labels) {
      const json::string* s = v.if_string();
      if (s == nullptr) return Status(Code::kBadRequest, "matchLabels values must be strings");
      Result<LabelRequirement> r = MakeRequirement(std::string(k), LabelOp::kEquals, {std::string(*s)});
      if (!r.ok()) return r.status();
      sel.requirements_.push_back(std::move(r).value());
    }
  }
  if (auto it = obj->find("matchExpressions"); it != obj->end() && !it->value().is_null()) {
    const json::array* exprs = it->value().if_array();
    if (exprs == nullptr) return Status(Code::kBadRequest, "matchExpressions must be a list");
    for (const json::value& e : *exprs) {
      const json::object* expr = e.if_object();
      if (expr == nullptr) return Status(Code::kBadRequest, "a match expression must be an object");
      const json::value* key = expr->if_contains("key");
      const json::value* op = expr->if_contains("operator");
      if (key == nullptr || !key->is_string())
        return Status(Code::kBadRequest, "a match expression needs a string key");
      std::string_view op_name = op && op->is_string() ? std::string_view(op->get_string()) : "";
      LabelOp label_op;
      if (op_name == "In") {
        label_op = LabelOp::kIn;
      } else if (op_name == "NotIn") {
        label_op = LabelOp::kNotIn;
      } else if (op_name == "Exists") {
        label_op = LabelOp::kExists;
      } else if (op_name == "DoesNotExist") {
        label_op = LabelOp::kDoesNotExist;
      } else {
        return Status(Code::kBadRequest, QuoteGo(op_name) + " is not a valid label selector operator");
      }
      std::vector<std::string> values;
      if (const json::value* vs = expr->if_contains("values"); vs && !vs->is_null()) {
        const json::array* arr = vs->if_array();
        if (arr == nullptr) return Status(Code::kBadRequest, "match expression values must be a list");
        for (const json::value& v : *arr) {
          if (!v.is_string()) return Status(Code::kBadRequest, "match expression values must be strings");
          values.emplace_back(v.get_string());
        }
      }
      Result<LabelRequirement> r = MakeRequirement(std::string(key->get_string()), label_op, std::move(values));
      if (!r.ok()) return r.status();
      sel.requirements_.push_back(std::move(r).value());
    }
  }
  SortByKey(sel.requirements_);
  return sel;
}

bool LabelSelector::Matches(const json::value& labels) const {
  if (nothing_) return false;
  JsonLabels l{labels.if_object()};
  for (const LabelRequirement& r : requirements_)
    if (!RequirementMatches(r, l)) return false;
  return true;
}

bool LabelSelector::Matches(const LabelMap& labels) const {
  if (nothing_) return false;
  MapLabels l{&labels};
  for (const LabelRequirement& r : requirements_)
    if (!RequirementMatches(r, l)) return false;
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const LabelRequirement& r : requirements_) {
    if (!out.empty()) out += ',';
    if (r.op == LabelOp::kDoesNotExist) out += '!';
    out += r.key;
    switch (r.op) {
      case LabelOp::kEquals: out += '='; break;
      case LabelOp::kDoubleEquals: out += "=="; break;
      case LabelOp::kNotEquals: out += "!="; break;
      case LabelOp::kIn: out += " in "; break;
      case LabelOp::kNotIn: out += " notin "; break;
      case LabelOp::kExists:
      case LabelOp::kDoesNotExist: continue;
    }
    if (r.op == LabelOp::kIn || r.op == LabelOp::kNotIn) {
      out += '(';
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        if (i > 0) out += ',';
        out += r.values[i];
      }
      out += ')';
    } else {
      out += r.values.front();
    }
  }
  return out;
}

}  // namespace carrier::api
