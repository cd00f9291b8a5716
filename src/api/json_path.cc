#include "api/json_path.h"

#include <boost/json.hpp>
#include <cctype>
#include <optional>

namespace carrier::api {

namespace json = boost::json;

// One step of a path: a field, an index, a wildcard or a filter.
struct JsonPath::Step {
  enum class Kind { kField, kIndex, kWildcard, kFilter };
  Kind kind = Kind::kField;
  std::string field;    // kField
  int64_t index = 0;    // kIndex
  // kFilter: @<path> <op> <literal>, or presence when op is empty.
  std::vector<std::string> filter_path;
  std::string op;
  json::value literal;
};

namespace {

using Step = JsonPath::Step;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::vector<Step>> Run() {
    std::vector<Step> steps;
    SkipSpaces();
    if (Peek() == '$') ++pos_;
    while (SkipSpaces(), pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.') {
        ++pos_;
        if (Peek() == '*') {
          ++pos_;
          Step wildcard;
          wildcard.kind = Step::Kind::kWildcard;
          steps.push_back(std::move(wildcard));
          continue;
        }
        std::string name = Identifier();
        if (name.empty()) return Error("a field name after '.'");
        Step s;
        s.field = std::move(name);
        steps.push_back(std::move(s));
      } else if (c == '[') {
        ++pos_;
        auto step = Bracket();
        if (!step.ok()) return step.status();
        steps.push_back(std::move(*step));
      } else {
        return Error("'.' or '['");
      }
    }
    return steps;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  Status Error(std::string_view expected) const {
    return InvalidArgument("invalid JSONPath \"" + std::string(text_) + "\": expected " +
                           std::string(expected) + " at position " + std::to_string(pos_));
  }

  std::string Identifier() {
    size_t start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$') {
        ++pos_;
      } else {
        break;
      }
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  std::optional<std::string> Quoted() {
    char quote = Peek();
    if (quote != '\'' && quote != '"') return std::nullopt;
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) return std::nullopt;
    ++pos_;
    return out;
  }

  Result<Step> Bracket() {
    SkipSpaces();
    Step s;
    if (Peek() == '*') {
      ++pos_;
      s.kind = Step::Kind::kWildcard;
    } else if (Peek() == '\'' || Peek() == '"') {
      auto name = Quoted();
      if (!name) return Error("a closing quote");
      s.field = std::move(*name);
    } else if (Peek() == '?') {
      ++pos_;
      auto filter = Filter();
      if (!filter.ok()) return filter.status();
      s = std::move(*filter);
    } else {
      bool negative = Peek() == '-';
      if (negative) ++pos_;
      size_t start = pos_;
      int64_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek())) && n < (int64_t{1} << 40)) {
        n = n * 10 + (text_[pos_++] - '0');
      }
      if (pos_ == start) return Error("an index, '*', a quoted name or a filter");
      s.kind = Step::Kind::kIndex;
      s.index = negative ? -n : n;
    }
    SkipSpaces();
    if (Peek() != ']') return Error("']'");
    ++pos_;
    return s;
  }

  Result<Step> Filter() {
    SkipSpaces();
    if (Peek() != '(') return Error("'(' after '?'");
    ++pos_;
    SkipSpaces();
    if (Peek() != '@') return Error("'@' in a filter");
    ++pos_;
    Step s;
    s.kind = Step::Kind::kFilter;
    while (Peek() == '.') {
      ++pos_;
      std::string name = Identifier();
      if (name.empty()) return Error("a field name in a filter");
      s.filter_path.push_back(std::move(name));
    }
    SkipSpaces();
    for (std::string_view op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (text_.substr(pos_, op.size()) == op) {
        s.op = std::string(op);
        pos_ += op.size();
        break;
      }
    }
    if (!s.op.empty()) {
      SkipSpaces();
      auto literal = Literal();
      if (!literal.ok()) return literal.status();
      s.literal = std::move(*literal);
      SkipSpaces();
    }
    if (Peek() != ')') return Error("')' closing the filter");
    ++pos_;
    return s;
  }

  Result<json::value> Literal() {
    if (auto q = Quoted()) return json::value(json::string(*q));
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ')' && text_[pos_] != ' ') ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    if (word == "true") return json::value(true);
    if (word == "false") return json::value(false);
    boost::system::error_code ec;
    json::value v = json::parse(word, ec);
    if (ec || !v.is_number()) return Error("a quoted string, a number, true or false");
    return v;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

const json::value* Lookup(const json::value& from, const std::vector<std::string>& path) {
  const json::value* v = &from;
  for (const auto& field : path) {
    const json::object* o = v->if_object();
    if (o == nullptr) return nullptr;
    v = o->if_contains(field);
    if (v == nullptr) return nullptr;
  }
  return v;
}

std::optional<double> AsNumber(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

bool Compare(const json::value& left, const std::string& op, const json::value& right) {
  auto l = AsNumber(left), r = AsNumber(right);
  if (l && r) {
    if (op == "==") return *l == *r;
    if (op == "!=") return *l != *r;
    if (op == "<") return *l < *r;
    if (op == "<=") return *l <= *r;
    if (op == ">") return *l > *r;
    return *l >= *r;
  }
  if (left.is_string() && right.is_string()) {
    int cmp = left.get_string().subview().compare(right.get_string().subview());
    if (op == "==") return cmp == 0;
    if (op == "!=") return cmp != 0;
    if (op == "<") return cmp < 0;
    if (op == "<=") return cmp <= 0;
    if (op == ">") return cmp > 0;
    return cmp >= 0;
  }
  if (op == "==") return left == right;
  if (op == "!=") return left != right;
  return false;
}

bool Accepts(const Step& filter, const json::value& candidate) {
  const json::value* v = Lookup(candidate, filter.filter_path);
  if (filter.op.empty()) return v != nullptr && !v->is_null();
  if (v == nullptr) return false;
  return Compare(*v, filter.op, filter.literal);
}

void Children(const json::value& v, std::vector<const json::value*>& out) {
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) out.push_back(&e);
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) out.push_back(&kv.value());
  }
}

}  // namespace

Result<JsonPath> JsonPath::Parse(std::string_view expression) {
  std::string_view body = expression;
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') {
    body = body.substr(1, body.size() - 2);
  }
  if (body.empty()) return InvalidArgument("empty JSONPath");
  auto steps = Parser(body).Run();
  if (!steps.ok()) return steps.status();
  JsonPath path;
  path.expression_ = std::string(expression);
  path.steps_ = std::make_shared<const std::vector<Step>>(std::move(*steps));
  return path;
}

std::vector<const json::value*> JsonPath::Evaluate(const json::value& root) const {
  std::vector<const json::value*> current{&root};
  for (const Step& step : *steps_) {
    std::vector<const json::value*> next;
    for (const json::value* v : current) {
      switch (step.kind) {
        case Step::Kind::kField:
          if (const auto* o = v->if_object()) {
            if (const auto* f = o->if_contains(step.field)) next.push_back(f);
          }
          break;
        case Step::Kind::kIndex:
          if (const auto* a = v->if_array()) {
            int64_t i = step.index < 0 ? static_cast<int64_t>(a->size()) + step.index : step.index;
            if (i >= 0 && i < static_cast<int64_t>(a->size())) next.push_back(&(*a)[i]);
          }
          break;
        case Step::Kind::kWildcard:
          Children(*v, next);
          break;
        case Step::Kind::kFilter: {
          std::vector<const json::value*> candidates;
          Children(*v, candidates);
          for (const json::value* c : candidates) {
            if (Accepts(step, *c)) next.push_back(c);
          }
          break;
        }
      }
    }
    current = std::move(next);
  }
  return current;
}

}  // namespace carrier::api
