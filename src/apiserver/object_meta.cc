#include "apiserver/object_meta.h"

#include "api/json_decode.h"

#include <openssl/rand.h>

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

namespace carrier::apiserver {

namespace json = boost::json;

std::string NewUid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string HumanAgeSince(std::string_view rfc3339, std::chrono::system_clock::time_point now) {
  std::tm tm{};
  std::string text(rfc3339);
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return "<unknown>";
  auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (secs < 0) secs = 0;
  // The same thresholds as Kubernetes' HumanDuration.
  if (secs < 120) return std::to_string(secs) + "s";
  int64_t mins = secs / 60;
  if (mins < 10) return std::to_string(mins) + "m" + (secs % 60 ? std::to_string(secs % 60) + "s" : "");
  if (mins < 180) return std::to_string(mins) + "m";
  int64_t hours = secs / 3600;
  if (hours < 8) return std::to_string(hours) + "h" + (mins % 60 ? std::to_string(mins % 60) + "m" : "");
  if (hours < 48) return std::to_string(hours) + "h";
  int64_t days = hours / 24;
  if (days < 8) return std::to_string(days) + "d" + (hours % 24 ? std::to_string(hours % 24) + "h" : "");
  if (days < 365 * 2) return std::to_string(days) + "d";
  return std::to_string(days / 365) + "y";
}

std::string CollectionPrefix(std::string_view cluster, const ResourceType& type,
                             std::string_view ns) {
  std::string key;
  key.reserve(64);
  key += '/';
  key += cluster;
  key += '/';
  key += type.group.empty() ? std::string_view("core") : std::string_view(type.group);
  key += '/';
  key += type.resource;
  key += '/';
  if (type.namespaced && !ns.empty()) {
    key += ns;
    key += '/';
  }
  return key;
}

std::string ObjectKey(std::string_view cluster, const ResourceType& type, std::string_view ns,
                      std::string_view name) {
  return CollectionPrefix(cluster, type, ns) + std::string(name);
}

json::object& MutableMetadata(json::object& obj) {
  json::value& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  return meta.get_object();
}

std::string_view MetaString(const json::object& obj, std::string_view field) {
  const json::value* meta = obj.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return {};
  const json::value* v = meta->get_object().if_contains(field);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

void SetResourceVersion(json::object& obj, storage::Revision revision) {
  MutableMetadata(obj)["resourceVersion"] = std::to_string(revision);
}

Result<json::object> DecodeStored(std::string_view bytes, storage::Revision revision) {
  auto v = api::DecodeJson(bytes);
  if (!v.ok() || !v->is_object()) return DataLoss("a stored object is not valid JSON");
  SetResourceVersion(v->get_object(), revision);
  return std::move(v->get_object());
}

}  // namespace carrier::apiserver
