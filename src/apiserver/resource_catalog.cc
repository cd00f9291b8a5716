#include "apiserver/resource_catalog.h"

#include <boost/json.hpp>

namespace carrier::apiserver {

namespace json = boost::json;

const std::vector<std::string>& StandardVerbs() {
  static const std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get",
                                                 "list",   "patch",  "update",           "watch"};
  return verbs;
}

namespace {

const json::value* At(const json::object& obj, std::initializer_list<std::string_view> path) {
  const json::value* v = nullptr;
  const json::object* o = &obj;
  for (auto key : path) {
    if (o == nullptr) return nullptr;
    v = o->if_contains(key);
    if (v == nullptr) return nullptr;
    o = v->if_object();
  }
  return v;
}

size_t SizeOf(const json::value* v) {
  if (v == nullptr) return 0;
  if (auto* o = v->if_object()) return o->size();
  if (auto* a = v->if_array()) return a->size();
  return 0;
}

std::string PodReady(const json::object& pod) {
  size_t total = SizeOf(At(pod, {"spec", "containers"}));
  size_t ready = 0;
  if (auto* statuses = At(pod, {"status", "containerStatuses"}); statuses && statuses->is_array()) {
    for (const auto& s : statuses->get_array()) {
      if (auto* r = s.as_object().if_contains("ready"); r && r->is_bool() && r->get_bool()) ++ready;
    }
  }
  return std::to_string(ready) + "/" + std::to_string(total);
}

std::string PodStatus(const json::object& pod) {
  if (At(pod, {"metadata", "deletionTimestamp"})) return "Terminating";
  if (auto* reason = At(pod, {"status", "reason"}); reason && reason->is_string()) {
    return std::string(reason->get_string());
  }
  if (auto* phase = At(pod, {"status", "phase"}); phase && phase->is_string()) {
    return std::string(phase->get_string());
  }
  return "Pending";
}

std::string PodRestarts(const json::object& pod) {
  int64_t restarts = 0;
  if (auto* statuses = At(pod, {"status", "containerStatuses"}); statuses && statuses->is_array()) {
    for (const auto& s : statuses->get_array()) {
      if (auto* r = s.as_object().if_contains("restartCount"); r && r->is_int64()) {
        restarts += r->get_int64();
      }
    }
  }
  return std::to_string(restarts);
}

std::string DataCount(const json::object& obj) {
  return std::to_string(SizeOf(obj.if_contains("data")) + SizeOf(obj.if_contains("binaryData")));
}

std::string NodeStatus(const json::object& node) {
  std::string status = "Unknown";
  if (auto* conds = At(node, {"status", "conditions"}); conds && conds->is_array()) {
    for (const auto& c : conds->get_array()) {
      const auto& o = c.as_object();
      auto* type = o.if_contains("type");
      auto* st = o.if_contains("status");
      if (type && type->is_string() && type->get_string() == "Ready" && st && st->is_string()) {
        status = st->get_string() == "True" ? "Ready" : "NotReady";
      }
    }
  }
  if (auto* u = At(node, {"spec", "unschedulable"}); u && u->is_bool() && u->get_bool()) {
    status += ",SchedulingDisabled";
  }
  return status;
}

std::string ReadyOfDesired(const json::object& obj) {
  auto number = [&](std::initializer_list<std::string_view> path) -> int64_t {
    auto* v = At(obj, path);
    return v && v->is_int64() ? v->get_int64() : 0;
  };
  int64_t desired = At(obj, {"spec", "replicas"}) ? number({"spec", "replicas"}) : 1;
  return std::to_string(number({"status", "readyReplicas"})) + "/" + std::to_string(desired);
}

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
                     std::string type = "string") {
  TableColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.cell = std::move(cell);
  return c;
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
  pods.columns = {Computed("Ready", PodReady), Computed("Status", PodStatus),
                  Computed("Restarts", PodRestarts, "integer"),
                  Col("IP", "status.podIP", "string", 1), Col("Node", "spec.nodeName", "string", 1)};
  auto& svc = add("", "v1", "services", "service", "Service", true, {"svc"});
  svc.has_status = true;
  svc.categories = {"all"};
  svc.columns = {Col("Type", "spec.type"), Col("Cluster-IP", "spec.clusterIP")};
  auto& cm = add("", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"});
  cm.columns = {Computed("Data", DataCount, "integer")};
  auto& secrets = add("", "v1", "secrets", "secret", "Secret", true, {});
  secrets.columns = {Col("Type", "type"), Computed("Data", DataCount, "integer")};
  add("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"});
  auto& events = add("", "v1", "events", "event", "Event", true, {"ev"});
  events.columns = {Col("Type", "type"), Col("Reason", "reason"),
                    Col("Object", "involvedObject.name"), Col("Message", "message")};
  auto& nodes = add("", "v1", "nodes", "node", "Node", false, {"no"});
  nodes.has_status = true;
  nodes.columns = {Computed("Status", NodeStatus),
                   Col("Version", "status.nodeInfo.kubeletVersion")};
  add("", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"});
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
  deploy.columns = {Computed("Ready", ReadyOfDesired),
                    Col("Up-to-date", "status.updatedReplicas", "integer"),
                    Col("Available", "status.availableReplicas", "integer")};
  auto& rs = add("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {"rs"});
  rs.has_status = rs.has_scale = true;
  rs.categories = {"all"};
  rs.columns = {Col("Desired", "spec.replicas", "integer"),
                Col("Current", "status.replicas", "integer"),
                Col("Ready", "status.readyReplicas", "integer")};
  auto& sts = add("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, {"sts"});
  sts.has_status = sts.has_scale = true;
  sts.categories = {"all"};
  sts.columns = {Computed("Ready", ReadyOfDesired)};
  auto& ds = add("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"});
  ds.has_status = true;
  ds.categories = {"all"};
  ds.columns = {Col("Desired", "status.desiredNumberScheduled", "integer"),
                Col("Current", "status.currentNumberScheduled", "integer"),
                Col("Ready", "status.numberReady", "integer")};
  add("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, {});

  // batch/v1
  auto& jobs = add("batch", "v1", "jobs", "job", "Job", true, {});
  jobs.has_status = true;
  jobs.categories = {"all"};
  jobs.columns = {Col("Completions", "spec.completions", "integer")};
  auto& cj = add("batch", "v1", "cronjobs", "cronjob", "CronJob", true, {"cj"});
  cj.has_status = true;
  cj.categories = {"all"};
  cj.columns = {Col("Schedule", "spec.schedule"), Col("Suspend", "spec.suspend")};

  add("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, {});
  add("events.k8s.io", "v1", "events", "event", "Event", true, {"ev"});
  add("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {});
  auto& pdb = add("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
                  "PodDisruptionBudget", true, {"pdb"});
  pdb.has_status = true;

  const std::string rbac = "rbac.authorization.k8s.io";
  add(rbac, "v1", "roles", "role", "Role", true, {});
  add(rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", true, {});
  add(rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", false, {});
  add(rbac, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, {});

  const std::string admission = "admissionregistration.k8s.io";
  add(admission, "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration",
      "MutatingWebhookConfiguration", false, {});
  add(admission, "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration",
      "ValidatingWebhookConfiguration", false, {});

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
