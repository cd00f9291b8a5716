#include "api/cel.h"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <vector>

namespace carrier::api::cel {

namespace json = boost::json;

struct Program::Node {
  enum class Kind {
    kLiteral,   // value
    kIdent,     // name
    kSelect,    // children[0].name
    kIndex,     // children[0][children[1]]
    kHas,       // has(children[0].name)
    kCall,      // name(children...); a method call has the target as children[0]
    kMacro,     // children[0].name(var, children[1])
    kUnary,     // op children[0]
    kBinary,    // children[0] op children[1]
    kTernary,   // children[0] ? children[1] : children[2]
    kList,      // [children...]
    kMap,       // {children[0]: children[1], ...}
  };
  Kind kind;
  std::string name;  // identifier, field, function, macro or operator
  std::string var;   // a macro's variable
  json::value value;
  std::vector<std::unique_ptr<Node>> children;
};

namespace {

using Node = Program::Node;
using Kind = Node::Kind;

// ---- Parsing ----

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<Node>> ParseAll() {
    auto node = Expr();
    if (!error_.empty()) return InvalidArgument(error_);
    Skip();
    if (pos_ != text_.size()) return InvalidArgument(Where("unexpected '" + std::string(1, text_[pos_]) + "'"));
    return node;
  }

  bool references_old_self = false;

 private:
  std::string Where(const std::string& what) const {
    return what + " at position " + std::to_string(pos_ + 1);
  }
  void Fail(const std::string& what) {
    if (error_.empty()) error_ = Where(what);
  }
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Peek(std::string_view token) {
    Skip();
    return text_.substr(pos_, token.size()) == token;
  }
  bool Accept(std::string_view token) {
    if (!Peek(token)) return false;
    pos_ += token.size();
    return true;
  }
  void Expect(std::string_view token) {
    if (!Accept(token)) Fail("expected '" + std::string(token) + "'");
  }
  static std::unique_ptr<Node> Make(Kind kind, std::string name = {}) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->name = std::move(name);
    return n;
  }
  static std::unique_ptr<Node> Binary(std::string op, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    auto n = Make(Kind::kBinary, std::move(op));
    n->children.push_back(std::move(a));
    n->children.push_back(std::move(b));
    return n;
  }

  std::unique_ptr<Node> Expr() {
    if (++depth_ > 64) {
      Fail("expression nested too deeply");
      return Make(Kind::kLiteral);
    }
    auto cond = Or();
    if (Accept("?")) {
      auto n = Make(Kind::kTernary);
      n->children.push_back(std::move(cond));
      n->children.push_back(Expr());
      Expect(":");
      n->children.push_back(Expr());
      cond = std::move(n);
    }
    --depth_;
    return cond;
  }
  std::unique_ptr<Node> Or() {
    auto left = And();
    while (error_.empty() && Accept("||")) left = Binary("||", std::move(left), And());
    return left;
  }
  std::unique_ptr<Node> And() {
    auto left = Relation();
    while (error_.empty() && Accept("&&")) left = Binary("&&", std::move(left), Relation());
    return left;
  }
  std::unique_ptr<Node> Relation() {
    auto left = Addition();
    while (error_.empty()) {
      std::string op;
      for (std::string_view candidate : {"<=", ">=", "==", "!=", "<", ">"}) {
        if (Peek(candidate)) {
          op = std::string(candidate);
          break;
        }
      }
      if (op.empty() && Peek("in") && !IsIdentChar(pos_ + 2)) op = "in";
      if (op.empty()) return left;
      pos_ += op.size();
      left = Binary(op, std::move(left), Addition());
    }
    return left;
  }
  std::unique_ptr<Node> Addition() {
    auto left = Multiplication();
    while (error_.empty()) {
      if (Accept("+")) left = Binary("+", std::move(left), Multiplication());
      else if (Accept("-")) left = Binary("-", std::move(left), Multiplication());
      else return left;
    }
    return left;
  }
  std::unique_ptr<Node> Multiplication() {
    auto left = Unary();
    while (error_.empty()) {
      if (Accept("*")) left = Binary("*", std::move(left), Unary());
      else if (Accept("/")) left = Binary("/", std::move(left), Unary());
      else if (Accept("%")) left = Binary("%", std::move(left), Unary());
      else return left;
    }
    return left;
  }
  // Prefix operators are collected in a loop (not by recursion), then applied innermost first.
  std::unique_ptr<Node> Unary() {
    std::vector<std::string> ops;
    while (ops.size() < 64) {
      if (Accept("!")) {
        ops.emplace_back("!");
        continue;
      }
      Skip();
      if (Peek("-") && !(pos_ + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
        ++pos_;
        ops.emplace_back("-");
        continue;
      }
      break;
    }
    if (ops.size() >= 64) Fail("too many prefix operators");
    auto operand = Member();
    for (auto op = ops.rbegin(); op != ops.rend(); ++op) {
      auto n = Make(Kind::kUnary, *op);
      n->children.push_back(std::move(operand));
      operand = std::move(n);
    }
    return operand;
  }
  std::unique_ptr<Node> Member() {
    auto target = Primary();
    while (error_.empty()) {
      if (Accept(".")) {
        std::string field = Ident();
        if (Accept("(")) {
          target = CallOn(std::move(target), field);
        } else {
          auto n = Make(Kind::kSelect, field);
          n->children.push_back(std::move(target));
          target = std::move(n);
        }
      } else if (Accept("[")) {
        auto n = Make(Kind::kIndex);
        n->children.push_back(std::move(target));
        n->children.push_back(Expr());
        Expect("]");
        target = std::move(n);
      } else {
        return target;
      }
    }
    return target;
  }
  // After "target.name(": a macro or a method call.
  std::unique_ptr<Node> CallOn(std::unique_ptr<Node> target, const std::string& name) {
    if (name == "all" || name == "exists" || name == "exists_one" || name == "map" || name == "filter") {
      auto n = Make(Kind::kMacro, name);
      n->var = Ident();
      Expect(",");
      n->children.push_back(std::move(target));
      n->children.push_back(Expr());
      Expect(")");
      return n;
    }
    auto n = Make(Kind::kCall, name);
    n->children.push_back(std::move(target));
    Arguments(*n);
    return n;
  }
  void Arguments(Node& call) {
    if (Accept(")")) return;
    do {
      call.children.push_back(Expr());
    } while (error_.empty() && Accept(","));
    Expect(")");
  }
  bool IsIdentChar(size_t at) const {
    return at < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[at])) || text_[at] == '_');
  }
  std::string Ident() {
    Skip();
    const size_t start = pos_;
    if (pos_ < text_.size() && (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      while (IsIdentChar(pos_)) ++pos_;
    }
    if (start == pos_) Fail("expected an identifier");
    return std::string(text_.substr(start, pos_ - start));
  }
  std::unique_ptr<Node> Primary() {
    Skip();
    if (pos_ >= text_.size()) {
      Fail("unexpected end of expression");
      return Make(Kind::kLiteral);
    }
    const char ch = text_[pos_];
    if (Accept("(")) {
      auto inner = Expr();
      Expect(")");
      return inner;
    }
    if (Accept("[")) {
      auto n = Make(Kind::kList);
      if (!Accept("]")) {
        do {
          n->children.push_back(Expr());
        } while (error_.empty() && Accept(","));
        Expect("]");
      }
      return n;
    }
    if (Accept("{")) {
      auto n = Make(Kind::kMap);
      if (!Accept("}")) {
        do {
          n->children.push_back(Expr());
          Expect(":");
          n->children.push_back(Expr());
        } while (error_.empty() && Accept(","));
        Expect("}");
      }
      return n;
    }
    if (ch == '\'' || ch == '"') return StringLiteral();
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-') return Number();
    const std::string name = Ident();
    if (name == "true" || name == "false") {
      auto n = Make(Kind::kLiteral);
      n->value = name == "true";
      return n;
    }
    if (name == "null") return Make(Kind::kLiteral);
    if (Accept("(")) {
      if (name == "has") {
        auto arg = Member();
        Expect(")");
        if (arg->kind != Kind::kSelect) {
          Fail("has() needs a field selection such as has(self.field)");
          return arg;
        }
        arg->kind = Kind::kHas;
        return arg;
      }
      auto n = Make(Kind::kCall, name);
      n->children.push_back(nullptr);  // no target: a global function
      Arguments(*n);
      return n;
    }
    if (name == "oldSelf") references_old_self = true;
    return Make(Kind::kIdent, name);
  }
  std::unique_ptr<Node> StringLiteral() {
    const char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case '\\': case '\'': case '"': case '.': c = e; break;
          default:
            // Regular expressions keep their escapes: matches('\\d') and matches('\d') agree.
            out.push_back('\\');
            c = e;
        }
      }
      out.push_back(c);
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated string");
      return Make(Kind::kLiteral);
    }
    ++pos_;
    auto n = Make(Kind::kLiteral);
    n->value = out;
    return n;
  }
  std::unique_ptr<Node> Number() {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    bool real = false;
    while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
      real = real || !std::isdigit(static_cast<unsigned char>(text_[pos_]));
      ++pos_;
    }
    const std::string digits(text_.substr(start, pos_ - start));
    auto n = Make(Kind::kLiteral);
    try {
      if (real) {
        n->value = std::stod(digits);
      } else if (pos_ < text_.size() && (text_[pos_] == 'u' || text_[pos_] == 'U')) {
        ++pos_;
        n->value = static_cast<uint64_t>(std::stoull(digits));
      } else {
        n->value = static_cast<int64_t>(std::stoll(digits));
      }
    } catch (const std::exception&) {
      Fail("malformed number '" + digits + "'");
    }
    return n;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

// ---- Evaluation ----

using Value = json::value;

Status RuntimeError(std::string message) { return InvalidArgument(std::move(message)); }

std::string TypeName(const Value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null_type";
    case json::kind::bool_: return "bool";
    case json::kind::int64: return "int";
    case json::kind::uint64: return "uint";
    case json::kind::double_: return "double";
    case json::kind::string: return "string";
    case json::kind::array: return "list";
    case json::kind::object: return "map";
  }
  return "unknown";
}

bool IsNumber(const Value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }
double AsDouble(const Value& v) {
  return v.is_int64() ? static_cast<double>(v.get_int64())
         : v.is_uint64() ? static_cast<double>(v.get_uint64())
                         : v.get_double();
}

bool Equal(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) return AsDouble(a) == AsDouble(b);
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!Equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const Value* other = y.if_contains(kv.key());
      if (other == nullptr || !Equal(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

Result<int> Compare(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    const double x = AsDouble(a), y = AsDouble(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get_string().subview().compare(b.get_string().subview());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_bool() && b.is_bool()) return static_cast<int>(a.get_bool()) - static_cast<int>(b.get_bool());
  return RuntimeError("no such overload: " + TypeName(a) + " compared with " + TypeName(b));
}

Result<bool> Truth(const Result<Value>& v) {
  if (!v.ok()) return v.status();
  if (!v->is_bool()) return RuntimeError("expected a bool, got " + TypeName(*v));
  return v->get_bool();
}

class Evaluator {
 public:
  Evaluator(const Value& self, const Value* old_self) {
    scopes_.push_back({"self", &self});
    if (old_self != nullptr) scopes_.push_back({"oldSelf", old_self});
  }

  Result<Value> Eval(const Node& n) {
    switch (n.kind) {
      case Kind::kLiteral: return n.value;
      case Kind::kIdent: {
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
          if (it->first == n.name) return *it->second;
        }
        return RuntimeError("undeclared reference to '" + n.name + "'");
      }
      case Kind::kSelect: {
        auto target = Eval(*n.children[0]);
        if (!target.ok()) return target;
        if (!target->is_object()) return RuntimeError("cannot select '" + n.name + "' from " + TypeName(*target));
        const Value* field = target->get_object().if_contains(n.name);
        if (field == nullptr) return RuntimeError("no such key: " + n.name);
        return *field;
      }
      case Kind::kHas: {
        auto target = Eval(*n.children[0]);
        if (!target.ok()) return target;
        if (!target->is_object()) return RuntimeError("has() on " + TypeName(*target));
        return Value(target->get_object().contains(n.name));
      }
      case Kind::kIndex: return Index(n);
      case Kind::kUnary: return UnaryOp(n);
      case Kind::kBinary: return BinaryOp(n);
      case Kind::kTernary: {
        auto cond = Truth(Eval(*n.children[0]));
        if (!cond.ok()) return cond.status();
        return Eval(*n.children[*cond ? 1 : 2]);
      }
      case Kind::kList: {
        json::array out;
        for (const auto& c : n.children) {
          auto v = Eval(*c);
          if (!v.ok()) return v;
          out.push_back(std::move(*v));
        }
        return Value(std::move(out));
      }
      case Kind::kMap: {
        json::object out;
        for (size_t i = 0; i + 1 < n.children.size(); i += 2) {
          auto k = Eval(*n.children[i]);
          if (!k.ok()) return k;
          if (!k->is_string()) return RuntimeError("map keys must be strings here");
          auto v = Eval(*n.children[i + 1]);
          if (!v.ok()) return v;
          out[k->get_string()] = std::move(*v);
        }
        return Value(std::move(out));
      }
      case Kind::kMacro: return Macro(n);
      case Kind::kCall: return Call(n);
    }
    return RuntimeError("unknown expression");
  }

 private:
  Result<Value> Index(const Node& n) {
    auto target = Eval(*n.children[0]);
    if (!target.ok()) return target;
    auto key = Eval(*n.children[1]);
    if (!key.ok()) return key;
    if (target->is_object()) {
      if (!key->is_string()) return RuntimeError("map index must be a string");
      const Value* v = target->get_object().if_contains(key->get_string());
      if (v == nullptr) return RuntimeError("no such key: " + std::string(key->get_string()));
      return *v;
    }
    if (target->is_array()) {
      if (!key->is_int64() && !key->is_uint64()) return RuntimeError("list index must be an int");
      const int64_t i = key->is_int64() ? key->get_int64() : static_cast<int64_t>(key->get_uint64());
      const auto& a = target->get_array();
      if (i < 0 || static_cast<size_t>(i) >= a.size()) {
        return RuntimeError("index out of range: " + std::to_string(i));
      }
      return a[static_cast<size_t>(i)];
    }
    return RuntimeError("cannot index " + TypeName(*target));
  }

  Result<Value> UnaryOp(const Node& n) {
    auto v = Eval(*n.children[0]);
    if (!v.ok()) return v;
    if (n.name == "!") {
      if (!v->is_bool()) return RuntimeError("no such overload: !" + TypeName(*v));
      return Value(!v->get_bool());
    }
    if (v->is_int64()) return Value(-v->get_int64());
    if (v->is_double()) return Value(-v->get_double());
    return RuntimeError("no such overload: -" + TypeName(*v));
  }

  Result<Value> BinaryOp(const Node& n) {
    const std::string& op = n.name;
    if (op == "&&" || op == "||") {
      // Commutative error absorption: either side deciding the result wins over an error.
      const bool decisive = op == "||";
      auto left = Truth(Eval(*n.children[0]));
      if (left.ok() && *left == decisive) return Value(decisive);
      auto right = Truth(Eval(*n.children[1]));
      if (right.ok() && *right == decisive) return Value(decisive);
      if (!left.ok()) return left.status();
      if (!right.ok()) return right.status();
      return Value(!decisive);
    }
    auto a = Eval(*n.children[0]);
    if (!a.ok()) return a;
    auto b = Eval(*n.children[1]);
    if (!b.ok()) return b;
    if (op == "==") return Value(Equal(*a, *b));
    if (op == "!=") return Value(!Equal(*a, *b));
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      auto c = Compare(*a, *b);
      if (!c.ok()) return c.status();
      const bool r = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
      return Value(r);
    }
    if (op == "in") {
      if (b->is_array()) {
        for (const auto& e : b->get_array()) {
          if (Equal(*a, e)) return Value(true);
        }
        return Value(false);
      }
      if (b->is_object() && a->is_string()) return Value(b->get_object().contains(a->get_string()));
      return RuntimeError("no such overload: " + TypeName(*a) + " in " + TypeName(*b));
    }
    if (op == "+") {
      if (a->is_string() && b->is_string()) {
        return Value(std::string(a->get_string()) + std::string(b->get_string()));
      }
      if (a->is_array() && b->is_array()) {
        json::array out = a->get_array();
        for (const auto& e : b->get_array()) out.push_back(e);
        return Value(std::move(out));
      }
    }
    return Arithmetic(op, *a, *b);
  }

  static Result<Value> Arithmetic(const std::string& op, const Value& a, const Value& b) {
    if (a.is_int64() && b.is_int64()) {
      const int64_t x = a.get_int64(), y = b.get_int64();
      int64_t r = 0;
      if (op == "+" && !__builtin_add_overflow(x, y, &r)) return Value(r);
      if (op == "-" && !__builtin_sub_overflow(x, y, &r)) return Value(r);
      if (op == "*" && !__builtin_mul_overflow(x, y, &r)) return Value(r);
      if ((op == "/" || op == "%") && y == 0) return RuntimeError("division by zero");
      if (op == "/" && !(x == INT64_MIN && y == -1)) return Value(x / y);
      if (op == "%" && !(x == INT64_MIN && y == -1)) return Value(x % y);
      return RuntimeError("integer overflow");
    }
    if (a.is_uint64() && b.is_uint64()) {
      const uint64_t x = a.get_uint64(), y = b.get_uint64();
      uint64_t r = 0;
      if (op == "+" && !__builtin_add_overflow(x, y, &r)) return Value(r);
      if (op == "-" && !__builtin_sub_overflow(x, y, &r)) return Value(r);
      if (op == "*" && !__builtin_mul_overflow(x, y, &r)) return Value(r);
      if ((op == "/" || op == "%") && y == 0) return RuntimeError("division by zero");
      if (op == "/") return Value(x / y);
      if (op == "%") return Value(x % y);
      return RuntimeError("unsigned integer overflow");
    }
    if (a.is_double() && b.is_double()) {
      const double x = a.get_double(), y = b.get_double();
      if (op == "+") return Value(x + y);
      if (op == "-") return Value(x - y);
      if (op == "*") return Value(x * y);
      if (op == "/") return Value(x / y);
    }
    return RuntimeError("no such overload: " + TypeName(a) + " " + op + " " + TypeName(b));
  }

  Result<Value> Macro(const Node& n) {
    auto range = Eval(*n.children[0]);
    if (!range.ok()) return range;
    std::vector<Value> elements;
    if (range->is_array()) {
      elements.assign(range->get_array().begin(), range->get_array().end());
    } else if (range->is_object()) {
      for (const auto& kv : range->get_object()) elements.emplace_back(kv.key());
    } else {
      return RuntimeError(n.name + "() on " + TypeName(*range));
    }
    json::array mapped;
    int64_t matches = 0;
    Status first_error;
    for (const Value& element : elements) {
      scopes_.push_back({n.var, &element});
      auto v = Eval(*n.children[1]);
      scopes_.pop_back();
      if (n.name == "map") {
        if (!v.ok()) return v;
        mapped.push_back(std::move(*v));
        continue;
      }
      auto truth = Truth(v);
      if (!truth.ok()) {
        if (first_error.ok()) first_error = truth.status();
        continue;
      }
      if (n.name == "all" && !*truth) return Value(false);
      if (n.name == "exists" && *truth) return Value(true);
      if (*truth) {
        ++matches;
        if (n.name == "filter") mapped.push_back(element);
      }
    }
    if (!first_error.ok()) return first_error;
    if (n.name == "all") return Value(true);
    if (n.name == "exists") return Value(false);
    if (n.name == "exists_one") return Value(matches == 1);
    return Value(std::move(mapped));
  }

  Result<Value> Call(const Node& n) {
    std::vector<Value> args;
    for (size_t i = 0; i < n.children.size(); ++i) {
      if (!n.children[i]) continue;  // a global function has no target
      auto v = Eval(*n.children[i]);
      if (!v.ok()) return v;
      args.push_back(std::move(*v));
    }
    const std::string& f = n.name;
    auto wrong = [&]() {
      std::string types;
      for (const auto& a : args) types += (types.empty() ? "" : ", ") + TypeName(a);
      return RuntimeError("no such overload: " + f + "(" + types + ")");
    };
    if (f == "size" && args.size() == 1) {
      const Value& v = args[0];
      if (v.is_string()) {
        int64_t chars = 0;
        for (unsigned char c : v.get_string()) chars += (c & 0xC0) != 0x80 ? 1 : 0;
        return Value(chars);
      }
      if (v.is_array()) return Value(static_cast<int64_t>(v.get_array().size()));
      if (v.is_object()) return Value(static_cast<int64_t>(v.get_object().size()));
      return wrong();
    }
    if (args.size() == 2 && args[0].is_string() && args[1].is_string()) {
      const std::string_view s = args[0].get_string(), t = args[1].get_string();
      if (f == "startsWith") return Value(s.substr(0, t.size()) == t);
      if (f == "endsWith") return Value(s.size() >= t.size() && s.substr(s.size() - t.size()) == t);
      if (f == "contains") return Value(s.find(t) != std::string_view::npos);
      if (f == "matches") {
        try {
          return Value(std::regex_search(std::string(s), std::regex(std::string(t))));
        } catch (const std::regex_error&) {
          return RuntimeError("invalid regular expression: " + std::string(t));
        }
      }
    }
    if (args.size() == 1 && args[0].is_string()) {
      std::string s(args[0].get_string());
      if (f == "lowerAscii" || f == "upperAscii") {
        for (char& c : s) c = static_cast<char>(f == "lowerAscii" ? std::tolower(static_cast<unsigned char>(c))
                                                                : std::toupper(static_cast<unsigned char>(c)));
        return Value(s);
      }
      if (f == "trim") {
        const size_t b = s.find_first_not_of(" \t\r\n");
        return Value(b == std::string::npos ? "" : s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
      }
    }
    if (args.size() == 1) {
      const Value& v = args[0];
      if (f == "string") {
        if (v.is_string()) return v;
        if (IsNumber(v) || v.is_bool()) return Value(json::serialize(v));
      }
      if (f == "int") {
        if (v.is_int64()) return v;
        if (v.is_uint64() && v.get_uint64() <= INT64_MAX) return Value(static_cast<int64_t>(v.get_uint64()));
        if (v.is_double() && std::isfinite(v.get_double())) return Value(static_cast<int64_t>(v.get_double()));
        if (v.is_string()) {
          try {
            size_t used = 0;
            const int64_t i = std::stoll(std::string(v.get_string()), &used);
            if (used == v.get_string().size()) return Value(i);
          } catch (const std::exception&) {
          }
          return RuntimeError("cannot convert '" + std::string(v.get_string()) + "' to int");
        }
      }
      if (f == "uint" && v.is_int64() && v.get_int64() >= 0) return Value(static_cast<uint64_t>(v.get_int64()));
      if (f == "double" && IsNumber(v)) return Value(AsDouble(v));
      if (f == "bool" && v.is_bool()) return v;
    }
    return wrong();
  }

  std::vector<std::pair<std::string, const Value*>> scopes_;
};

// Names every function the parser accepted, so unknown ones fail at compile time.
Status CheckFunctions(const Node& n) {
  static const std::map<std::string, std::pair<int, int>, std::less<>> kArity = {
      // name → (arguments as a method, arguments as a global function); -1: not allowed
      {"size", {0, 1}},       {"startsWith", {1, -1}}, {"endsWith", {1, -1}},
      {"contains", {1, -1}},  {"matches", {1, 2}},     {"lowerAscii", {0, -1}},
      {"upperAscii", {0, -1}}, {"trim", {0, -1}},      {"int", {-1, 1}},
      {"uint", {-1, 1}},      {"double", {-1, 1}},     {"string", {-1, 1}},
      {"bool", {-1, 1}}};
  if (n.kind == Kind::kCall) {
    auto it = kArity.find(n.name);
    const bool method = n.children[0] != nullptr;
    const int given = static_cast<int>(n.children.size()) - 1;
    const int wanted = it == kArity.end() ? -1 : method ? it->second.first : it->second.second;
    if (it == kArity.end()) return InvalidArgument("undeclared reference to '" + n.name + "'");
    if (wanted != given) {
      return InvalidArgument("found no matching overload for '" + n.name + "' with " +
                             std::to_string(given) + " argument(s)" + (method ? " as a method" : ""));
    }
  }
  for (const auto& c : n.children) {
    if (c) CARRIER_RETURN_IF_ERROR(CheckFunctions(*c));
  }
  return {};
}

// Every identifier must be self, oldSelf or a variable of an enclosing macro.
Status CheckNames(const Node& n, std::vector<std::string>& bound) {
  if (n.kind == Kind::kIdent) {
    if (n.name == "self" || n.name == "oldSelf") return {};
    for (const auto& b : bound) {
      if (b == n.name) return {};
    }
    return InvalidArgument("undeclared reference to '" + n.name + "'");
  }
  if (n.kind == Kind::kMacro) {
    CARRIER_RETURN_IF_ERROR(CheckNames(*n.children[0], bound));
    bound.push_back(n.var);
    Status st = CheckNames(*n.children[1], bound);
    bound.pop_back();
    return st;
  }
  for (const auto& c : n.children) {
    if (c) CARRIER_RETURN_IF_ERROR(CheckNames(*c, bound));
  }
  return {};
}

}  // namespace

Program::~Program() = default;

Result<std::shared_ptr<const Program>> Program::Compile(std::string_view expression) {
  Parser parser(expression);
  auto root = parser.ParseAll();
  if (!root.ok()) return root.status();
  CARRIER_RETURN_IF_ERROR(CheckFunctions(**root));
  std::vector<std::string> bound;
  CARRIER_RETURN_IF_ERROR(CheckNames(**root, bound));
  std::shared_ptr<Program> program(new Program());
  program->expression_ = std::string(expression);
  program->root_ = std::move(*root);
  program->references_old_self_ = parser.references_old_self;
  return std::shared_ptr<const Program>(std::move(program));
}

Result<json::value> Program::Evaluate(const json::value& self, const json::value* old_self) const {
  return Evaluator(self, old_self).Eval(*root_);
}

}  // namespace carrier::api::cel
