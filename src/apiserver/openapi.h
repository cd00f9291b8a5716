#pragma once
// The OpenAPI documents of a logical cluster's API, as kubectl reads them for client-side
// validation, server-side dry-run detection (1.20) and `kubectl explain`:
//   /openapi/v2                    JSON, or gnostic protobuf when the Accept header asks for
//                                  application/com.github.proto-openapi.spec.v2@v1.0+protobuf;
//   /openapi/v3                    the index of group versions, each with a hashed URL;
//   /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>
//                                  components.schemas of that group version.
//
// The built-in part (definitions generated at build time from python3-kubernetes, restricted
// to what the catalog's kinds reach, plus a path per resource and subresource) is built on
// first use, once per process, and shared by every logical cluster; only its serialized
// forms are kept. A cluster's CRDs add their definitions and paths per request, spliced
// onto the shared serialized documents, so nothing is kept per cluster.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "apiserver/custom_resources.h"
#include "apiserver/resource_catalog.h"

namespace carrier::apiserver {

inline constexpr std::string_view kOpenApiV2ProtobufType =
    "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
inline constexpr std::string_view kOpenApiV2ProtobufResponseType =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

struct OpenApiDocument {
  std::string content_type;
  std::string body;
};

class OpenApi {
 public:
  explicit OpenApi(const ResourceCatalog& catalog);
  ~OpenApi();

  // The document at `path`, or nullopt when `path` is not an OpenAPI path. `accept` is the
  // request's Accept header.
  std::optional<OpenApiDocument> Find(std::string_view path, std::string_view accept,
                                      const CustomTypeSet& custom) const;

  // Bytes held by the shared built-in documents (built on first call).
  size_t SharedBytes() const;

 private:
  struct Built;
  const Built& built() const;

  const ResourceCatalog& catalog_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<Built> built_;
};

}  // namespace carrier::apiserver
