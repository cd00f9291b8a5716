#pragma once
// A serving stack: everything in the API server that reads or writes a store, over one
// backend. Its store chain is backend → event TTL (event_ttl_store.h) → watch cache
// (watch_cache.h); on that chain sit the CRD types (custom_resources.h), the REST machinery,
// RBAC, the admission chain and, once started, the core controllers.
//
// Revisions of two backends cannot be compared, so each backend gets a whole stack: the API
// server's primary stack serves root and every Managed cluster on the process's store, and a
// cluster with its own etcd (cluster_storage.h) gets a stack of its own. Such a stack is
// shared: Bind ties a request to it, so the stack outlives every request and watch stream
// it serves; Close ends its watch streams and controllers. Its last reference may drop
// inside one of its own callbacks, so it is destroyed later, by its Graveyard's Collect().

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/x509.h"
#include "http/server.h"
#include "storage/store.h"

namespace carrier::metrics {
class Registry;
}
namespace carrier::controllers {
class Controller;
class ControllerManager;
}  // namespace carrier::controllers

namespace carrier::apiserver {

class CustomResources;
class RestHandler;
namespace authz {
class Authorizer;
}
namespace admission {
class Chain;
}

struct ClusterStackOptions {
  // The backend is shared with other `carrier serve` replicas (watch_cache.h).
  bool store_shared = false;
  std::chrono::seconds event_ttl{3600};
  std::vector<std::string> disabled_admission_plugins;
};

// What the core controllers need beyond the store.
struct CoreControllerOptions {
  int workers = 2;
  metrics::Registry* metrics = nullptr;  // null: no controller metrics
  std::chrono::milliseconds node_monitor_grace_period{40000};
  // The CA that signs a cluster's clients, which in-cluster clients must trust.
  std::function<std::string(const std::string& cluster)> client_ca_pem;
  // The CA (with its key) that signs a cluster's approved CSRs.
  std::function<Result<x509::KeyPair>(const std::string& cluster)> client_ca;
};

class ClusterStack;

// Where shared stacks go when their last reference drops; Collect() destroys them. Call it
// where no stack's callback is on the stack (the start of a request, a close, shutdown).
class StackGraveyard {
 public:
  ~StackGraveyard() { Collect(); }
  void Bury(ClusterStack* stack);
  void Collect();

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<ClusterStack>> buried_;
};

class ClusterStack {
 public:
  // Opens a stack over `backend`, which it keeps alive. With `graveyard`, the returned stack
  // is destroyed there, else when the last reference drops.
  static Result<std::shared_ptr<ClusterStack>> Open(std::shared_ptr<storage::Store> backend,
                                                    const ClusterStackOptions& options,
                                                    std::shared_ptr<StackGraveyard> graveyard = nullptr);
  ~ClusterStack();

  storage::Store& store() { return *cache_; }  // the watch cache everything goes through
  CustomResources& customs() { return *customs_; }
  RestHandler& rest() { return *rest_; }
  authz::Authorizer& authorizer() { return *authorizer_; }

  // Starts the core controllers (namespace, garbage collector, workloads, scheduler, node
  // lifecycle, endpoints, disruption, service accounts, CSRs) and `extra` on this stack's
  // store. A set stopped earlier is replaced (it was kept: /metrics may read its queue).
  Status StartControllers(const CoreControllerOptions& options,
                          std::vector<std::unique_ptr<controllers::Controller>> extra);
  void StopControllers();
  // Drops what was derived from a deleted cluster (CRD types, RBAC state).
  void Forget(const std::string& cluster);

  // An exchange that keeps `stack` alive until it and the stream it may start are gone.
  static std::shared_ptr<http::Exchange> Bind(const std::shared_ptr<ClusterStack>& stack,
                                              std::shared_ptr<http::Exchange> exchange);
  // Stops the controllers and ends every stream started through Bind.
  void Close();

 private:
  friend class BoundExchange;
  ClusterStack() = default;
  void Track(const std::shared_ptr<http::ChunkWriter>& writer);

  std::shared_ptr<storage::Store> backend_;
  std::unique_ptr<storage::Store> events_expire_;  // over backend_
  std::unique_ptr<storage::Store> cache_;          // over events_expire_
  std::unique_ptr<CustomResources> customs_;
  std::unique_ptr<authz::Authorizer> authorizer_;
  std::unique_ptr<admission::Chain> admission_;
  std::unique_ptr<RestHandler> rest_;
  std::mutex controllers_mu_;  // StartControllers and StopControllers may race (leadership)
  std::unique_ptr<controllers::ControllerManager> controllers_;
  std::mutex streams_mu_;
  std::vector<std::weak_ptr<http::ChunkWriter>> streams_;  // started through Bind
};

}  // namespace carrier::apiserver
