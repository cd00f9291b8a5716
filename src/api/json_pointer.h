#pragma once
// JSON Pointer (RFC 6901): "" is the whole document, "/a/0/b~1c" names a member path with
// "~1" for '/' and "~0" for '~'. Parsing fails on a pointer not starting with '/' or on a
// '~' not followed by '0' or '1'.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

using JsonPointer = std::vector<std::string>;

Result<JsonPointer> ParseJsonPointer(std::string_view text);
std::string FormatJsonPointer(const JsonPointer& pointer);

// An array index token: decimal digits without leading zeros. nullopt otherwise.
std::optional<std::size_t> ParseArrayIndex(std::string_view token);

// The value a pointer names, or nullptr.
const boost::json::value* Resolve(const boost::json::value& doc, const JsonPointer& pointer);
boost::json::value* Resolve(boost::json::value& doc, const JsonPointer& pointer);

}  // namespace carrier::api
