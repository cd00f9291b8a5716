#pragma once
// The built-in admission plugins, in the order the API server chains them:
//   NamespaceLifecycle  no creates in a missing or terminating namespace; default,
//                       kube-system and kube-public cannot be deleted
//   LimitRanger         container defaults and min/max from the namespace's LimitRanges
//   ServiceAccount      pods get the `default` service account when none is named; the
//                       account must exist (`default` is created on demand, standing in for
//                       the service-account controller Carrier does not run yet)
//   NodeRestriction     a kubelet (system:node:<name>) modifies only its own Node, its
//                       Lease and pods bound to it, and no node-restriction.kubernetes.io/
//                       labels
//   DefaultTolerationSeconds  pods tolerate node.kubernetes.io/not-ready and
//                       node.kubernetes.io/unreachable (NoExecute) for 300 s unless they
//                       already tolerate them
//   RBACEscalation      roles and bindings grant only what the writer holds, unless the
//                       writer may `escalate` / `bind` (authz/escalation.h)
//   CertificateApproval, CertificateSigning, CertificateSubjectRestriction
//                       approving a CSR needs `approve` and issuing its certificate `sign`
//                       on its signer; no kube-apiserver-client CSR for system:masters
//                       (certificates.cc)
//   (webhooks: webhook.h)
//   ResourceQuota       object counts and compute resources against the namespace's
//                       quotas; status.used kept current on writes
// Each reads what it needs from `store` (the watch cache) per request.

#include <memory>

#include "apiserver/admission/admission.h"
#include "storage/store.h"

namespace carrier::apiserver::authz {
class Authorizer;
}

namespace carrier::apiserver::admission {

std::unique_ptr<Plugin> NewNamespaceLifecycle(storage::Store& store);
std::unique_ptr<Plugin> NewLimitRanger(storage::Store& store);
std::unique_ptr<Plugin> NewServiceAccount(storage::Store& store);
std::unique_ptr<Plugin> NewNodeRestriction();
std::unique_ptr<Plugin> NewDefaultTolerationSeconds();
std::unique_ptr<Plugin> NewRbacEscalation(authz::Authorizer& authorizer);
std::unique_ptr<Plugin> NewResourceQuota(storage::Store& store);
std::unique_ptr<Plugin> NewCertificateApproval(authz::Authorizer& authorizer);
std::unique_ptr<Plugin> NewCertificateSigning(authz::Authorizer& authorizer);
std::unique_ptr<Plugin> NewCertificateSubjectRestriction();

// Helpers shared by the plugins.
// The stored object at a key, or nullopt (absent or unreadable).
std::optional<boost::json::object> ReadObject(storage::Store& store, const std::string& key);
// Every object under the collection of `resource` (core group unless `group`) in `ns`.
std::vector<boost::json::object> ListObjects(storage::Store& store, const std::string& cluster,
                                             std::string_view group, std::string_view resource,
                                             const std::string& ns);

}  // namespace carrier::apiserver::admission
