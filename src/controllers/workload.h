#pragma once
// Helpers shared by the workload controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet,
// Job, ...): pod states as Kubernetes counts them, controller ownerReferences, generated
// name suffixes.

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace carrier::controllers {

namespace workload {
// The controller owner of an object (kind, name), from its stored JSON; nullopt if none.
std::optional<std::pair<std::string, std::string>> ControllerOf(std::string_view value);
bool PodReady(const boost::json::object& pod);
bool PodActive(const boost::json::object& pod);  // not deleting, not Succeeded/Failed
// Which surplus pod goes first (lower first): unscheduled, then pending, then unready.
int DeletionRank(const boost::json::object& pod);
// A controller ownerReference to `owner` (apiVersion/kind given).
boost::json::object ControllerRef(const boost::json::object& owner, std::string_view api_version,
                                  std::string_view kind);
// Lower-case alphanumerics as Kubernetes' generated name suffixes use.
std::string RandomSuffix(size_t n);
}  // namespace workload

}  // namespace carrier::controllers
