#pragma once
// Reads the protobuf form of the authorization.k8s.io/v1 review requests that kubectl 1.32
// and newer send (Content-Type application/vnd.kubernetes.protobuf: the "k8s\0" envelope
// around runtime.Unknown, whose raw bytes are the review) into the JSON form the reviews are
// answered from. Only the request fields are read: spec.resourceAttributes (namespace,
// verb, group, version, resource, subresource, name), spec.nonResourceAttributes (path,
// verb), spec.user/groups/uid, and SelfSubjectRulesReview's spec.namespace.

#include <boost/json/fwd.hpp>
#include <string_view>

#include "base/status.h"

namespace carrier::apiserver::authz {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// kBadRequest for anything malformed.
Result<boost::json::object> DecodeReviewProtobuf(std::string_view body, std::string_view kind);

}  // namespace carrier::apiserver::authz
