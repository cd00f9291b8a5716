#pragma once
// Helpers shared by the workload controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet,
// Job, ...): pod states as Kubernetes counts them, controller ownerReferences, generated
// name suffixes.

#include <boost/json/fwd.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "controllers/objects.h"
#include "storage/store.h"

namespace carrier::controllers {

namespace workload {
// The controller owner of an object (kind, name), from its stored JSON; nullopt if none.
std::optional<std::pair<std::string, std::string>> ControllerOf(std::string_view value);
// The controller ownerReference (apiVersion, kind, name, uid) of a decoded object, or null.
const boost::json::object* ControllerRefOf(const boost::json::object& obj);
bool PodReady(const boost::json::object& pod);
bool PodActive(const boost::json::object& pod);  // not deleting, not Succeeded/Failed
// The first of `tolerations` (a pod's spec.tolerations; may be null) that tolerates `taint`
// (Kubernetes' matching: an empty effect matches every effect; an empty key with operator
// Exists matches every taint; operator Equal, the default, also compares the value); null
// when none does.
const boost::json::object* TolerationFor(const boost::json::array* tolerations,
                                         const boost::json::object& taint);
// Ready for at least `min_ready_seconds` (by the Ready condition's lastTransitionTime). When
// ready but not yet long enough, `recheck` is lowered to the time left.
bool PodAvailable(const boost::json::object& pod, int64_t min_ready_seconds, std::chrono::milliseconds& recheck);
// Which surplus pod goes first (lower first): unscheduled, then pending, then unready.
int DeletionRank(const boost::json::object& pod);
// A controller ownerReference to `owner` (apiVersion/kind given).
boost::json::object ControllerRef(const boost::json::object& owner, std::string_view api_version,
                                  std::string_view kind);
// Lower-case alphanumerics as Kubernetes' generated name suffixes use.
std::string RandomSuffix(size_t n);
// The objects of `type` in `owner`'s namespace whose controller ownerReference is `owner`
// (kind `owner_kind`, same uid), those being deleted included.
Result<std::vector<StoredObject>> ListControlled(storage::Store& store, const std::string& cluster,
                                                 const apiserver::ResourceType& type,
                                                 const boost::json::object& owner, std::string_view owner_kind);
}  // namespace workload

}  // namespace carrier::controllers
