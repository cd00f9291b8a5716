#pragma once
// The endpoints controllers: for every Service with a selector, Kubernetes' Endpoints object
// of the same name and its discovery.k8s.io/v1 EndpointSlices, from the pods of the
// Service's namespace that the selector selects and that have a status.podIP.
//  - Endpoints: pods grouped into subsets by the ports they resolve (a service port's
//    targetPort is a number or the name of a container port; a pod without the named port
//    lacks that port); ready pods in `addresses`, the others in `notReadyAddresses` (all in
//    `addresses` with publishNotReadyAddresses); terminating and terminal pods left out.
//    Deleting the Service deletes its Endpoints.
//  - EndpointSlices (labels kubernetes.io/service-name and
//    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io, the Service as
//    controller owner, addressType IPv4): one slice per port set and per 100 endpoints, each
//    endpoint with conditions ready (ready and not terminating), serving and terminating;
//    terminating pods are kept. A Service without endpoints keeps one empty slice. Slices go
//    with their Service through the garbage collector.
// Services without a selector are left alone (their Endpoints are the user's). Keys:
// "<cluster>/<namespace>/<service>" for a Service's changes and "<cluster>/<namespace>" for
// a pod's (every Service of the namespace).

#include "controllers/controller_manager.h"

namespace carrier::controllers {

class EndpointsController : public Controller {
 public:
  explicit EndpointsController(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "endpoints"; }
  void OnChange(const Change& change, std::vector<std::string>& keys) override;
  Status Reconcile(const std::string& key, std::chrono::milliseconds& requeue_after) override;

 private:
  storage::Store& store_;
};

}  // namespace carrier::controllers
