#pragma once
// Null-safe reads of API objects for controllers: each accessor takes the object (or null)
// and returns null / "" / the fallback when the field is absent or of another type, so that
// paths chain: StringAt(ObjectAt(ObjectAt(&pod, "spec"), "affinity"), "x").

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carrier::controllers {

const boost::json::object* ObjectAt(const boost::json::object* o, std::string_view key);
const boost::json::array* ArrayAt(const boost::json::object* o, std::string_view key);
std::string StringAt(const boost::json::object* o, std::string_view key);
int64_t IntAt(const boost::json::object* o, std::string_view key, int64_t fallback);
bool BoolAt(const boost::json::object* o, std::string_view key, bool fallback = false);
// A Time or MicroTime field ("2026-01-02T03:04:05Z", "…05.123456Z", "…05+01:00"); nullopt
// when absent or malformed.
std::optional<std::chrono::system_clock::time_point> TimeAt(const boost::json::object* o,
                                                            std::string_view key);

// metadata.labels[key] / metadata.annotations[key]; "" when absent.
std::string LabelOf(const boost::json::object& obj, std::string_view key);
std::string AnnotationOf(const boost::json::object& obj, std::string_view key);
void SetAnnotation(boost::json::object& obj, std::string_view key, std::string value);

bool HasFinalizer(const boost::json::object& obj, std::string_view name);
bool HasAnyFinalizer(const boost::json::object& obj);
void RemoveFinalizer(boost::json::object& obj, std::string_view name);

// The status ("True", "False", "Unknown") of condition `type` in status.conditions; nullopt
// when the object has no such condition.
std::optional<std::string> ConditionStatus(const boost::json::object& obj, std::string_view type);
// A condition as Kubernetes writes them. lastTransitionTime is now, or kept from the
// condition of the same type in `previous` when its status did not change.
boost::json::object NewCondition(std::string_view type, std::string_view status,
                                 std::string_view reason, std::string_view message,
                                 const boost::json::array* previous = nullptr);

}  // namespace carrier::controllers
