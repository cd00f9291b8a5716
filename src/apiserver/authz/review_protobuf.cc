#include "apiserver/authz/review_protobuf.h"

#include <boost/json.hpp>
#include <functional>

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

// Walks the fields of one message: calls `field(number, bytes)` for length-delimited fields
// and skips the others. False when the message is malformed.
bool Fields(std::string_view msg, const std::function<void(int, std::string_view)>& field) {
  size_t i = 0;
  auto varint = [&](uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= msg.size()) return false;
      uint8_t b = static_cast<uint8_t>(msg[i++]);
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < msg.size()) {
    uint64_t key = 0;
    if (!varint(key)) return false;
    const int number = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0: {
        uint64_t ignored;
        if (!varint(ignored)) return false;
        break;
      }
      case 1:
        if (msg.size() - i < 8) return false;
        i += 8;
        break;
      case 5:
        if (msg.size() - i < 4) return false;
        i += 4;
        break;
      case 2: {
        uint64_t len = 0;
        if (!varint(len) || len > msg.size() - i) return false;
        field(number, msg.substr(i, len));
        i += len;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

bool Strings(std::string_view msg, const std::vector<const char*>& names, json::object& out) {
  return Fields(msg, [&](int n, std::string_view v) {
    if (n >= 1 && static_cast<size_t>(n) <= names.size() && names[n - 1] != nullptr) {
      out[names[n - 1]] = std::string(v);
    }
  });
}

}  // namespace

Result<json::object> DecodeReviewProtobuf(std::string_view body, std::string_view kind) {
  const Status bad(Code::kBadRequest,
                   "the request body is not a valid protobuf " + std::string(kind));
  if (body.size() < 4 || body.substr(0, 4) != std::string_view("k8s\0", 4)) return bad;
  std::string_view raw;
  bool have_raw = false;
  if (!Fields(body.substr(4),
              [&](int n, std::string_view v) {
                if (n == 2) {
                  raw = v;
                  have_raw = true;
                }
              }) ||
      !have_raw) {
    return bad;
  }
  json::object spec;
  bool ok = true;
  ok = Fields(raw,
              [&](int n, std::string_view v) {
                if (n != 2) return;  // 1 metadata, 3 status
                ok = ok && Fields(v, [&](int f, std::string_view w) {
                       if (kind == "SelfSubjectRulesReview") {
                         if (f == 1) spec["namespace"] = std::string(w);
                         return;
                       }
                       if (f == 1) {
                         json::object attrs;
                         ok = ok && Strings(w,
                                            {"namespace", "verb", "group", "version", "resource",
                                             "subresource", "name"},
                                            attrs);
                         spec["resourceAttributes"] = std::move(attrs);
                       } else if (f == 2) {
                         json::object attrs;
                         ok = ok && Strings(w, {"path", "verb"}, attrs);
                         spec["nonResourceAttributes"] = std::move(attrs);
                       } else if (f == 3) {
                         spec["user"] = std::string(w);
                       } else if (f == 4) {
                         if (!spec.contains("groups")) spec["groups"] = json::array();
                         spec["groups"].as_array().emplace_back(std::string(w));
                       } else if (f == 6) {
                         spec["uid"] = std::string(w);
                       }
                     });
              }) &&
       ok;
  if (!ok) return bad;
  return json::object{{"kind", std::string(kind)},
                      {"apiVersion", "authorization.k8s.io/v1"},
                      {"spec", std::move(spec)}};
}

}  // namespace carrier::apiserver::authz
