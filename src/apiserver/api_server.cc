#include "apiserver/api_server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "api/status_json.h"
#include "apiserver/admission/admission.h"
#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/webhook.h"
#include "apiserver/authz/access_review.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "apiserver/authn/authentication_api.h"
#include "apiserver/authn/impersonation.h"
#include "apiserver/authn/jwt.h"
#include "apiserver/authn/request_authenticator.h"
#include "apiserver/object_meta.h"
#include "apiserver/published_endpoints.h"
#include "apiserver/custom_resources.h"
#include "apiserver/discovery.h"
#include "apiserver/request_info.h"
#include "apiserver/responses.h"
#include "apiserver/rest_handler.h"
#include "apiserver/event_ttl_store.h"
#include "base/metrics.h"
#include "apiserver/watch_cache.h"
#include "cluster/logical_clusters.h"
#include "controllers/controller_manager.h"
#include "controllers/daemonset_controller.h"
#include "controllers/cronjob_controller.h"
#include "controllers/csr_approving_controller.h"
#include "controllers/csr_signing_controller.h"
#include "controllers/deployment_controller.h"
#include "controllers/disruption_controller.h"
#include "controllers/endpoints_controller.h"
#include "controllers/garbage_collector.h"
#include "controllers/job_controller.h"
#include "controllers/leader_election.h"
#include "controllers/replicaset_controller.h"
#include "controllers/scheduler.h"
#include "controllers/statefulset_controller.h"
#include "controllers/namespace_controller.h"
#include "controllers/node_lifecycle_controller.h"
#include "controllers/service_account_controller.h"
#include "hosted/crds.h"
#include "hosted/hosted_cluster_controller.h"
#include "hosted/node_pool_controller.h"
#include "hosted/supported_versions.h"
#include "http/server.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

bool IsAnonymousPath(std::string_view path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz" || path == "/version" ||
         path.substr(0, 9) == "/healthz/" || path.substr(0, 7) == "/livez/" ||
         path.substr(0, 8) == "/readyz/";
}

constexpr std::string_view kClusterAdminPrefix = "/carrier/v1/clusters";

// The issuer of a cluster's service-account tokens (also their default audience).
std::string IssuerOf(const std::string& cluster) {
  constexpr std::string_view kIssuer = "https://kubernetes.default.svc";
  return cluster == cluster::kRootCluster ? std::string(kIssuer)
                                          : std::string(kIssuer) + "/clusters/" + cluster;
}

UserInfo AnonymousUser() {
  UserInfo user;
  user.name = "system:anonymous";
  user.groups = {"system:unauthenticated"};
  return user;
}

}  // namespace

class ApiServer::Impl {
 public:
  // `events_expire` gives Events their TTL in front of the backend; `cache` is the watch cache
  // over it, which everything reads and writes through.
  Impl(const ApiServerOptions& options, std::unique_ptr<storage::Store> events_expire,
       std::unique_ptr<storage::Store> cache, ServingPki pki,
       std::shared_ptr<const authn::ClientCertificateAuthenticator> superusers)
      : options_(options),
        events_expire_(std::move(events_expire)),
        cache_(std::move(cache)),
        store_(*cache_),
        pki_(std::move(pki)),
        superusers_(std::move(superusers)),
        authenticators_([this](const std::string& cluster) { return LoadAuthenticator(cluster); }),
        clusters_(store_),
        customs_(store_),
        rest_(store_, ResourceCatalog::BuiltIn(), customs_),
        authorizer_(store_),
        published_(options.service_node_port_range) {
    // The admission chain, in Kubernetes' order: mutating phases, then validating phases.
    admission_.Add(admission::NewNamespaceLifecycle(store_));
    admission_.Add(admission::NewLimitRanger(store_));
    admission_.Add(admission::NewServiceAccount(store_));
    admission_.Add(admission::NewNodeRestriction());
    admission_.Add(admission::NewDefaultTolerationSeconds());
    admission_.Add(admission::NewRbacEscalation(authorizer_));
    admission_.Add(admission::NewCertificateApproval(authorizer_));
    admission_.Add(admission::NewCertificateSigning(authorizer_));
    admission_.Add(admission::NewCertificateSubjectRestriction());
    admission_.Add(admission::NewMutatingWebhooks(store_));
    admission_.Add(admission::NewValidatingWebhooks(store_));
    admission_.Add(admission::NewResourceQuota(store_));
    rest_.SetAdmission(&admission_);
  }

  Status Start() {
    CARRIER_RETURN_IF_ERROR(admission_.Disable(options_.disabled_admission_plugins));
    clusters_.SetRootCredentials({pki_.ca, pki_.service_account_key_pem});
    CARRIER_RETURN_IF_ERROR(clusters_.Bootstrap());
    // The management plane's hosted control plane API (idempotent).
    CARRIER_RETURN_IF_ERROR(hosted::InstallManagementCrds(store_));
    CARRIER_RETURN_IF_ERROR(hosted::EnsureSupportedVersions(store_));
    http::ServerOptions http_options;
    http_options.address = options_.address;
    http_options.port = options_.port;
    http_options.threads = options_.threads;
    http_options.tls_cert_file = pki_.serving_cert_file;
    http_options.tls_key_file = pki_.serving_key_file;
    http_options.request_client_certificates = true;
    http_options.tls_context_for_server_name = [this](std::string_view name) {
      return published_.ContextFor(name);
    };
    auto server =
        http::Server::Start(http_options, [this](std::shared_ptr<http::Exchange> ex) { Handle(ex); });
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    published_.Attach(server_.get(), ClientHost(), options_.address);
    discovery_ = std::make_unique<Discovery>(ResourceCatalog::BuiltIn(),
                                             options_.address + ":" + std::to_string(port()));
    CARRIER_RETURN_IF_ERROR(RunControllers());
    return WriteKubeconfig(pki_.admin_kubeconfig_file, Url(), pki_.ca.cert_pem, AdminCredentials(),
                           "system:admin");
  }

  uint16_t port() const { return server_->port(); }
  // The host clients on this machine reach the listener at.
  std::string ClientHost() const {
    return options_.address == "0.0.0.0" || options_.address == "::" ? "127.0.0.1" : options_.address;
  }
  std::string Url() const { return "https://" + ClientHost() + ":" + std::to_string(port()); }
  const ServingPki& pki() const { return pki_; }
  void Stop() {
    if (elector_) elector_->Stop();
    if (controllers_) controllers_->Stop();
    if (server_) server_->Stop();
  }

 private:
  // Alone on its store, this process runs the controllers; replicas sharing an etcd elect
  // the one that does through the Lease kube-system/carrier-controller-manager in root.
  Status RunControllers() {
    if (!options_.store_shared) return StartControllers();
    controllers::LeaderElectionOptions election;
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    election.identity = std::string(host) + "_" + NewUid();
    elector_ = std::make_unique<controllers::LeaderElector>(
        store_, election,
        [this] {
          if (Status st = StartControllers(); !st.ok()) {
            spdlog::error("controllers did not start: {}", st.ToString());
          }
        },
        [this] { controllers_->Stop(); });  // kept until replaced: /metrics reads its queue
    elector_->Start();
    return {};
  }

  // The core controllers of every logical cluster, in this process, on the watch cache.
  Status StartControllers() {
    controllers_ = std::make_unique<controllers::ControllerManager>(store_, /*workers=*/2, &metrics_);
    controllers_->Add(std::make_unique<controllers::NamespaceController>(store_));
    controllers_->Add(std::make_unique<controllers::GarbageCollector>(store_));
    controllers_->Add(std::make_unique<controllers::ReplicaSetController>(store_));
    controllers_->Add(std::make_unique<controllers::DeploymentController>(store_));
    controllers_->Add(std::make_unique<controllers::StatefulSetController>(store_));
    controllers_->Add(std::make_unique<controllers::DaemonSetController>(store_));
    controllers_->Add(std::make_unique<controllers::JobController>(store_));
    controllers_->Add(std::make_unique<controllers::CronJobController>(store_));
    controllers_->Add(std::make_unique<controllers::Scheduler>(store_));
    controllers_->Add(std::make_unique<controllers::NodeLifecycleController>(
        store_, options_.node_monitor_grace_period));
    controllers_->Add(std::make_unique<controllers::DisruptionController>(store_));
    controllers_->Add(std::make_unique<controllers::EndpointsController>(store_));
    controllers_->Add(std::make_unique<controllers::ServiceAccountController>(
        store_, [this](const std::string& cluster) {
          // The CA that signs the cluster's clients, as in-cluster clients must trust it.
          auto credentials = clusters_.Credentials(cluster);
          return credentials.ok() ? credentials->client_ca.cert_pem : pki_.ca.cert_pem;
        }));
    controllers_->Add(std::make_unique<controllers::CsrApprovingController>(
        store_, [this](const std::string& cluster, const UserInfo& user,
                       const authz::Attributes& a) {
          return authorizer_.Authorize(cluster, user, a).allowed;
        }));
    controllers_->Add(std::make_unique<controllers::CsrSigningController>(
        store_, [this](const std::string& cluster) -> Result<x509::KeyPair> {
          auto credentials = clusters_.Credentials(cluster);
          if (!credentials.ok()) return credentials.status();
          return credentials->client_ca;
        }));
    hosted::HostedClusterEnvironment hosted_env;
    hosted_env.clusters = &clusters_;
    hosted_env.server_url = Url();
    hosted_env.server_ca_pem = pki_.ca.cert_pem;
    hosted_env.publisher = &published_;
    hosted_env.forget_cluster = [this](const std::string& cluster) {
      customs_.Forget(cluster);
      authorizer_.Forget(cluster);
      authenticators_.Forget(cluster);
    };
    hosted_env.restart_cluster = [this](const std::string& cluster) {
      customs_.Forget(cluster);
      authorizer_.Forget(cluster);
      authenticators_.Forget(cluster);
      rest_.EndWatches(cluster);
    };
    hosted_env.certificates = options_.hosted_certificates;
    controllers_->Add(std::make_unique<hosted::HostedClusterController>(store_, std::move(hosted_env)));
    controllers_->Add(std::make_unique<hosted::NodePoolController>(store_));
    return controllers_->Start();
  }

  x509::KeyPair AdminCredentials() {
    x509::CertificateRequest admin{"system:admin", {"system:masters"}, {}, false, true};
    auto pair = x509::IssueCertificate(pki_.ca, admin);
    return pair.ok() ? *pair : x509::KeyPair{};
  }

  // A cluster's authenticators, from its credentials (kNotFound when it does not exist).
  Result<std::shared_ptr<const authn::ClusterAuthenticator>> LoadAuthenticator(
      const std::string& cluster) {
    auto credentials = clusters_.Credentials(cluster);
    if (!credentials.ok()) return credentials.status();
    auto public_key = authn::PublicKeyPem(credentials->service_account_key_pem);
    if (!public_key.ok()) return public_key.status();
    authn::ClusterKeys keys;
    keys.client_ca_pem = credentials->client_ca.cert_pem;
    keys.service_account_public_keys_pem = {*public_key};
    keys.issuer = IssuerOf(cluster);
    return authn::ClusterAuthenticator::Create(
        keys, cluster == cluster::kRootCluster ? nullptr : superusers_);
  }

  // Reads core/v1 objects of `cluster` for the authenticators.
  authn::ObjectLookup LookupIn(const std::string& cluster) {
    return [this, cluster](std::string_view resource, std::string_view ns,
                           std::string_view name) -> std::optional<json::object> {
      const auto* type = ResourceCatalog::BuiltIn().Find("", "v1", resource);
      if (type == nullptr || name.empty()) return std::nullopt;
      auto got = store_.Get(ObjectKey(cluster, *type, ns, name));
      if (!got.ok() || !got->kv) return std::nullopt;
      boost::system::error_code ec;
      json::value value = json::parse(got->kv->value, ec);
      if (ec || !value.is_object()) return std::nullopt;
      return std::move(value.as_object());
    };
  }

  // Who sent the request: a credential of the request's cluster, anonymous on the health
  // and version paths (everywhere with options.anonymous_auth), else kUnauthorized. A
  // request to a cluster that does not exist is kNotFound on those paths and for the root
  // admin, kUnauthorized for everyone else.
  Result<UserInfo> Authenticate(const http::Request& req, const RequestInfo& info) {
    auto authenticator = authenticators_.Get(info.cluster);
    if (!authenticator.ok()) {
      if (authenticator.status().code() != Code::kNotFound) return authenticator.status();
      const Status missing(Code::kNotFound, "logical cluster \"" + info.cluster + "\" not found");
      if (IsAnonymousPath(info.path)) return missing;
      auto root = authenticators_.Get(std::string(cluster::kRootCluster));
      if (root.ok()) {
        auto user = (*root)->Authenticate(req, LookupIn(std::string(cluster::kRootCluster)),
                                          std::chrono::system_clock::now());
        if (user.ok() && user->InGroup("system:masters")) return missing;
      }
      return Status(Code::kUnauthorized, "Unauthorized");
    }
    auto user =
        (*authenticator)->Authenticate(req, LookupIn(info.cluster), std::chrono::system_clock::now());
    if (user.ok()) return user;
    const bool presented = !req.peer_certificate_pem.empty() || req.HasHeader("Authorization");
    if (IsAnonymousPath(info.path) || (options_.anonymous_auth && !presented)) {
      return AnonymousUser();
    }
    return Status(Code::kUnauthorized, "Unauthorized");
  }

  void Handle(const std::shared_ptr<http::Exchange>& ex) {
    const http::Request& req = ex->request();
    auto path = http::PercentDecode(req.path);
    if (!path) return ex->Respond(ErrorResponse(Status(Code::kBadRequest, "malformed URL path")));
    const bool watch = QueryBool(req.QueryParam("watch"));
    auto info = published_.Parse(req, *path, watch);  // SNI names and NodePort listeners first
    if (!info.ok()) return ex->Respond(ErrorResponse(info.status()));

    auto user = Authenticate(req, *info);
    if (!user.ok()) return ex->Respond(ErrorResponse(user.status()));
    auto impersonation = authn::ParseImpersonation(req.headers);
    if (!impersonation.ok()) return ex->Respond(ErrorResponse(impersonation.status()));
    if (*impersonation) {
      // Impersonation is authorized by the cluster's RBAC (the `impersonate` verb) unless the
      // server was given another authorizer.
      const std::string cluster = info->cluster;
      authn::ImpersonationAuthorizer rbac = [this, cluster](const UserInfo& u,
                                                            const authn::ImpersonationAttributes& w) {
        authz::Attributes a;
        a.verb = w.verb;
        a.resource_request = true;
        a.group = w.api_group;
        a.resource = w.resource;
        a.subresource = w.subresource;
        a.namespace_ = w.ns;
        a.name = w.name;
        return authorizer_.Authorize(cluster, u, a).allowed;
      };
      auto as = authn::Impersonate(*user, **impersonation,
                                   options_.impersonation_authorizer ? options_.impersonation_authorizer
                                                                     : rbac);
      if (!as.ok()) return ex->Respond(ErrorResponse(as.status()));
      user = std::move(*as);
    }
    const bool anonymous = user->name == "system:anonymous";
    if (anonymous && !IsAnonymousPath(info->path)) {
      return ex->Respond(ErrorResponse(Forbidden(*user, *info)));
    }
    if (!clusters_.Exists(info->cluster)) {
      return ex->Respond(ErrorResponse(
          Status(Code::kNotFound, "logical cluster \"" + info->cluster + "\" not found")));
    }
    // ---- Authorization (authz/rbac_authorizer.h) ----
    const UserInfo& subject = *user;
    authz::Attributes attributes = authz::Attributes::From(*info);
    if (!attributes.resource_request && attributes.verb == "head") attributes.verb = "get";
    authz::Decision decision = authorizer_.Authorize(info->cluster, subject, attributes);
    if (!decision.allowed) {
      return ex->Respond(ErrorResponse(authz::ForbiddenError(subject, attributes)));
    }
    if (authz::IsAccessReview(*info)) return ServeAccessReview(ex, *info, subject);
    if (info->is_resource && info->group == "rbac.authorization.k8s.io" &&
        info->verb != "get" && info->verb != "list" && info->verb != "watch") {
      authorizer_.Invalidate(info->cluster);  // the next request sees the change
    }
    if (authn::IsAuthenticationApiRequest(*info)) return ServeAuthenticationApi(ex, *info, subject);
    if (info->is_resource) return rest_.Serve(ex, *info, subject);
    ServeNonResource(ex, *info);
  }

  // authorization.k8s.io reviews: answered by the authorizer, never stored.
  void ServeAccessReview(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info,
                         const UserInfo& user) {
    ex->ReadBodyToString(1 << 20, [this, ex, info, user](Status st, std::string body) {
      if (!st.ok()) return ex->Respond(ErrorResponse(st));
      auto review = authz::ReviewAccess(authorizer_, info, user, body,
                                        ex->request().Header("Content-Type"));
      if (!review.ok()) return ex->Respond(ErrorResponse(review.status()));
      ex->Respond(JsonResponse(201, *review));
    });
  }

  void ServeAuthenticationApi(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info,
                              const UserInfo& user) {
    auto authenticator = authenticators_.Get(info.cluster);
    if (!authenticator.ok()) return ex->Respond(ErrorResponse(authenticator.status()));
    authn::AuthenticationApiContext context;
    context.authenticator = *authenticator;
    context.lookup = LookupIn(info.cluster);
    context.signing_key = [this, cluster = info.cluster]() -> Result<std::string> {
      auto credentials = clusters_.Credentials(cluster);
      if (!credentials.ok()) return credentials.status();
      return credentials->service_account_key_pem;
    };
    authn::ServeAuthenticationApi(ex, info, user, std::move(context));
  }

  static Status Forbidden(const UserInfo& user, const RequestInfo& info) {
    std::string message = "forbidden: User \"" + user.name + "\" cannot " + info.verb;
    if (info.is_resource) {
      message += " resource \"" + info.resource + "\" in API group \"" + info.group + "\"";
      message += info.namespace_.empty() ? " at the cluster scope"
                                         : " in the namespace \"" + info.namespace_ + "\"";
    } else {
      message += " path \"" + info.path + "\"";
    }
    return Status(Code::kForbidden, message);
  }

  void ServeNonResource(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info) {
    const std::string& path = info.path;
    if (path == "/healthz" || path == "/livez" || path == "/readyz" ||
        path.rfind("/healthz/", 0) == 0 || path.rfind("/livez/", 0) == 0 ||
        path.rfind("/readyz/", 0) == 0) {
      return ex->Respond(http::Response::Text(200, "ok"));
    }
    // The process's metrics are the management plane's: served in root only, so a tenant
    // learns nothing about the others.
    if (path == "/metrics" && info.cluster == cluster::kRootCluster &&
        (ex->request().method == "GET" || ex->request().method == "HEAD")) {
      return ex->Respond(http::Response::Text(200, metrics_.Render(), "text/plain; version=0.0.4"));
    }
    if (path.rfind(kClusterAdminPrefix, 0) == 0 && info.cluster == cluster::kRootCluster) {
      return ServeClusterAdmin(ex, path.substr(kClusterAdminPrefix.size()));
    }
    if (ex->request().method == "GET" || ex->request().method == "HEAD") {
      if (auto doc = discovery_->Find(path, ex->request().Header("Accept"),
                                       *customs_.TypesOf(info.cluster))) {
        http::Response r;
        r.body = std::move(doc->body);
        r.SetHeader("Content-Type", doc->content_type);
        return ex->Respond(std::move(r));
      }
    }
    ex->Respond(ErrorResponse(
        Status(Code::kNotFound, "the server could not find the requested resource")));
  }

  // Logical cluster administration (system:masters in root): GET lists them,
  // POST /<name> creates one, DELETE /<name> removes it and everything in it.
  void ServeClusterAdmin(const std::shared_ptr<http::Exchange>& ex, std::string_view rest) {
    const std::string& method = ex->request().method;
    std::string name(rest.empty() ? rest : rest.substr(1));
    constexpr std::string_view kKubeconfig = "/kubeconfig";
    if (name.size() > kKubeconfig.size() &&
        std::string_view(name).substr(name.size() - kKubeconfig.size()) == kKubeconfig) {
      if (method != "GET") {
        return ex->Respond(ErrorResponse(Status(Code::kMethodNotAllowed, method + " is not supported here")));
      }
      return ServeKubeconfig(ex, name.substr(0, name.size() - kKubeconfig.size()));
    }
    if (name.empty() && method == "GET") {
      auto names = clusters_.List();
      if (!names.ok()) return ex->Respond(ErrorResponse(names.status()));
      return ex->Respond(JsonResponse(200, json::object{{"clusters", json::value_from(*names)}}));
    }
    Status st;
    if (method == "POST") {
      st = clusters_.Create(name);
    } else if (method == "DELETE") {
      st = clusters_.Delete(name);
      if (st.ok()) {
        customs_.Forget(name);
        authorizer_.Forget(name);
      }
      authenticators_.Forget(name);
    } else {
      st = Status(Code::kMethodNotAllowed, method + " is not supported here");
    }
    if (!st.ok()) return ex->Respond(ErrorResponse(st));
    ex->Respond(JsonResponse(method == "POST" ? 201 : 200, api::ToJson(Status())));
  }

  // GET /carrier/v1/clusters/<name>/kubeconfig[?user=<name>&group=<group>...]: a
  // kubeconfig for the cluster with a new client certificate from its own CA (by default
  // system:admin in system:masters).
  void ServeKubeconfig(const std::shared_ptr<http::Exchange>& ex, const std::string& name) {
    if (!IsValidClusterName(name)) {
      return ex->Respond(ErrorResponse(InvalidArgument("invalid logical cluster name \"" + name + "\"")));
    }
    auto credentials = clusters_.Credentials(name);
    if (!credentials.ok()) return ex->Respond(ErrorResponse(credentials.status()));
    x509::CertificateRequest request{"system:admin", {"system:masters"}, {}, false, true};
    if (auto user = ex->request().QueryParam("user")) {
      if (user->empty()) return ex->Respond(ErrorResponse(InvalidArgument("user must not be empty")));
      request.common_name = *user;
      request.organizations = ex->request().QueryParams("group");
    }
    auto client = x509::IssueCertificate(credentials->client_ca, request);
    if (!client.ok()) return ex->Respond(ErrorResponse(client.status()));
    const std::string server =
        name == cluster::kRootCluster ? Url() : Url() + "/clusters/" + name;
    ex->Respond(http::Response::Text(
        200, KubeconfigText(server, pki_.ca.cert_pem, *client, request.common_name),
        "application/yaml"));
  }

  ApiServerOptions options_;
  metrics::Registry metrics_;  // outlives everything that reports to it
  std::unique_ptr<storage::Store> events_expire_;  // declared first: the cache uses it
  std::unique_ptr<storage::Store> cache_;
  storage::Store& store_;
  ServingPki pki_;
  std::shared_ptr<const authn::ClientCertificateAuthenticator> superusers_;
  authn::AuthenticatorCache authenticators_;
  cluster::LogicalClusters clusters_;
  CustomResources customs_;
  RestHandler rest_;
  authz::Authorizer authorizer_;
  admission::Chain admission_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<controllers::ControllerManager> controllers_;
  std::unique_ptr<controllers::LeaderElector> elector_;  // replicas sharing an etcd only
  PublishedEndpoints published_;  // before server_: its handshakes look names up here
  std::unique_ptr<http::Server> server_;
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options,
                                                    storage::Store& store) {
  std::vector<std::string> sans = options.extra_sans;
  if (options.address != "0.0.0.0" && options.address != "::") sans.push_back(options.address);
  auto pki = LoadOrCreateServingPki(options.data_dir, sans);
  if (!pki.ok()) return pki.status();
  // The management plane's superusers are admitted at every logical cluster.
  auto superusers = authn::ClientCertificateAuthenticator::Create(pki->ca.cert_pem, "system:masters");
  if (!superusers.ok()) return superusers.status();
  WatchCacheOptions cache_options;
  cache_options.consistent_reads_from_backend = options.store_shared;
  auto events_expire = WithEventTtl(store, options.event_ttl);
  auto cache = StartWatchCache(*events_expire, cache_options);
  if (!cache.ok()) return cache.status();
  auto impl =
      std::make_unique<Impl>(options, std::move(events_expire), std::move(*cache), std::move(*pki),
                             std::shared_ptr<const authn::ClientCertificateAuthenticator>(
                                 std::move(*superusers)));
  CARRIER_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

uint16_t ApiServer::port() const { return impl_->port(); }
const ServingPki& ApiServer::pki() const { return impl_->pki(); }
std::string ApiServer::url() const { return impl_->Url(); }
void ApiServer::Stop() { impl_->Stop(); }

}  // namespace carrier::apiserver
