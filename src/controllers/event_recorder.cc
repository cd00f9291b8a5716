#include "controllers/event_recorder.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

// FNV-1a (64 bit) of the fields that make two events the same.
std::string Fingerprint(std::initializer_list<std::string_view> parts) {
  uint64_t h = 14695981039346656037ull;
  for (std::string_view part : parts) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // a separator, so ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

constexpr int kConflictRetries = 5;

}  // namespace

Status RecordEvent(storage::Store& store, const std::string& cluster, const json::object& involved,
                   std::string_view type, std::string_view reason, const std::string& message,
                   EventSource source) {
  const std::string involved_name(apiserver::MetaString(involved, "name"));
  const std::string involved_ns(apiserver::MetaString(involved, "namespace"));
  const std::string uid(apiserver::MetaString(involved, "uid"));
  const std::string ns = involved_ns.empty() ? "default" : involved_ns;
  const std::string name =
      involved_name + "." + Fingerprint({uid, type, reason, message, source.component, source.host});
  const std::string key = StoreKey(cluster, BuiltInType("", "events"), ns, name);
  const std::string now = apiserver::Rfc3339(std::chrono::system_clock::now());

  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto existing = GetObject(store, key);
    if (!existing.ok()) return existing.status();
    if (*existing) {
      json::object& event = *(*existing)->object;
      event["count"] = IntAt(&event, "count", 1) + 1;
      event["lastTimestamp"] = now;
      Status st = UpdateObject(store, **existing);
      if (st.code() == Code::kConflict || st.code() == Code::kNotFound) continue;
      return st;
    }
    json::object source_json{{"component", source.component}};
    if (!source.host.empty()) source_json["host"] = source.host;
    json::object event{
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata", json::object{{"name", name}, {"namespace", ns}}},
        {"involvedObject", json::object{{"apiVersion", StringAt(&involved, "apiVersion")},
                                        {"kind", StringAt(&involved, "kind")},
                                        {"name", involved_name},
                                        {"uid", uid}}},
        {"reason", reason},
        {"message", message},
        {"type", type},
        {"source", std::move(source_json)},
        {"reportingComponent", source.component},
        {"reportingInstance", source.host},
        {"firstTimestamp", now},
        {"lastTimestamp", now},
        {"count", 1}};
    if (!involved_ns.empty()) {
      event["involvedObject"].as_object()["namespace"] = involved_ns;
    }
    if (auto rv = apiserver::MetaString(involved, "resourceVersion"); !rv.empty()) {
      event["involvedObject"].as_object()["resourceVersion"] = rv;
    }
    Status st = CreateObject(store, key, std::move(event));
    if (st.code() == Code::kAlreadyExists) continue;  // recorded meanwhile: count it
    return st;
  }
  return Status(Code::kConflict, "event " + ns + "/" + name + " kept changing");
}

}  // namespace carrier::controllers
