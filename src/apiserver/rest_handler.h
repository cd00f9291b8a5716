#pragma once
// The generic REST machinery for every resource type: get, list (limit/continue,
// resourceVersion semantics, label and field selectors), watch, create, update, patch,
// delete (preconditions, finalizers), deletecollection, and the status and scale
// subresources. Objects are JSON; where they live in the store is object_meta.h's concern.

#include <memory>

#include "apiserver/request_info.h"
#include "apiserver/resource_catalog.h"
#include "apiserver/user_info.h"
#include "http/server.h"
#include "storage/store.h"

namespace carrier::apiserver {

class WatchRegistry;
class CustomResources;
namespace admission {
class Chain;
}

class RestHandler {
 public:
  // Types not in `catalog` are looked up among the cluster's CRDs in `customs`.
  RestHandler(storage::Store& store, const ResourceCatalog& catalog, CustomResources& customs);
  ~RestHandler();

  // Serves one resource request (info.is_resource) for an authenticated, authorized user.
  void Serve(std::shared_ptr<http::Exchange> exchange, const RequestInfo& info,
             const UserInfo& user);
  // Every create, update, patch and delete passes `chain` once, just before the write
  // (admission/admission.h). Null: no admission.
  void SetAdmission(const admission::Chain* chain) { admission_ = chain; }
  // Ends every open watch of logical cluster `cluster`.
  void EndWatches(const std::string& cluster);

 private:
  storage::Store& store_;
  const ResourceCatalog& catalog_;
  CustomResources& customs_;
  std::unique_ptr<WatchRegistry> watches_;
  const admission::Chain* admission_ = nullptr;
};

}  // namespace carrier::apiserver
