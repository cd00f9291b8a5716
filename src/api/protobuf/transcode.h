#pragma once
// Typed protobuf message -> the JSON object the JSON API uses for the same object.
//
// Driven by a schema table (schema.h): each field on the wire is looked up by number and
// written under its JSON name in its JSON shape. A field number the table does not list,
// or a wire type that does not fit the field, is a 400 BadRequest naming the message and
// the field number: nothing is silently dropped. Scalars without kKeepZero follow omitempty
// (zero values are not written). Nesting is limited (TranscodeLimits::max_depth).

#include <string_view>

#include <boost/json/object.hpp>

#include "api/protobuf/schema.h"
#include "base/status.h"

namespace carrier::api::protobuf {

struct TranscodeLimits {
  int max_depth = 100;  // nested messages; real objects stay below 20
};

Result<boost::json::object> TranscodeToJson(const Message& message, std::string_view bytes,
                                            const TranscodeLimits& limits = {});

// RFC 3339 in UTC as the JSON API writes metav1.Time (seconds) and metav1.MicroTime
// (microseconds): "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123456Z". Seconds outside
// years 0001-9999 are an error.
Result<std::string> FormatTime(int64_t seconds, int32_t nanos, bool micro);

}  // namespace carrier::api::protobuf
