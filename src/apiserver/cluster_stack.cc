#include "apiserver/cluster_stack.h"

#include "apiserver/admission/admission.h"
#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/webhook.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "apiserver/custom_resources.h"
#include "apiserver/event_ttl_store.h"
#include "apiserver/rest_handler.h"
#include "apiserver/watch_cache.h"
#include "controllers/controller_manager.h"
#include "controllers/cronjob_controller.h"
#include "controllers/csr_approving_controller.h"
#include "controllers/csr_signing_controller.h"
#include "controllers/daemonset_controller.h"
#include "controllers/deployment_controller.h"
#include "controllers/disruption_controller.h"
#include "controllers/endpoints_controller.h"
#include "controllers/garbage_collector.h"
#include "controllers/job_controller.h"
#include "controllers/namespace_controller.h"
#include "controllers/node_lifecycle_controller.h"
#include "controllers/replicaset_controller.h"
#include "controllers/scheduler.h"
#include "controllers/service_account_controller.h"
#include "controllers/statefulset_controller.h"

namespace carrier::apiserver {

namespace {

// Keeps a stack alive while a bound stream is open; everything else goes to the writer.
class BoundWriter : public http::ChunkWriter {
 public:
  BoundWriter(std::shared_ptr<http::ChunkWriter> inner, std::shared_ptr<ClusterStack> stack)
      : inner_(std::move(inner)), stack_(std::move(stack)) {}
  bool Write(std::string data) override { return inner_->Write(std::move(data)); }
  void Close() override { inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  void OnClosed(std::function<void()> callback) override { inner_->OnClosed(std::move(callback)); }
  size_t queued_bytes() const override { return inner_->queued_bytes(); }

 private:
  std::shared_ptr<http::ChunkWriter> inner_;
  std::shared_ptr<ClusterStack> stack_;
};

}  // namespace

// Keeps a stack alive while a request is served (body reads capture the exchange).
class BoundExchange : public http::Exchange {
 public:
  BoundExchange(std::shared_ptr<http::Exchange> inner, std::shared_ptr<ClusterStack> stack)
      : inner_(std::move(inner)), stack_(std::move(stack)) {}
  const http::Request& request() const override { return inner_->request(); }
  void ReadBody(std::shared_ptr<http::BodySink> sink, uint64_t limit,
                std::function<void(Status)> done) override {
    inner_->ReadBody(std::move(sink), limit, std::move(done));
  }
  void Respond(http::Response response) override { inner_->Respond(std::move(response)); }
  std::shared_ptr<http::ChunkWriter> RespondChunked(int status, http::Headers headers) override {
    auto writer = inner_->RespondChunked(status, std::move(headers));
    stack_->Track(writer);
    return std::make_shared<BoundWriter>(std::move(writer), stack_);
  }

 private:
  std::shared_ptr<http::Exchange> inner_;
  std::shared_ptr<ClusterStack> stack_;
};

void StackGraveyard::Bury(ClusterStack* stack) {
  std::lock_guard lock(mu_);
  buried_.emplace_back(stack);
}

void StackGraveyard::Collect() {
  std::vector<std::unique_ptr<ClusterStack>> dead;
  {
    std::lock_guard lock(mu_);
    if (buried_.empty()) return;
    dead.swap(buried_);
  }
  dead.clear();  // outside the lock: a stack's destruction joins its threads
}

Result<std::shared_ptr<ClusterStack>> ClusterStack::Open(std::shared_ptr<storage::Store> backend,
                                                         const ClusterStackOptions& options,
                                                         std::shared_ptr<StackGraveyard> graveyard) {
  std::unique_ptr<ClusterStack> s(new ClusterStack());
  s->backend_ = std::move(backend);
  s->events_expire_ = WithEventTtl(*s->backend_, options.event_ttl);
  WatchCacheOptions cache_options;
  cache_options.consistent_reads_from_backend = options.store_shared;
  auto cache = StartWatchCache(*s->events_expire_, cache_options);
  if (!cache.ok()) return cache.status();
  s->cache_ = std::move(*cache);
  storage::Store& store = *s->cache_;
  s->customs_ = std::make_unique<CustomResources>(store);
  s->authorizer_ = std::make_unique<authz::Authorizer>(store);
  s->rest_ = std::make_unique<RestHandler>(store, ResourceCatalog::BuiltIn(), *s->customs_);
  // The admission chain, in Kubernetes' order: mutating phases, then validating phases.
  auto& chain = *(s->admission_ = std::make_unique<admission::Chain>());
  chain.Add(admission::NewNamespaceLifecycle(store));
  chain.Add(admission::NewLimitRanger(store));
  chain.Add(admission::NewServiceAccount(store));
  chain.Add(admission::NewNodeRestriction());
  chain.Add(admission::NewDefaultTolerationSeconds());
  chain.Add(admission::NewRbacEscalation(*s->authorizer_));
  chain.Add(admission::NewCertificateApproval(*s->authorizer_));
  chain.Add(admission::NewCertificateSigning(*s->authorizer_));
  chain.Add(admission::NewCertificateSubjectRestriction());
  chain.Add(admission::NewMutatingWebhooks(store));
  chain.Add(admission::NewValidatingWebhooks(store));
  chain.Add(admission::NewResourceQuota(store));
  CARRIER_RETURN_IF_ERROR(chain.Disable(options.disabled_admission_plugins));
  s->rest_->SetAdmission(&chain);
  if (!graveyard) return std::shared_ptr<ClusterStack>(std::move(s));
  return std::shared_ptr<ClusterStack>(
      s.release(), [graveyard = std::move(graveyard)](ClusterStack* dead) { graveyard->Bury(dead); });
}

ClusterStack::~ClusterStack() {
  if (controllers_) controllers_->Stop();
}

Status ClusterStack::StartControllers(const CoreControllerOptions& o,
                                      std::vector<std::unique_ptr<controllers::Controller>> extra) {
  storage::Store& store = *cache_;
  std::lock_guard lock(controllers_mu_);
  controllers_ = std::make_unique<controllers::ControllerManager>(store, o.workers, o.metrics);
  controllers_->Add(std::make_unique<controllers::NamespaceController>(store));
  controllers_->Add(std::make_unique<controllers::GarbageCollector>(store));
  controllers_->Add(std::make_unique<controllers::ReplicaSetController>(store));
  controllers_->Add(std::make_unique<controllers::DeploymentController>(store));
  controllers_->Add(std::make_unique<controllers::StatefulSetController>(store));
  controllers_->Add(std::make_unique<controllers::DaemonSetController>(store));
  controllers_->Add(std::make_unique<controllers::JobController>(store));
  controllers_->Add(std::make_unique<controllers::CronJobController>(store));
  controllers_->Add(std::make_unique<controllers::Scheduler>(store));
  controllers_->Add(
      std::make_unique<controllers::NodeLifecycleController>(store, o.node_monitor_grace_period));
  controllers_->Add(std::make_unique<controllers::DisruptionController>(store));
  controllers_->Add(std::make_unique<controllers::EndpointsController>(store));
  controllers_->Add(std::make_unique<controllers::ServiceAccountController>(store, o.client_ca_pem));
  controllers_->Add(std::make_unique<controllers::CsrApprovingController>(
      store, [this](const std::string& cluster, const UserInfo& user, const authz::Attributes& a) {
        return authorizer_->Authorize(cluster, user, a).allowed;
      }));
  controllers_->Add(std::make_unique<controllers::CsrSigningController>(store, o.client_ca));
  for (auto& controller : extra) controllers_->Add(std::move(controller));
  return controllers_->Start();
}

void ClusterStack::StopControllers() {
  std::lock_guard lock(controllers_mu_);
  if (controllers_) controllers_->Stop();
}

void ClusterStack::Forget(const std::string& cluster) {
  customs_->Forget(cluster);
  authorizer_->Forget(cluster);
}

std::shared_ptr<http::Exchange> ClusterStack::Bind(const std::shared_ptr<ClusterStack>& stack,
                                                   std::shared_ptr<http::Exchange> exchange) {
  return std::make_shared<BoundExchange>(std::move(exchange), stack);
}

void ClusterStack::Track(const std::shared_ptr<http::ChunkWriter>& writer) {
  std::lock_guard lock(streams_mu_);
  std::erase_if(streams_, [](const std::weak_ptr<http::ChunkWriter>& w) {
    auto open = w.lock();
    return !open || open->closed();
  });
  streams_.push_back(writer);
}

void ClusterStack::Close() {
  StopControllers();
  std::vector<std::weak_ptr<http::ChunkWriter>> streams;
  {
    std::lock_guard lock(streams_mu_);
    streams.swap(streams_);
  }
  for (const auto& w : streams) {
    if (auto writer = w.lock()) writer->Close();
  }
}

}  // namespace carrier::apiserver
