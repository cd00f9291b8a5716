#pragma once
// JSON Patch (RFC 6902) and JSON equality.
//
// ApplyJsonPatch applies the operations add, remove, replace, move, copy and test in order
// to `doc`, in place. It is atomic: when any operation fails, `doc` is left exactly as it
// was (values and member order). A patch that is not a list of well-formed operations is
// 400 BadRequest; an operation that does not apply (missing path, index out of range,
// failed test, move into its own child) is 422 Invalid. Messages name the operation's
// index, its op and its path.

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

Status ApplyJsonPatch(boost::json::value& doc, const boost::json::value& patch);

// Structural equality where numbers compare by value (1 == 1.0 == 1u).
bool JsonEqual(const boost::json::value& a, const boost::json::value& b);

}  // namespace carrier::api
