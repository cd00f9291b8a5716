#pragma once
// Server-side apply and the bookkeeping of metadata.managedFields on every write.
//
// ServerSideApply merges an applied configuration (`application/apply-patch+yaml`) into the
// live object on behalf of one field manager:
//   - the manager's Apply entry becomes exactly the fields the configuration sets;
//   - fields it owned before and no longer applies are removed from the object unless
//     another manager owns them (an object emptied that way goes too);
//   - the configuration merges into the object: objects member by member, lists by their
//     Shape (associative lists by key, sets by value, atomic lists replaced);
//   - a field the configuration sets that another manager owns with a different value is a
//     conflict; without `force` nothing changes and the conflicts are returned, with `force`
//     the other managers lose those fields. Equal values are shared, not conflicts.
// A null `live` creates. A configuration that changes nothing returns the live object with
// its managedFields untouched (timestamps included), so the write is a no-op.
//
// TrackUpdate records a create, update or non-apply patch as an Update entry: the writer
// gains the fields whose values changed, every other manager loses them, and fields that
// disappeared leave every manager.
//
// Never tracked: apiVersion, kind and the metadata the server owns (name, namespace, uid,
// resourceVersion, generation, creationTimestamp, deletionTimestamp, managedFields, ...);
// status on the main resource of a type with a status subresource, and everything but status
// on the status subresource.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "api/managed_fields.h"
#include "api/status_json.h"
#include "base/status.h"

namespace carrier::api {

// Who writes, and through which endpoint.
struct FieldManagerContext {
  std::string manager;
  std::string api_version;  // the group/version of the request ("apps/v1")
  std::string subresource;  // "", "status" or "scale"
  std::string time;         // RFC 3339, stamped on the entry the write changes
  bool has_status = false;  // the type has a status subresource
};

struct ApplyConflict {
  std::string manager;  // as Kubernetes prints it: "kubectl-edit" using apps/v1
  std::string path;     // .spec.replicas
};

struct ApplyOutcome {
  boost::json::object object;          // the merged object, managedFields set
  std::vector<ApplyConflict> conflicts;  // non-empty: nothing was applied
};

// 400 BadRequest when the configuration is not one (managedFields set, malformed live
// managedFields).
Result<ApplyOutcome> ServerSideApply(const boost::json::object* live,
                                     const boost::json::object& config, const Shape& shape,
                                     const FieldManagerContext& who, bool force);

// 409 Conflict, "Apply failed with N conflict(s): ...", one FieldManagerConflict cause per
// field.
ApiError ApplyConflictError(const std::vector<ApplyConflict>& conflicts);

// Updates next's metadata.managedFields for an Update operation from `old` (null: create).
// managedFields the client sent that differ from old's replace them (a client may reset
// them); otherwise old's are the base.
Status TrackUpdate(const boost::json::object* old, boost::json::object& next, const Shape& shape,
                   const FieldManagerContext& who);

// The manager of a write without fieldManager: the User-Agent's program name (the text
// before the first '/'), at most 128 characters.
std::string ManagerFromUserAgent(std::string_view user_agent);

}  // namespace carrier::api
