#pragma once
// The service-account controller: every active namespace has a `default` ServiceAccount and
// the `kube-root-ca.crt` ConfigMap (key ca.crt: the cluster's CA bundle, for in-cluster
// clients); deleting either brings it back. Keys: "<cluster>/<namespace>".

#include <functional>

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class ServiceAccountController : public Controller {
 public:
  // `ca_bundle` gives a logical cluster's CA certificates (PEM).
  ServiceAccountController(storage::Store& store,
                           std::function<std::string(const std::string& cluster)> ca_bundle)
      : store_(store), ca_bundle_(std::move(ca_bundle)) {}
  std::string_view name() const override { return "serviceaccount"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
  std::function<std::string(const std::string&)> ca_bundle_;
};

}  // namespace carrier::controllers
