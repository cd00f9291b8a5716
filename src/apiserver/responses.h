#pragma once
// Building HTTP responses for API requests: JSON bodies, Kubernetes Status errors, and the
// content negotiation between plain objects and meta.k8s.io Tables.

#include <boost/json/fwd.hpp>
#include <string_view>

#include "api/status_json.h"
#include "http/server.h"

namespace carrier::apiserver {

http::Response JsonResponse(int status, const boost::json::value& body);
http::Response ErrorResponse(const api::ApiError& error);
http::Response ErrorResponse(const Status& status);

// What the client asked for in Accept.
struct Negotiated {
  bool table = false;            // application/json;as=Table;g=meta.k8s.io;v=v1|v1beta1
  std::string table_version;     // "v1" or "v1beta1"
  // application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1|v1beta1: metadata only
  bool partial_metadata = false;
  std::string partial_version;   // "v1" or "v1beta1"
  bool acceptable = true;        // false: nothing we can produce (406)
};
Negotiated NegotiateAccept(std::string_view accept);

}  // namespace carrier::apiserver
