#include "api/json_pointer.h"

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

Result<JsonPointer> ParseJsonPointer(std::string_view text) {
  JsonPointer out;
  if (text.empty()) return out;
  if (text.front() != '/')
    return Status(Code::kBadRequest, "JSON pointer \"" + std::string(text) + "\" must start with '/'");
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      out.push_back(std::move(token));
      token.clear();
      continue;
    }
    char c = text[i];
    if (c == '~') {
      char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (next != '0' && next != '1')
        return Status(Code::kBadRequest,
                      "JSON pointer \"" + std::string(text) + "\" has an invalid '~' escape");
      token += next == '0' ? '~' : '/';
      ++i;
    } else {
      token += c;
    }
  }
  return out;
}

std::string FormatJsonPointer(const JsonPointer& pointer) {
  std::string out;
  for (const std::string& token : pointer) {
    out += '/';
    for (char c : token) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

std::optional<std::size_t> ParseArrayIndex(std::string_view token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token.front() == '0') return std::nullopt;
  std::size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

const json::value* Resolve(const json::value& doc, const JsonPointer& pointer) {
  const json::value* v = &doc;
  for (const std::string& token : pointer) {
    if (const json::object* obj = v->if_object()) {
      auto it = obj->find(token);
      if (it == obj->end()) return nullptr;
      v = &it->value();
    } else if (const json::array* arr = v->if_array()) {
      std::optional<std::size_t> index = ParseArrayIndex(token);
      if (!index || *index >= arr->size()) return nullptr;
      v = &(*arr)[*index];
    } else {
      return nullptr;
    }
  }
  return v;
}

json::value* Resolve(json::value& doc, const JsonPointer& pointer) {
  return const_cast<json::value*>(Resolve(static_cast<const json::value&>(doc), pointer));
}

}  // namespace carrier::api
