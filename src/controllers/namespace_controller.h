#pragma once
// The namespace controller: when a namespace is being deleted (deletionTimestamp set, phase
// Terminating), it deletes everything in it — objects with finalizers are marked for
// deletion and waited for — reports progress in the namespace's status conditions as
// Kubernetes does (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...), then
// removes the `kubernetes` finalizer and the namespace itself. Keys: "<cluster>/<namespace>".

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class NamespaceController : public Controller {
 public:
  explicit NamespaceController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "namespace"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

}  // namespace carrier::controllers
