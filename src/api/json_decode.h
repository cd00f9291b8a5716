#pragma once
// The one JSON decoder for request bodies and stored objects. Boost.JSON's default nesting
// limit (32) is below what real objects reach (a CRD's openAPIV3Schema nests two levels per
// field); Kubernetes allows 10,000. Carrier allows kMaxJsonDepth, which keeps the recursive
// algorithms over objects (patches, schemas) far from the stack's limit. Invalid UTF-8,
// comments and trailing commas are errors.

#include <boost/json/fwd.hpp>
#include <string_view>

#include "base/status.h"

namespace carrier::api {

inline constexpr std::size_t kMaxJsonDepth = 1000;

// kBadRequest with the parser's reason on malformed input.
Result<boost::json::value> DecodeJson(std::string_view text);

}  // namespace carrier::api
