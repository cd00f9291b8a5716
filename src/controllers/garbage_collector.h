#pragma once
// The garbage collector: objects whose owners (metadata.ownerReferences) are all gone are
// deleted (Background propagation); an owner deleted with propagationPolicy Orphan keeps the
// `orphan` finalizer until its dependents no longer reference it; an owner deleted with
// Foreground keeps `foregroundDeletion` while its dependents are deleted, and goes once no
// dependent with blockOwnerDeletion remains. Works for every type, CRDs included, in every
// logical cluster.
//
// Keys: "gone/<cluster>/<namespace>/<uid>" (an object was deleted: collect its dependents) and
// "final/<store key>" (an object is being deleted with the orphan or foreground finalizer).

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class GarbageCollector : public Controller {
 public:
  explicit GarbageCollector(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "garbagecollector"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  Status CollectDependentsOf(const std::string& cluster, const std::string& ns,
                             const std::string& uid);
  Status Finalize(const std::string& store_key, std::chrono::milliseconds& requeue_after);

  storage::Store& store_;
};

}  // namespace carrier::controllers
