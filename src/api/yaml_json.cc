#include "api/yaml_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <boost/json.hpp>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace carrier::api {

namespace json = boost::json;

namespace {

// ---- Reading ------------------------------------------------------------------------

// Thrown from the event handler to stop the parser; turned into a Status at the top.
struct Rejected {
  std::string message;
};

std::string AtLine(const YAML::Mark& mark) {
  return mark.line >= 0 ? " (line " + std::to_string(mark.line + 1) + ")" : std::string();
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words)
    if (s == w) return true;
  return false;
}

bool IsNullWord(std::string_view s) { return OneOf(s, {"", "~", "null", "Null", "NULL"}); }

std::optional<bool> BoolWord(std::string_view s) {
  if (OneOf(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}))
    return true;
  if (OneOf(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}))
    return false;
  return std::nullopt;
}

// An integer as Go's strconv.ParseInt(s, 0, 64) reads it after `_` are removed.
std::optional<json::value> ParseInteger(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  constexpr uint64_t kMaxInt = static_cast<uint64_t>(INT64_MAX);
  if (!negative) {
    if (magnitude <= kMaxInt) return json::value(static_cast<int64_t>(magnitude));
    return json::value(magnitude);
  }
  if (magnitude <= kMaxInt) return json::value(-static_cast<int64_t>(magnitude));
  if (magnitude == kMaxInt + 1) return json::value(INT64_MIN);
  return std::nullopt;
}

// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the float form YAML readers accept.
bool LooksLikeFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

json::value FloatValue(double d) {
  if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return json::value(static_cast<int64_t>(d));
  return json::value(d);
}

std::optional<json::value> ParseFloat(const std::string& s) {
  if (!LooksLikeFloat(s)) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return FloatValue(d);
}

std::string WithoutUnderscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

bool IsInfOrNan(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return OneOf(s, {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"});
}

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// The JSON value of one scalar. `tag` is "?" for a plain scalar, "!" for a quoted one, or
// the resolved explicit tag.
json::value ResolveScalar(const std::string& tag, const std::string& text, const YAML::Mark& mark) {
  if (tag == "!") return json::value(text);
  std::string_view explicit_tag;
  if (tag.rfind(kTagPrefix, 0) == 0) explicit_tag = std::string_view(tag).substr(kTagPrefix.size());
  if (explicit_tag == "str" || explicit_tag == "binary" || explicit_tag == "timestamp")
    return json::value(text);
  const bool any = explicit_tag.empty();
  if ((any || explicit_tag == "null") && IsNullWord(text)) return nullptr;
  if (any || explicit_tag == "bool") {
    if (auto b = BoolWord(text)) return *b;
  }
  if (any || explicit_tag == "int" || explicit_tag == "float") {
    std::string plain = WithoutUnderscores(text);
    if (auto i = ParseInteger(plain)) return *i;
    if (auto f = ParseFloat(plain)) return *f;
    if (IsInfOrNan(text))
      throw Rejected{"the value " + text + " cannot be represented in JSON" + AtLine(mark)};
  }
  if (!any) throw Rejected{"the value \"" + text + "\" is not a valid !!" +
                           std::string(explicit_tag) + AtLine(mark)};
  return json::value(text);
}

// A map key: scalars only, as their text (a boolean or null key as Go prints it).
std::string KeyText(const std::string& tag, const std::string& text) {
  if (tag == "!") return text;
  if (tag == "?" || tag.empty()) {
    if (auto b = BoolWord(text)) return *b ? "true" : "false";
    if (IsNullWord(text)) return "null";
  }
  return text;
}

size_t CountNodes(const json::value& v) {
  size_t n = 1;
  if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) n += CountNodes(kv.value());
  } else if (const json::array* a = v.if_array()) {
    for (const auto& e : *a) n += CountNodes(e);
  }
  return n;
}

class Builder : public YAML::EventHandler {
 public:
  explicit Builder(const YamlLimits& limits) : limits_(limits) {}

  json::value Take() { return std::move(result_); }
  int documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) throw Rejected{"a request body holds one YAML document" + AtLine(mark)};
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (IsKeyPosition()) return Key("null", mark);
    Add(nullptr, anchor, mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw Rejected{"an alias names an unknown anchor" + AtLine(mark)};
    if (IsKeyPosition()) {
      if (!it->second.value.is_string()) throw Rejected{"a map key must be a scalar" + AtLine(mark)};
      return Key(std::string(it->second.value.get_string()), mark);
    }
    Spend(it->second.nodes - 1, mark);  // Add spends the last one
    Add(it->second.value, 0, mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (IsKeyPosition()) {
      if (anchor != 0) anchors_[anchor] = {json::value(value), 1};
      return Key(KeyText(tag, value), mark);
    }
    Add(ResolveScalar(tag, value, mark), anchor, mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(json::array(), anchor, mark);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(json::object(), anchor, mark);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    json::value value;
    YAML::anchor_t anchor = 0;
    size_t first_node = 0;        // nodes_ when the container opened
    std::optional<std::string> key;  // a map's key waiting for its value
  };
  struct Anchored {
    json::value value;
    size_t nodes = 1;
  };

  bool IsKeyPosition() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }
  void Key(std::string key, const YAML::Mark& mark) {
    Spend(1, mark);
    stack_.back().key = std::move(key);
  }
  void Spend(size_t n, const YAML::Mark& mark) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes)
      throw Rejected{"the YAML document has more than " + std::to_string(limits_.max_nodes) +
                     " nodes" + AtLine(mark)};
  }
  void Open(json::value container, YAML::anchor_t anchor, const YAML::Mark& mark) {
    if (IsKeyPosition()) throw Rejected{"a map key must be a scalar" + AtLine(mark)};
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      throw Rejected{"the YAML document is nested deeper than " +
                     std::to_string(limits_.max_depth) + " levels" + AtLine(mark)};
    Spend(1, mark);
    stack_.push_back(Frame{std::move(container), anchor, nodes_ - 1, std::nullopt});
  }
  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != 0) anchors_[frame.anchor] = {frame.value, nodes_ - frame.first_node};
    Place(std::move(frame.value));
  }
  void Add(json::value v, YAML::anchor_t anchor, const YAML::Mark& mark) {
    Spend(1, mark);
    if (anchor != 0) anchors_[anchor] = {v, CountNodes(v)};
    Place(std::move(v));
  }
  void Place(json::value v) {
    if (stack_.empty()) {
      result_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    if (json::array* a = top.value.if_array()) {
      a->push_back(std::move(v));
    } else {
      top.value.get_object()[*top.key] = std::move(v);
      top.key.reset();
    }
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  json::value result_;
  size_t nodes_ = 0;
  int documents_ = 0;
};

// ---- Writing ------------------------------------------------------------------------

bool IsReservedWord(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return OneOf(lower, {"y", "n", "yes", "no", "true", "false", "on", "off", "null"});
}

// Whether every YAML reader takes `s`, written plain, for this very string.
bool CanBePlain(std::string_view s) {
  if (s.empty() || s.size() > 256 || IsReservedWord(s)) return false;
  char first = s[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '/'))
    return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '/' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_u = [&](unsigned code) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(code >> shift) & 0xf];
  };
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\t': out += "\\t"; continue;
      case '\r': out += "\\r"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      escape_u(c);
      continue;
    }
    // C1 controls (U+0080..U+009F, NEL among them) and the line/paragraph separators and BOM,
    // which YAML readers treat as breaks or refuse.
    if (c == 0xc2 && i + 1 < s.size()) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9f) {
        escape_u(d);
        ++i;
        continue;
      }
    }
    if (i + 2 < s.size()) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      unsigned char e = static_cast<unsigned char>(s[i + 2]);
      if (c == 0xe2 && d == 0x80 && (e == 0xa8 || e == 0xa9)) {
        escape_u(0x2000 | (e - 0x80));
        i += 2;
        continue;
      }
      if (c == 0xef && d == 0xbb && e == 0xbf) {
        escape_u(0xfeff);
        i += 2;
        continue;
      }
    }
    out += static_cast<char>(c);
  }
  out += '"';
}

void AppendString(std::string& out, std::string_view s) {
  if (CanBePlain(s)) {
    out += s;
  } else {
    AppendQuoted(out, s);
  }
}

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += ".nan";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-.inf" : ".inf";
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, ec == std::errc() ? end : buf);
  size_t e = text.find_first_of("eE");
  std::string mantissa = text.substr(0, e);
  std::string exponent = e == std::string::npos ? "" : text.substr(e + 1);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  out += mantissa;
  if (!exponent.empty()) {
    out += 'e';
    if (exponent[0] != '+' && exponent[0] != '-') out += '+';
    out += exponent;
  }
}

bool IsInlineValue(const json::value& v) {
  if (const json::object* o = v.if_object()) return o->empty();
  if (const json::array* a = v.if_array()) return a->empty();
  return true;
}

void AppendScalar(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: AppendDouble(out, v.get_double()); break;
    case json::kind::string: AppendString(out, v.get_string()); break;
    case json::kind::object: out += "{}"; break;
    case json::kind::array: out += "[]"; break;
  }
}

void WriteSequence(std::string& out, const json::array& a, size_t indent, bool first_inline);

constexpr size_t kMaxImplicitKey = 1000;

// A map's members, each on its own line at `indent` (the first continuing the current line
// when `first_inline`, after a list dash).
void WriteMap(std::string& out, const json::object& o, size_t indent, bool first_inline) {
  bool first = true;
  for (const auto& kv : o) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    std::string key;
    AppendString(key, kv.key());
    // YAML limits implicit keys to 1024 characters; longer ones take the explicit `? ` form.
    const bool explicit_key = key.size() > kMaxImplicitKey;
    if (explicit_key) {
      out += "? ";
      out += key;
      out += '\n';
      out.append(indent, ' ');
    } else {
      out += key;
    }
    out += ':';
    const json::value& v = kv.value();
    if (IsInlineValue(v)) {
      out += ' ';
      AppendScalar(out, v);
      out += '\n';
    } else if (v.is_object()) {
      out += '\n';
      WriteMap(out, v.get_object(), indent + 2, false);
    } else {
      out += '\n';
      WriteSequence(out, v.get_array(), explicit_key ? indent + 2 : indent, false);
    }
  }
}

void WriteSequence(std::string& out, const json::array& a, size_t indent, bool first_inline) {
  bool first = true;
  for (const json::value& v : a) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    out += "- ";
    if (IsInlineValue(v)) {
      AppendScalar(out, v);
      out += '\n';
    } else if (v.is_object()) {
      WriteMap(out, v.get_object(), indent + 2, true);
    } else {
      WriteSequence(out, v.get_array(), indent + 2, true);
    }
  }
}

}  // namespace

Result<json::value> YamlToJson(std::string_view text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status(Code::kTooLarge, "the YAML document is larger than " +
                                       std::to_string(limits.max_bytes) + " bytes");
  }
  Builder builder(limits);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const Rejected& r) {
    return Status(Code::kBadRequest, "invalid YAML: " + r.message);
  } catch (const YAML::DeepRecursion& e) {
    return Status(Code::kBadRequest, "invalid YAML: the document is nested too deeply" +
                                         AtLine(e.mark));
  } catch (const YAML::Exception& e) {
    return Status(Code::kBadRequest, "invalid YAML: " + e.msg + AtLine(e.mark));
  } catch (const std::exception& e) {
    return Status(Code::kBadRequest, std::string("invalid YAML: ") + e.what());
  }
  return builder.Take();
}

std::string JsonToYaml(const json::value& value) {
  std::string out;
  if (IsInlineValue(value)) {
    AppendScalar(out, value);
    out += '\n';
  } else if (value.is_object()) {
    WriteMap(out, value.get_object(), 0, false);
  } else {
    WriteSequence(out, value.get_array(), 0, false);
  }
  return out;
}

}  // namespace carrier::api
