#pragma once
// A structural OpenAPI v3 schema, as CustomResourceDefinitions declare them
// (spec.versions[].schema.openAPIV3Schema), compiled once and then used for every object:
//
//   Default   fills `default` values of absent properties (deep, also inside array items);
//   Prune     drops fields the schema does not know, except under
//             x-kubernetes-preserve-unknown-fields, additionalProperties, and the
//             apiVersion/kind/metadata of the root and of x-kubernetes-embedded-resource;
//   Validate  type (with nullable and x-kubernetes-int-or-string), required, enum, pattern,
//             format (int32, int64, date-time, uuid, ipv4, byte), minimum/maximum (exclusive
//             too), multipleOf, min/maxLength, min/maxItems, min/maxProperties, allOf/anyOf/
//             oneOf/not, and the CEL rules of x-kubernetes-validations (api/cel.h; transition
//             rules, those reading oldSelf, on updates only), with Kubernetes' field paths
//             and wording.
//
// Compile rejects schemas that are not structural enough to apply these rules (unknown
// types, a missing type where properties or items are declared, invalid patterns).
// A compiled schema is immutable and may be shared by every logical cluster that declares
// the same CRD.

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "api/validation.h"
#include "base/status.h"

namespace carrier::api {

class StructuralSchema {
 public:
  struct Node;

  // `schema_path` names the schema in errors ("spec.versions[0].schema.openAPIV3Schema").
  // Problems are appended to `errors`; the result is null when there were any.
  static std::shared_ptr<const StructuralSchema> Compile(const boost::json::value& schema,
                                                         const std::string& schema_path,
                                                         FieldErrors& errors);

  void Default(boost::json::value& object) const;
  void Prune(boost::json::value& object) const;
  // `old` is the object an update replaces (null for a create).
  FieldErrors Validate(const boost::json::value& object,
                       const boost::json::value* old = nullptr) const;

  // The schema itself (for OpenAPI documents and `kubectl explain`).
  const boost::json::value& source() const;

  ~StructuralSchema();

 private:
  StructuralSchema() = default;
  std::unique_ptr<Node> root_;
  std::unique_ptr<boost::json::value> source_;
};

}  // namespace carrier::api
