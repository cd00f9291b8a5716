#pragma once
// Strategic merge patch, as Kubernetes applies `application/strategic-merge-patch+json`.
//
// Like a JSON merge patch (null deletes, objects merge) except that lists declared with
// strategy `merge` in the patch schema merge instead of being replaced: lists of objects by
// their patch merge key (PodSpec containers by name, Container ports by containerPort, env
// by name, ObjectMeta ownerReferences by uid, conditions by type, ...), lists of scalars
// as a set union (finalizers). Directives: `$patch: replace|delete|merge` in an object or
// as a list element, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>` (the
// order of the merged list), `$retainKeys` (drop the original's keys not listed).
//
// The schema table covers the built-in kinds Carrier serves; it is built once and shared.
// For a kind it does not know (custom resources), the patch is applied as a JSON merge
// patch (note: kube-apiserver itself answers 415 for strategic patches of custom resources;
// the caller chooses). The patch is checked before anything changes, so an error (400
// BadRequest: not an object, an unknown $patch value, a list element without its merge
// key) leaves `doc` untouched.

#include <string_view>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

// The patch metadata of one object type (opaque; see the .cc for the table).
struct PatchType;

// The schema root for a built-in kind, or nullptr when Carrier has no patch metadata for it.
const PatchType* StrategicPatchSchema(std::string_view group, std::string_view kind);

// How member `name` of an object of type `type` merges (for server-side apply, which shares
// this table): a merged list (`merge_list`, by `merge_key`, or a set of scalars when the key
// is empty) or not, and the type of the member's object or of its list elements (nullptr:
// nothing known). A null `type` knows nothing.
struct PatchFieldInfo {
  bool merge_list = false;
  std::string_view merge_key;
  const PatchType* type = nullptr;
};
PatchFieldInfo PatchFieldOf(const PatchType* type, std::string_view name);

// Applies `patch` to `doc` with the metadata of `schema` (nullptr: no list merges, but
// directives are still honoured).
Status ApplyStrategicMergePatch(boost::json::value& doc, const boost::json::value& patch,
                                const PatchType* schema);

// Looks the kind up; unknown kinds get a JSON merge patch.
Status ApplyStrategicMergePatch(boost::json::value& doc, const boost::json::value& patch,
                                std::string_view group, std::string_view kind);

}  // namespace carrier::api
