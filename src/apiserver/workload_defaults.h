#pragma once
// Kubernetes' apps/v1 defaulting of the workload kinds whose controllers and clients read the
// defaults back (`kubectl rollout status` refuses a StatefulSet or DaemonSet without
// updateStrategy.type RollingUpdate): StatefulSet replicas 1, podManagementPolicy
// OrderedReady, updateStrategy RollingUpdate with partition 0, revisionHistoryLimit 10,
// persistentVolumeClaimRetentionPolicy Retain/Retain; DaemonSet updateStrategy RollingUpdate
// with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10. Applied on create and on
// every spec update, as Kubernetes defaults every decoded object.

#include <boost/json/fwd.hpp>

#include "apiserver/resource_catalog.h"

namespace carrier::apiserver {

void DefaultWorkload(const ResourceType& type, boost::json::object& obj);

}  // namespace carrier::apiserver
