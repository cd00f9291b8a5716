#pragma once
// kubectl (1.3x) sends TokenRequest and SelfSubjectReview bodies in Kubernetes' protobuf
// encoding: the 4-byte magic "k8s\0" and a runtime.Unknown message {1: typeMeta {1:
// apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}; raw is the object, for
// TokenRequest {1: metadata, 2: spec {1: audiences (repeated), 3: boundObjectRef {1: kind,
// 2: apiVersion, 3: name, 4: uid}, 4: expirationSeconds}, 3: status}. This reads just that
// and gives the JSON form the handlers work on. Answers stay JSON (clients accept it).

#include <boost/json/object.hpp>
#include <string_view>

#include "base/status.h"

namespace carrier::apiserver::authn {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// True when a Content-Type header names Kubernetes' protobuf encoding.
bool IsKubernetesProtobuf(std::string_view content_type);

// {"apiVersion", "kind", "spec": {"audiences", "expirationSeconds", "boundObjectRef"}} from a
// protobuf TokenRequest; kBadRequest when the bytes are not one.
Result<boost::json::object> DecodeProtobufTokenRequest(std::string_view body);

// The apiVersion and kind of a protobuf-encoded object; kBadRequest when malformed.
Result<boost::json::object> DecodeProtobufTypeMeta(std::string_view body);

}  // namespace carrier::apiserver::authn
