#pragma once
// The CSR signing controller, as Kubernetes' csrsigning controller: an Approved, not
// Failed, not yet issued CertificateSigningRequest for one of the signers
// kubernetes.io/kube-apiserver-client, kubernetes.io/kube-apiserver-client-kubelet and
// kubernetes.io/kubelet-serving is signed with its logical cluster's client CA, so the
// certificate authenticates at that cluster only. The signer's constraints (csr_signers.h)
// are checked first; a request that breaks them gets condition Failed, reason
// SignerValidationFailure. Validity: spec.expirationSeconds, else (and at most) one year,
// never past the CA's own expiry. Other signers are left alone. Keys: "<cluster>/<name>".

#include <functional>

#include "base/x509.h"
#include "controllers/controller_manager.h"

namespace carrier::controllers {

class CsrSigningController : public Controller {
 public:
  // `ca_of` gives the CA (certificate and key) that signs a logical cluster's clients.
  CsrSigningController(storage::Store& store,
                       std::function<Result<x509::KeyPair>(const std::string& cluster)> ca_of)
      : store_(store), ca_of_(std::move(ca_of)) {}
  std::string_view name() const override { return "csrsigning"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
  std::function<Result<x509::KeyPair>(const std::string&)> ca_of_;
};

}  // namespace carrier::controllers
