#pragma once
// The protobuf encoding of an OpenAPI v2 document: gnostic's openapi_v2.Document, which
// kubectl requests with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`.
//
// The input is the JSON form of the document (swagger, info, paths, definitions). Keywords
// the message does not model are dropped; vendor extensions (x-...) are carried as YAML,
// for which their JSON text serves (JSON is YAML). Only body, query and path parameters
// are encoded, and responses whose value is a Response.
//
// Protobuf merges repeated occurrences of an embedded message field, so the fragments
// EncodeOpenApiV2Paths/Definitions return, appended to an encoded Document, add their
// entries to it: a cluster's CRDs extend the shared document without re-encoding it.

#include <boost/json/fwd.hpp>
#include <string>

namespace carrier::apiserver {

std::string EncodeOpenApiV2(const boost::json::object& document);
std::string EncodeOpenApiV2Paths(const boost::json::object& paths);
std::string EncodeOpenApiV2Definitions(const boost::json::object& definitions);

}  // namespace carrier::apiserver
