#pragma once
// The CSR approving controller, as Kubernetes' csrapproving controller: a pending
// CertificateSigningRequest for a kubelet client certificate (signer
// kubernetes.io/kube-apiserver-client-kubelet, CN system:node:<name>, O system:nodes only,
// usages digital signature + client auth [+ key encipherment], no subjectAltNames) is
// approved when its requester may have it approved, asked of the API server's authorizer as
// a SubjectAccessReview would: `create` on certificatesigningrequests/selfnodeclient when
// the requester is the node itself (a renewal), else on certificatesigningrequests/
// nodeclient (a bootstrap token in system:bootstrappers). The condition is Approved/True,
// reason AutoApproved. Anything else is left for a person or another approver.
// Keys: "<cluster>/<name>".

#include <functional>

#include "apiserver/authz/rbac.h"
#include "controllers/controller_manager.h"

namespace carrier::controllers {

// Whether `user` may do `attributes` in `cluster` (the in-process authorizer).
using AccessCheck = std::function<bool(const std::string& cluster, const apiserver::UserInfo& user,
                                       const apiserver::authz::Attributes& attributes)>;

class CsrApprovingController : public Controller {
 public:
  CsrApprovingController(storage::Store& store, AccessCheck allowed)
      : store_(store), allowed_(std::move(allowed)) {}
  std::string_view name() const override { return "csrapproving"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
  AccessCheck allowed_;
};

}  // namespace carrier::controllers
