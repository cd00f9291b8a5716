#include "controllers/json_fields.h"

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "apiserver/object_meta.h"

namespace carrier::controllers {

namespace json = boost::json;

const json::object* ObjectAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const json::value* v = o->if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* ArrayAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const json::value* v = o->if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::string StringAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return {};
  const json::value* v = o->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t IntAt(const json::object* o, std::string_view key, int64_t fallback) {
  if (o == nullptr) return fallback;
  const json::value* v = o->if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return fallback;
}

bool BoolAt(const json::object* o, std::string_view key, bool fallback) {
  if (o == nullptr) return fallback;
  const json::value* v = o->if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

std::optional<std::chrono::system_clock::time_point> TimeAt(const json::object* o,
                                                            std::string_view key) {
  const std::string text = StringAt(o, key);
  std::tm tm{};
  const char* rest = text.empty() ? nullptr : strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (*rest == '.') {  // fractional seconds, up to microseconds counted
    int64_t micros = 0, scale = 100000;
    for (++rest; std::isdigit(static_cast<unsigned char>(*rest)); ++rest, scale /= 10) {
      micros += (*rest - '0') * scale;
    }
    t += std::chrono::microseconds(micros);
  }
  if (*rest == 'Z' || *rest == 'z') return rest[1] == '\0' ? std::optional(t) : std::nullopt;
  int hours = 0, minutes = 0;
  if ((*rest == '+' || *rest == '-') && std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) == 2) {
    const auto offset = std::chrono::hours(hours) + std::chrono::minutes(minutes);
    return *rest == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

std::string LabelOf(const json::object& obj, std::string_view key) {
  return StringAt(ObjectAt(ObjectAt(&obj, "metadata"), "labels"), key);
}

std::string AnnotationOf(const json::object& obj, std::string_view key) {
  return StringAt(ObjectAt(ObjectAt(&obj, "metadata"), "annotations"), key);
}

void SetAnnotation(json::object& obj, std::string_view key, std::string value) {
  json::value& ann = apiserver::MutableMetadata(obj)["annotations"];
  if (!ann.is_object()) ann = json::object();
  ann.get_object()[key] = std::move(value);
}

bool HasFinalizer(const json::object& obj, std::string_view name) {
  const json::array* f = ArrayAt(ObjectAt(&obj, "metadata"), "finalizers");
  if (f == nullptr) return false;
  for (const auto& v : *f) {
    if (v.is_string() && v.get_string() == name) return true;
  }
  return false;
}

bool HasAnyFinalizer(const json::object& obj) {
  const json::array* f = ArrayAt(ObjectAt(&obj, "metadata"), "finalizers");
  return f != nullptr && !f->empty();
}

void RemoveFinalizer(json::object& obj, std::string_view name) {
  json::object& meta = apiserver::MutableMetadata(obj);
  json::value& f = meta["finalizers"];
  json::array kept;
  if (f.is_array()) {
    for (const auto& v : f.get_array()) {
      if (!(v.is_string() && v.get_string() == name)) kept.push_back(v);
    }
  }
  if (kept.empty()) {
    meta.erase("finalizers");
  } else {
    f = std::move(kept);
  }
}

std::optional<std::string> ConditionStatus(const json::object& obj, std::string_view type) {
  const json::array* conds = ArrayAt(ObjectAt(&obj, "status"), "conditions");
  if (conds == nullptr) return std::nullopt;
  for (const auto& c : *conds) {
    const json::object* o = c.if_object();
    if (StringAt(o, "type") == type) return StringAt(o, "status");
  }
  return std::nullopt;
}

json::object NewCondition(std::string_view type, std::string_view status, std::string_view reason,
                          std::string_view message, const json::array* previous) {
  std::string transition;
  if (previous != nullptr) {
    for (const auto& c : *previous) {
      const json::object* o = c.if_object();
      if (StringAt(o, "type") == type && StringAt(o, "status") == status) {
        transition = StringAt(o, "lastTransitionTime");
      }
    }
  }
  if (transition.empty()) transition = apiserver::Rfc3339(std::chrono::system_clock::now());
  return {{"type", type},
          {"status", status},
          {"lastTransitionTime", transition},
          {"reason", reason},
          {"message", message}};
}

}  // namespace carrier::controllers
