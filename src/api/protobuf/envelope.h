#pragma once
// The Kubernetes protobuf envelope (`application/vnd.kubernetes.protobuf` bodies): the four
// bytes "k8s\0", then a runtime.Unknown message
//   {TypeMeta typeMeta = 1 {apiVersion = 1; kind = 2}; bytes raw = 2;
//    string contentEncoding = 3; string contentType = 4}
// whose `raw` is the typed message of the kind named in typeMeta.
//
// DecodeObject turns such a body into the JSON object the JSON API would have received:
// apiVersion and kind from the envelope, the rest transcoded by the schema tables. A kind
// the tables do not know is 415 UnsupportedMediaType (the client can send JSON); anything
// malformed is 400 BadRequest.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "base/status.h"

namespace carrier::api::protobuf {

inline constexpr std::string_view kProtobufMediaType = "application/vnd.kubernetes.protobuf";
inline constexpr std::string_view kMagic{"k8s\0", 4};

struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;  // a view into the body
  std::string content_encoding;
  std::string content_type;
};

Result<Envelope> DecodeEnvelope(std::string_view body);

Result<boost::json::object> DecodeObject(std::string_view body);

}  // namespace carrier::api::protobuf
