#pragma once
// The node authorizer: a kubelet identity (user system:node:<name> in group system:nodes)
// may read nodes, services, endpoints and pods, and may write only its own Node (and its
// status), its own Lease in kube-node-lease, pods (and pod status) — NodeRestriction
// admission checks that a written pod is bound to the node — events, and its CSRs. It may
// read a secret, configmap or persistentvolumeclaim only when a pod bound to it references
// it (found from the watch cache's pods of that namespace).
// It allows or has no opinion; RBAC decides what it does not allow.

#include <optional>
#include <string>
#include <string_view>

#include "apiserver/authz/rbac.h"
#include "storage/store.h"

namespace carrier::apiserver::authz {

// The node name of a kubelet identity, or nullopt for any other user.
std::optional<std::string> NodeNameOf(const UserInfo& user);

// Whether the node authorizer allows the request (store: the cluster's objects, for the
// references of the node's pods).
bool NodeAllows(storage::Store& store, const std::string& cluster, const std::string& node,
                const Attributes& a);

}  // namespace carrier::apiserver::authz
