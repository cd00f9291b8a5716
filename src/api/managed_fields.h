#pragma once
// Field ownership for server-side apply: sets of field paths in Kubernetes' FieldsV1 form,
// the shape that says how a place in an object merges, and `metadata.managedFields` entries.
//
// A FieldPathSet (not field_selector.h's FieldSet) is a tree keyed by FieldsV1 path elements:
//   f:<name>        a member of an object
//   k:<json>        the element of an associative list with these key values
//                   (compact JSON object, keys in name order: k:{"name":"nginx"})
//   v:<json>        the element of a set list with this value (v:"kubernetes")
//   i:<n>           the element at an index (list elements without their key fields)
// A node is a member of the set itself when `member` is true; in FieldsV1 a member without
// children is `{}` and a member with children carries `".": {}`.
//
// FieldsOf() computes the fields an object sets: scalars, nulls, empty objects, atomic lists
// and atomic maps are members; objects are not (their members are); elements of associative
// and set lists are members, and an associative element's own fields follow.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

struct PatchType;

enum class ListType { kAtomic, kSet, kMap };

// A cursor over the merge metadata of an object type. The default shape knows nothing:
// objects merge member by member, lists are atomic.
class Shape {
 public:
  Shape() = default;
  // A built-in kind, from the strategic merge patch table (patch merge keys).
  static Shape Builtin(std::string_view group, std::string_view kind);
  // A custom resource, from its CRD's openAPIV3Schema (x-kubernetes-list-type,
  // x-kubernetes-list-map-keys, x-kubernetes-map-type). `schema` must outlive the shape;
  // null knows nothing. Metadata merges as ObjectMeta does in built-in kinds.
  static Shape OpenApi(const boost::json::value* schema);

  Shape Member(std::string_view name) const;  // the shape of an object's member
  Shape Items() const;                        // the shape of a list's elements
  ListType list_type() const;                 // how a list here merges
  std::vector<std::string> list_keys() const; // the keys of an associative list
  bool atomic_map() const;                    // an object here is replaced, not merged

 private:
  const PatchType* type_ = nullptr;  // built-in: the object type at this place
  bool merge_list_ = false;          // built-in: a list merged by key_ (set when empty)
  std::string_view key_;
  const PatchType* items_ = nullptr;
  const boost::json::value* openapi_ = nullptr;
  bool openapi_root_ = false;
};

class FieldPathSet {
 public:
  bool member = false;
  std::map<std::string, FieldPathSet, std::less<>> children;

  bool empty() const { return !member && children.empty(); }
  bool operator==(const FieldPathSet& other) const = default;

  void Insert(const FieldPathSet& other);             // union, in place
  FieldPathSet Minus(const FieldPathSet& other) const;     // the paths of this not in other
  FieldPathSet Intersect(const FieldPathSet& other) const;  // the paths in both

  // The member paths in Kubernetes' printed form: .spec.replicas,
  // .spec.containers[name="nginx"].image, .metadata.finalizers[="a"], .items[0].
  std::vector<std::string> Paths() const;

  // FieldsV1 JSON. FromFieldsV1 answers 400 BadRequest for anything that is not one.
  boost::json::value ToFieldsV1() const;
  static Result<FieldPathSet> FromFieldsV1(const boost::json::value& fields);
};

// The FieldsV1 path element of element `index` of a list with `type` and `keys`.
std::string ListElementKey(const boost::json::value& element, size_t index, ListType type,
                           const std::vector<std::string>& keys);
// Prints one path element (see FieldPathSet::Paths).
std::string PrintPathElement(std::string_view element);

// The fields `object` sets.
FieldPathSet FieldsOf(const boost::json::value& object, const Shape& shape);
// The fields of `after` that are absent from `before` or have another value there
// (`before` null: all of them).
FieldPathSet ChangedFields(const boost::json::value* before, const boost::json::value& after,
                       const Shape& shape);

// The value a path element designates inside `v` (null when absent).
const boost::json::value* ResolveElement(const boost::json::value* v, std::string_view element);
// The index of the list element a k:, v: or i: path element designates.
std::optional<size_t> FindElement(const boost::json::array& list, std::string_view element);

// One entry of metadata.managedFields.
struct ManagedFieldsEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldPathSet fields;

  bool SameOwner(const ManagedFieldsEntry& other) const {
    return manager == other.manager && operation == other.operation &&
           subresource == other.subresource;
  }
};

// Reads metadata.managedFields (null or absent: none). 400 BadRequest when malformed.
Result<std::vector<ManagedFieldsEntry>> ParseManagedFields(const boost::json::value* value);
boost::json::value ManagedFieldsToJson(const std::vector<ManagedFieldsEntry>& entries);

}  // namespace carrier::api
