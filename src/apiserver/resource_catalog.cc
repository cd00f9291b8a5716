#include "apiserver/resource_catalog.h"

#include <boost/json.hpp>

#include "apiserver/table_cells.h"

namespace carrier::apiserver {

namespace json = boost::json;

const std::vector<std::string>& StandardVerbs() {
  static const std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get",
                                                 "list",   "patch",  "update",           "watch"};
  return verbs;
}

namespace {

TableColumn Col(std::string name, std::string path, std::string type = "string",
                int priority = 0) {
  TableColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.path = std::move(path);
  c.priority = priority;
  return c;
}

TableColumn Computed(std::string name, std::function<std::string(const json::object&)> cell,
                     std::string type = "string", int priority = 0) {
  TableColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.cell = std::move(cell);
  c.priority = priority;
  return c;
}

// The pod-template columns every workload shows with -o wide.
std::vector<TableColumn> WideTemplateColumns(bool selector = true) {
  std::vector<TableColumn> c = {Computed("Containers", cells::TemplateContainers, "string", 1),
                                Computed("Images", cells::TemplateImages, "string", 1)};
  if (selector) c.push_back(Computed("Selector", cells::WorkloadSelector, "string", 1));
  return c;
}

std::vector<TableColumn> Concat(std::vector<TableColumn> a, const std::vector<TableColumn>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TableColumn AgeColumn() { return Computed("Age", cells::Age); }

// Types whose columns are all listed (AGE in its place, or CREATED AT instead).
void ExplicitColumns(ResourceType& t, std::vector<TableColumn> columns) {
  t.columns = std::move(columns);
  t.age_column = false;
}

std::vector<ResourceType> BuildTypes() {
  std::vector<ResourceType> t;
  auto add = [&](std::string group, std::string version, std::string resource,
                 std::string singular, std::string kind, bool namespaced,
                 std::vector<std::string> short_names) -> ResourceType& {
    ResourceType r;
    r.group = std::move(group);
    r.version = std::move(version);
    r.resource = std::move(resource);
    r.singular = std::move(singular);
    r.kind = std::move(kind);
    r.namespaced = namespaced;
    r.short_names = std::move(short_names);
    t.push_back(std::move(r));
    return t.back();
  };

  // core/v1
  auto& ns = add("", "v1", "namespaces", "namespace", "Namespace", false, {"ns"});
  ns.has_status = true;
  ns.columns = {Col("Status", "status.phase")};
  auto& pods = add("", "v1", "pods", "pod", "Pod", true, {"po"});
  pods.has_status = true;
  pods.categories = {"all"};
  pods.subresources = {{"eviction", "policy", "v1", "Eviction", {"create"}}};
  ExplicitColumns(pods, {Computed("Ready", cells::PodReady), Computed("Status", cells::PodStatus),
                         Computed("Restarts", cells::PodRestarts, "integer"), AgeColumn(),
                         Col("IP", "status.podIP", "string", 1),
                         Col("Node", "spec.nodeName", "string", 1),
                         Computed("Nominated Node", cells::PodNominatedNode, "string", 1),
                         Computed("Readiness Gates", cells::PodReadinessGates, "string", 1)});
  auto& svc = add("", "v1", "services", "service", "Service", true, {"svc"});
  svc.has_status = true;
  svc.categories = {"all"};
  ExplicitColumns(svc, {Col("Type", "spec.type"), Col("Cluster-IP", "spec.clusterIP"),
                        Computed("External-IP", cells::ServiceExternalIp),
                        Computed("Port(s)", cells::ServicePorts), AgeColumn(),
                        Computed("Selector", cells::ServiceSelector, "string", 1)});
  auto& cm = add("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"});
  cm.columns = {Computed("Data", cells::DataCount, "integer")};
  auto& secrets = add("", "v1", "secrets", "secret", "Secret", true, {});
  secrets.columns = {Col("Type", "type"), Computed("Data", cells::DataCount, "integer")};
  auto& sa = add("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"});
  sa.columns = {Computed("Secrets", cells::ServiceAccountSecrets, "integer")};
  auto& events = add("", "v1", "events", "event", "Event", true, {"ev"});
  // kubectl get events: LAST SEEN TYPE REASON OBJECT MESSAGE (NAME only with -o wide).
  events.name_column = false;
  ExplicitColumns(events, {Computed("Last Seen", cells::EventLastSeen), Col("Type", "type"),
                           Col("Reason", "reason"), Computed("Object", cells::EventObject),
                           Col("Subobject", "involvedObject.fieldPath", "string", 1),
                           Col("Source", "source.component", "string", 1),
                           Col("Message", "message"),
                           Col("First Seen", "firstTimestamp", "string", 1),
                           Col("Count", "count", "integer", 1),
                           Col("Name", "metadata.name", "string", 1)});
  auto& nodes = add("", "v1", "nodes", "node", "Node", false, {"no"});
  nodes.has_status = true;
  ExplicitColumns(nodes, {Computed("Status", cells::NodeStatus), Computed("Roles", cells::NodeRoles),
                          AgeColumn(), Col("Version", "status.nodeInfo.kubeletVersion"),
                          Computed("Internal-IP", cells::NodeInternalIp, "string", 1),
                          Computed("External-IP", cells::NodeExternalIp, "string", 1),
                          Col("OS-Image", "status.nodeInfo.osImage", "string", 1),
                          Col("Kernel-Version", "status.nodeInfo.kernelVersion", "string", 1),
                          Col("Container-Runtime", "status.nodeInfo.containerRuntimeVersion",
                              "string", 1)});
  auto& endpoints = add("", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"});
  endpoints.columns = {Computed("Endpoints", cells::EndpointsList)};
  auto& pv = add("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false,
                 {"pv"});
  pv.has_status = true;
  auto& pvc = add("", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
                  "PersistentVolumeClaim", true, {"pvc"});
  pvc.has_status = true;
  pvc.columns = {Col("Status", "status.phase"), Col("Volume", "spec.volumeName")};
  add("", "v1", "limitranges", "limitrange", "LimitRange", true, {"limits"});
  auto& quota = add("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, {"quota"});
  quota.has_status = true;
  auto& rc = add("", "v1", "replicationcontrollers", "replicationcontroller",
                 "ReplicationController", true, {"rc"});
  rc.has_status = rc.has_scale = true;
  rc.categories = {"all"};
  add("", "v1", "podtemplates", "podtemplate", "PodTemplate", true, {});

  // apps/v1
  auto& deploy = add("apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"});
  deploy.has_status = deploy.has_scale = true;
  deploy.categories = {"all"};
  ExplicitColumns(deploy, Concat({Computed("Ready", cells::ReadyOfDesired),
                                  Col("Up-to-date", "status.updatedReplicas", "integer"),
                                  Col("Available", "status.availableReplicas", "integer"),
                                  AgeColumn()},
                                 WideTemplateColumns()));
  auto& rs = add("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"});
  rs.has_status = rs.has_scale = true;
  rs.categories = {"all"};
  ExplicitColumns(rs, Concat({Col("Desired", "spec.replicas", "integer"),
                              Col("Current", "status.replicas", "integer"),
                              Col("Ready", "status.readyReplicas", "integer"), AgeColumn()},
                             WideTemplateColumns()));
  auto& sts = add("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"});
  sts.has_status = sts.has_scale = true;
  sts.categories = {"all"};
  ExplicitColumns(sts, Concat({Computed("Ready", cells::ReadyOfDesired), AgeColumn()},
                              WideTemplateColumns(false)));
  auto& ds = add("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"});
  ds.has_status = true;
  ds.categories = {"all"};
  ExplicitColumns(ds, Concat({Col("Desired", "status.desiredNumberScheduled", "integer"),
                              Col("Current", "status.currentNumberScheduled", "integer"),
                              Col("Ready", "status.numberReady", "integer"),
                              Col("Up-to-date", "status.updatedNumberScheduled", "integer"),
                              Col("Available", "status.numberAvailable", "integer"),
                              Computed("Node Selector", cells::DaemonSetNodeSelector),
                              AgeColumn()},
                             WideTemplateColumns()));
  auto& revisions = add("apps", "v1", "controllerrevisions", "controllerrevision",
                        "ControllerRevision", true, {});
  revisions.columns = {Computed("Controller", cells::RevisionController),
                       Col("Revision", "revision", "integer")};

  // batch/v1
  auto& jobs = add("batch", "v1", "jobs", "job", "Job", true, {});
  jobs.has_status = true;
  jobs.categories = {"all"};
  ExplicitColumns(jobs, Concat({Computed("Status", cells::JobStatus),
                                Computed("Completions", cells::JobCompletions),
                                Computed("Duration", cells::JobDuration), AgeColumn()},
                               WideTemplateColumns()));
  auto& cj = add("batch", "v1", "cronjobs", "cronjob", "CronJob", true, {"cj"});
  cj.has_status = true;
  cj.categories = {"all"};
  ExplicitColumns(cj, Concat({Col("Schedule", "spec.schedule"), Col("Timezone", "spec.timeZone"),
                              Col("Suspend", "spec.suspend"),
                              Computed("Active", cells::CronJobActive, "integer"),
                              Computed("Last Schedule", cells::CronJobLastSchedule), AgeColumn()},
                             WideTemplateColumns()));

  auto& leases = add("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {});
  leases.columns = {Col("Holder", "spec.holderIdentity")};
  add("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"});
  add("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {});
  auto& pdb = add("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
                  "PodDisruptionBudget", true, {"pdb"});
  pdb.has_status = true;
  pdb.columns = {Computed("Min Available", cells::PdbMinAvailable),
                 Computed("Max Unavailable", cells::PdbMaxUnavailable),
                 Col("Allowed Disruptions", "status.disruptionsAllowed", "integer")};

  const std::string rbac = "rbac.authorization.k8s.io";
  const std::vector<TableColumn> created_at = {Computed("Created At", cells::CreatedAt, "date")};
  const std::vector<TableColumn> binding_columns = {
      Computed("Role", cells::BindingRole), AgeColumn(),
      Computed("Users", cells::BindingUsers, "string", 1),
      Computed("Groups", cells::BindingGroups, "string", 1),
      Computed("ServiceAccounts", cells::BindingServiceAccounts, "string", 1)};
  ExplicitColumns(add(rbac, "v1", "roles", "role", "Role", true, {}), created_at);
  ExplicitColumns(add(rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", true, {}),
                  binding_columns);
  ExplicitColumns(add(rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", false, {}),
                  created_at);
  ExplicitColumns(add(rbac, "v1", "clusterrolebindings", "clusterrolebinding",
                      "ClusterRoleBinding", false, {}),
                  binding_columns);

  const std::string admission = "admissionregistration.k8s.io";
  add(admission, "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration",
      "MutatingWebhookConfiguration", false, {})
      .columns = {Computed("Webhooks", cells::WebhookCount, "integer")};
  add(admission, "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration",
      "ValidatingWebhookConfiguration", false, {})
      .columns = {Computed("Webhooks", cells::WebhookCount, "integer")};

  // Not stored: reviews answered by the authentication code (authn/authentication_api.h).
  const std::string authentication = "authentication.k8s.io";
  add(authentication, "v1", "tokenreviews", "tokenreview", "TokenReview", false, {}).verbs = {
      "create"};
  add(authentication, "v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false,
      {}).verbs = {"create"};
  add(authentication, "v1beta1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview",
      false, {}).verbs = {"create"};

  auto& crd = add("apiextensions.k8s.io", "v1", "customresourcedefinitions",
                  "customresourcedefinition", "CustomResourceDefinition", false, {"crd", "crds"});
  crd.has_status = true;
  ExplicitColumns(crd, created_at);
  add("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, {"sc"});
  auto& ing = add("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, {"ing"});
  ing.has_status = true;
  add("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true,
      {"netpol"});
  add("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false,
      {"pc"});
  auto& csr = add("certificates.k8s.io", "v1", "certificatesigningrequests",
                  "certificatesigningrequest", "CertificateSigningRequest", false, {"csr"});
  csr.has_status = true;
  csr.subresources = {{"approval", "certificates.k8s.io", "v1", "CertificateSigningRequest",
                       {"get", "patch", "update"}}};
  ExplicitColumns(csr, {AgeColumn(), Col("SignerName", "spec.signerName"),
                        Col("Requestor", "spec.username"),
                        Computed("RequestedDuration", cells::CsrRequestedDuration),
                        Computed("Condition", cells::CsrCondition)});
  auto& hpa = add("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
                  "HorizontalPodAutoscaler", true, {"hpa"});
  hpa.has_status = true;
  hpa.categories = {"all"};
  return t;
}

}  // namespace

const ResourceCatalog& ResourceCatalog::BuiltIn() {
  static const ResourceCatalog catalog = [] {
    ResourceCatalog c;
    c.types_ = BuildTypes();
    return c;
  }();
  return catalog;
}

const ResourceType* ResourceCatalog::Find(std::string_view group, std::string_view version,
                                          std::string_view resource) const {
  for (const auto& t : types_) {
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> ResourceCatalog::GroupVersions() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : types_) {
    std::pair<std::string, std::string> gv{t.group, t.version};
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  return out;
}

}  // namespace carrier::apiserver
