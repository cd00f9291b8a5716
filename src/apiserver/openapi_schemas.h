#pragma once
// Schema-level helpers of the OpenAPI documents:
//   BuiltinDefinitions  the OpenAPI v2 definitions of the built-in types, generated at build
//                       time from python3-kubernetes (cmake/gen_openapi.py), parsed anew on
//                       each call (callers keep only what they serialize from it);
//   ReferenceClosure    the definitions a set of roots reaches through $ref;
//   ToOpenApiV3         a v2 schema in OpenAPI v3 form (#/components/schemas references; a
//                       reference with siblings such as a description wrapped in allOf);
//   CrdSchemaToV2       a CRD's structural openAPIV3Schema as OpenAPI v2 can carry it
//                       (nullable, anyOf/oneOf/allOf/not, CEL rules dropped; untyped where a
//                       v2 reader could not accept what the server does).
// Definition names follow Kubernetes ("io.k8s.api.core.v1.Pod"); a CRD kind's is its group
// reversed, its version and its kind ("com.example.stable.v1.CronTab").

#include <boost/json/fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace carrier::apiserver {

inline constexpr std::string_view kObjectMetaDefinition =
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
inline constexpr std::string_view kStatusDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
inline constexpr std::string_view kDeleteOptionsDefinition =
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
inline constexpr std::string_view kScaleDefinition = "io.k8s.api.autoscaling.v1.Scale";

boost::json::object BuiltinDefinitions();

std::set<std::string> ReferenceClosure(const boost::json::object& definitions,
                                       const std::vector<std::string>& roots);

boost::json::value ToOpenApiV3(const boost::json::value& v2_schema);

boost::json::value CrdSchemaToV2(const boost::json::value& schema);

std::string CrdDefinitionName(std::string_view group, std::string_view version,
                              std::string_view kind);

}  // namespace carrier::apiserver
