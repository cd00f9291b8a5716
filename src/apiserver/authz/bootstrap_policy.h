#pragma once
// The bootstrap RBAC policy every logical cluster starts with: the ClusterRoles and
// ClusterRoleBindings Kubernetes' API server creates (cluster-admin, admin, edit, view and
// the system:aggregate-to-* roles they aggregate, system:discovery, system:basic-user,
// system:public-info-viewer, system:node, system:node-bootstrapper, system:kube-scheduler,
// system:kube-controller-manager, the system:certificates.k8s.io:* roles (nodeclient,
// selfnodeclient, the approvers of each kubernetes.io signer) and the system:controller:*
// roles of the controllers Carrier runs) plus the bindings a kubeadm cluster adds:
// system:node-bootstrapper and ...:nodeclient to system:bootstrappers (first node client
// certificates are auto-approved), ...:selfnodeclient to system:nodes (renewals).
//
// Built once per process and shared: the objects (as JSON, without uid/timestamps) and
// their serialized forms are immutable. The authorizer materialises them in a cluster the
// first time it evaluates that cluster's policy (see rbac_authorizer.h).

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

namespace carrier::apiserver::authz {

struct BootstrapObject {
  std::string resource;  // "clusterroles" or "clusterrolebindings"
  std::string name;
  const boost::json::object* object;
};

// Version of the policy below; bump it when the objects change so that existing clusters
// receive the new ones.
inline constexpr int kBootstrapPolicyVersion = 2;

const std::vector<BootstrapObject>& BootstrapPolicy();

}  // namespace carrier::apiserver::authz
