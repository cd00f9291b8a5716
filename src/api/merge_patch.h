#pragma once
// JSON Merge Patch (RFC 7386): an object patch merges member by member into the target
// (null deletes a member, objects merge recursively, anything else replaces); any other
// patch value replaces the target. It cannot fail.

#include <boost/json/fwd.hpp>

namespace carrier::api {

void ApplyMergePatch(boost::json::value& target, const boost::json::value& patch);

}  // namespace carrier::api
