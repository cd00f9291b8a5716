#include "apiserver/authz/bootstrap_policy.h"

#include <boost/json.hpp>
#include <memory>

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

using Strings = std::vector<std::string>;

const Strings kRead = {"get", "list", "watch"};
const Strings kWrite = {"create", "delete", "deletecollection", "patch", "update"};
const char kAggregateAdmin[] = "rbac.authorization.k8s.io/aggregate-to-admin";
const char kAggregateEdit[] = "rbac.authorization.k8s.io/aggregate-to-edit";
const char kAggregateView[] = "rbac.authorization.k8s.io/aggregate-to-view";

json::array Arr(const Strings& s) {
  json::array a;
  for (const auto& v : s) a.emplace_back(v);
  return a;
}

json::object Rule(const Strings& groups, const Strings& resources, const Strings& verbs) {
  return {{"apiGroups", Arr(groups)}, {"resources", Arr(resources)}, {"verbs", Arr(verbs)}};
}

json::object NamedRule(const Strings& groups, const Strings& resources, const Strings& names,
                       const Strings& verbs) {
  json::object rule = Rule(groups, resources, verbs);
  rule["resourceNames"] = Arr(names);
  return rule;
}

json::object Urls(const Strings& urls, const Strings& verbs) {
  return {{"nonResourceURLs", Arr(urls)}, {"verbs", Arr(verbs)}};
}

json::object Meta(const std::string& name, json::object extra_labels = {}) {
  json::object labels{{"kubernetes.io/bootstrapping", "rbac-defaults"}};
  for (auto& [k, v] : extra_labels) labels[k] = v;
  return {{"name", name},
          {"labels", std::move(labels)},
          {"annotations", json::object{{"rbac.authorization.kubernetes.io/autoupdate", "true"}}}};
}

json::object Role(const std::string& name, json::array rules, json::object labels = {}) {
  return {{"kind", "ClusterRole"},
          {"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"metadata", Meta(name, std::move(labels))},
          {"rules", std::move(rules)}};
}

json::object Aggregated(const std::string& name, const char* selector_label,
                        json::object labels = {}) {
  json::object role = Role(name, json::array{}, std::move(labels));
  role["aggregationRule"] = json::object{
      {"clusterRoleSelectors",
       json::array{json::object{{"matchLabels", json::object{{selector_label, "true"}}}}}}};
  return role;
}

json::object Subject(const std::string& kind, const std::string& name, const std::string& ns = "") {
  json::object s{{"kind", kind}, {"name", name}};
  if (kind == "ServiceAccount") {
    s["namespace"] = ns;
  } else {
    s["apiGroup"] = "rbac.authorization.k8s.io";
  }
  return s;
}

json::object Binding(const std::string& name, const std::string& role, json::array subjects) {
  json::object b{{"kind", "ClusterRoleBinding"},
                 {"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"metadata", Meta(name)},
                 {"roleRef", json::object{{"apiGroup", "rbac.authorization.k8s.io"},
                                          {"kind", "ClusterRole"},
                                          {"name", role}}}};
  if (!subjects.empty()) b["subjects"] = std::move(subjects);
  return b;
}

std::vector<json::object> Roles() {
  std::vector<json::object> r;
  r.push_back(Role("cluster-admin", {Rule({"*"}, {"*"}, {"*"}), Urls({"*"}, {"*"})}));
  r.push_back(Aggregated("admin", kAggregateAdmin));
  r.push_back(Aggregated("edit", kAggregateEdit, {{kAggregateAdmin, "true"}}));
  r.push_back(Aggregated("view", kAggregateView, {{kAggregateEdit, "true"}}));
  r.push_back(Role(
      "system:aggregate-to-admin",
      {Rule({"authorization.k8s.io"}, {"localsubjectaccessreviews"}, {"create"}),
       Rule({"rbac.authorization.k8s.io"}, {"rolebindings", "roles"},
            {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"})},
      {{kAggregateAdmin, "true"}}));
  r.push_back(Role(
      "system:aggregate-to-edit",
      {Rule({""},
            {"pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets",
             "services/proxy"},
            kRead),
       Rule({""}, {"serviceaccounts"}, {"impersonate"}),
       Rule({""}, {"pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"}, kWrite),
       Rule({""}, {"pods/eviction"}, {"create"}),
       Rule({""},
            {"configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
             "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
             "services/proxy"},
            kWrite),
       Rule({""}, {"serviceaccounts/token"}, {"create"}),
       Rule({"apps"},
            {"daemonsets", "deployments", "deployments/rollback", "deployments/scale",
             "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"},
            kWrite),
       Rule({"autoscaling"}, {"horizontalpodautoscalers"}, kWrite),
       Rule({"batch"}, {"cronjobs", "jobs"}, kWrite),
       Rule({"policy"}, {"poddisruptionbudgets"}, kWrite),
       Rule({"networking.k8s.io"}, {"ingresses", "networkpolicies"}, kWrite),
       Rule({"coordination.k8s.io"}, {"leases"},
            {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"})},
      {{kAggregateEdit, "true"}}));
  r.push_back(Role(
      "system:aggregate-to-view",
      {Rule({""},
            {"configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
             "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
             "services", "services/status"},
            kRead),
       Rule({""},
            {"bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
             "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"},
            kRead),
       Rule({""}, {"namespaces"}, kRead), Rule({"discovery.k8s.io"}, {"endpointslices"}, kRead),
       Rule({"apps"},
            {"controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
             "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
             "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"},
            kRead),
       Rule({"autoscaling"}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"},
            kRead),
       Rule({"batch"}, {"cronjobs", "cronjobs/status", "jobs", "jobs/status"}, kRead),
       Rule({"policy"}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}, kRead),
       Rule({"networking.k8s.io"}, {"ingresses", "ingresses/status", "networkpolicies"}, kRead)},
      {{kAggregateView, "true"}}));
  r.push_back(
      Role("system:discovery", {Urls({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                      "/openapi", "/openapi/*", "/readyz", "/version", "/version/"},
                                     {"get"})}));
  r.push_back(Role("system:basic-user",
                   {Rule({"authorization.k8s.io"},
                         {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}, {"create"}),
                    Rule({"authentication.k8s.io"}, {"selfsubjectreviews"}, {"create"})}));
  r.push_back(Role("system:public-info-viewer",
                   {Urls({"/healthz", "/livez", "/readyz", "/version", "/version/"}, {"get"})}));
  r.push_back(Role("system:node-bootstrapper",
                   {Rule({"certificates.k8s.io"}, {"certificatesigningrequests"},
                         {"create", "get", "list", "watch"})}));
  // Certificates: who may ask for node client certificates to be auto-approved, and who may
  // approve requests of each kubernetes.io signer.
  const std::string csr_prefix = "system:certificates.k8s.io:certificatesigningrequests:";
  for (const char* sub : {"nodeclient", "selfnodeclient"}) {
    r.push_back(Role(csr_prefix + sub, {Rule({"certificates.k8s.io"},
                                             {std::string("certificatesigningrequests/") + sub},
                                             {"create"})}));
  }
  for (const char* signer : {"kube-apiserver-client", "kube-apiserver-client-kubelet",
                             "kubelet-serving", "legacy-unknown"}) {
    r.push_back(Role(std::string("system:certificates.k8s.io:") + signer + "-approver",
                     {NamedRule({"certificates.k8s.io"}, {"signers"},
                                {std::string("kubernetes.io/") + signer}, {"approve"})}));
  }
  r.push_back(Role(
      "system:node",
      {Rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
       Rule({"authorization.k8s.io"}, {"localsubjectaccessreviews", "subjectaccessreviews"},
            {"create"}),
       Rule({""}, {"services"}, kRead), Rule({""}, {"nodes"}, {"create", "get", "list", "watch"}),
       Rule({""}, {"nodes/status"}, {"patch", "update"}),
       Rule({""}, {"nodes"}, {"patch", "update"}),
       Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"}),
       Rule({""}, {"pods"}, kRead), Rule({""}, {"pods"}, {"create", "delete"}),
       Rule({""}, {"pods/status"}, {"patch", "update"}), Rule({""}, {"pods/eviction"}, {"create"}),
       Rule({""}, {"configmaps", "secrets"}, {"get", "list", "watch"}),
       Rule({""}, {"persistentvolumeclaims", "persistentvolumes"}, {"get"}),
       Rule({""}, {"endpoints"}, {"get"}),
       Rule({"certificates.k8s.io"}, {"certificatesigningrequests"},
            {"create", "get", "list", "watch"}),
       Rule({"coordination.k8s.io"}, {"leases"}, {"create", "delete", "get", "patch", "update"}),
       Rule({""}, {"persistentvolumeclaims/status"}, {"get", "patch", "update"}),
       Rule({""}, {"serviceaccounts/token"}, {"create"})}));
  r.push_back(
      Role("system:kube-scheduler",
           {Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"}),
            Rule({"coordination.k8s.io"}, {"leases"}, {"create", "get", "update"}),
            Rule({""}, {"nodes"}, kRead), Rule({""}, {"pods"}, {"delete", "get", "list", "watch"}),
            Rule({""}, {"bindings", "pods/binding"}, {"create"}),
            Rule({""}, {"pods/status"}, {"patch", "update"}),
            Rule({""},
                 {"replicationcontrollers", "services", "namespaces", "persistentvolumeclaims",
                  "persistentvolumes"},
                 kRead),
            Rule({"apps"}, {"replicasets", "statefulsets"}, kRead),
            Rule({"policy"}, {"poddisruptionbudgets"}, kRead),
            Rule({"storage.k8s.io"}, {"storageclasses"}, kRead)}));
  r.push_back(Role(
      "system:kube-controller-manager",
      {Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"}),
       Rule({"coordination.k8s.io"}, {"leases"}, {"create", "get", "update"}),
       Rule({""}, {"endpoints"}, {"create", "get", "update"}),
       Rule({""}, {"secrets", "serviceaccounts"}, {"create"}),
       Rule({""}, {"secrets"}, {"delete", "get", "update"}),
       Rule({""}, {"serviceaccounts"}, {"get", "update"}),
       Rule({""}, {"serviceaccounts/token"}, {"create"}), Rule({"*"}, {"*"}, {"list", "watch"}),
       Rule({"authentication.k8s.io"}, {"tokenreviews"}, {"create"}),
       Rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"})}));
  // Controller roles (bound to the kube-system service account of the same name).
  const Strings all_verbs = {"create", "delete", "deletecollection", "get",
                             "list",   "patch",  "update",           "watch"};
  r.push_back(Role("system:controller:namespace-controller",
                   {Rule({""}, {"namespaces"}, {"delete", "get", "list", "watch"}),
                    Rule({""}, {"namespaces/finalize", "namespaces/status"}, {"update"}),
                    Rule({"*"}, {"*"}, {"delete", "deletecollection", "get", "list"})}));
  r.push_back(Role("system:controller:serviceaccount-controller",
                   {Rule({""}, {"serviceaccounts"}, {"create"}),
                    Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role("system:controller:garbage-collector",
                   {Rule({"*"}, {"*"}, {"delete", "get", "list", "patch", "update", "watch"}),
                    Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role("system:controller:deployment-controller",
                   {Rule({"apps"}, {"deployments"}, {"get", "list", "update", "watch"}),
                    Rule({"apps"}, {"deployments/status"}, {"update"}),
                    Rule({"apps"}, {"replicasets"}, all_verbs),
                    Rule({""}, {"pods"}, {"get", "list", "update", "watch"}),
                    Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role("system:controller:replicaset-controller",
                   {Rule({"apps"}, {"replicasets"}, {"get", "list", "update", "watch"}),
                    Rule({"apps"}, {"replicasets/status"}, {"update"}),
                    Rule({""}, {"pods"}, {"create", "delete", "list", "patch", "watch"}),
                    Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role(
      "system:controller:node-controller",
      {Rule({""}, {"nodes"}, {"delete", "get", "list", "patch", "update"}),
       Rule({""}, {"nodes/status"}, {"patch", "update"}),
       Rule({""}, {"pods/status"}, {"patch", "update"}), Rule({""}, {"pods"}, {"delete", "list"}),
       Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role(
      "system:controller:resourcequota-controller",
      {Rule({"*"}, {"*"}, {"list", "watch"}), Rule({""}, {"resourcequotas/status"}, {"update"}),
       Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  r.push_back(Role(
      "system:controller:certificate-controller",
      {Rule({"certificates.k8s.io"}, {"certificatesigningrequests"},
            {"delete", "get", "list", "watch"}),
       Rule({"certificates.k8s.io"},
            {"certificatesigningrequests/approval", "certificatesigningrequests/status"},
            {"update"}),
       NamedRule({"certificates.k8s.io"}, {"signers"}, {"kubernetes.io/kube-apiserver-client-kubelet"},
                 {"approve"}),
       NamedRule({"certificates.k8s.io"}, {"signers"},
                 {"kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet",
                  "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown"},
                 {"sign"}),
       Rule({"authorization.k8s.io"}, {"subjectaccessreviews"}, {"create"}),
       Rule({"", "events.k8s.io"}, {"events"}, {"create", "patch", "update"})}));
  return r;
}

std::vector<json::object> Bindings() {
  std::vector<json::object> b;
  const std::string group = "Group", user = "User";
  b.push_back(Binding("cluster-admin", "cluster-admin", {Subject(group, "system:masters")}));
  b.push_back(
      Binding("system:discovery", "system:discovery", {Subject(group, "system:authenticated")}));
  b.push_back(
      Binding("system:basic-user", "system:basic-user", {Subject(group, "system:authenticated")}));
  b.push_back(
      Binding("system:public-info-viewer", "system:public-info-viewer",
              {Subject(group, "system:authenticated"), Subject(group, "system:unauthenticated")}));
  b.push_back(Binding("system:node", "system:node", {}));
  b.push_back(Binding("system:node-bootstrapper", "system:node-bootstrapper",
                      {Subject(group, "system:bootstrappers")}));
  // Node client certificates: bootstrap tokens may have their first one auto-approved
  // (kubeadm's node-autoapprove-bootstrap), nodes their renewals (node-autoapprove-
  // certificate-rotation).
  const std::string csr_prefix = "system:certificates.k8s.io:certificatesigningrequests:";
  b.push_back(Binding(csr_prefix + "nodeclient", csr_prefix + "nodeclient",
                      {Subject(group, "system:bootstrappers")}));
  b.push_back(Binding(csr_prefix + "selfnodeclient", csr_prefix + "selfnodeclient",
                      {Subject(group, "system:nodes")}));
  b.push_back(Binding("system:kube-scheduler", "system:kube-scheduler",
                      {Subject(user, "system:kube-scheduler")}));
  b.push_back(Binding("system:kube-controller-manager", "system:kube-controller-manager",
                      {Subject(user, "system:kube-controller-manager")}));
  for (const char* c : {"namespace-controller", "serviceaccount-controller", "garbage-collector",
                        "deployment-controller", "replicaset-controller", "node-controller",
                        "resourcequota-controller", "certificate-controller"}) {
    b.push_back(Binding(std::string("system:controller:") + c,
                        std::string("system:controller:") + c,
                        {Subject("ServiceAccount", c, "kube-system")}));
  }
  return b;
}

}  // namespace

const std::vector<BootstrapObject>& BootstrapPolicy() {
  static const auto* policy = [] {
    static std::vector<json::object> objects;
    for (auto& r : Roles()) objects.push_back(std::move(r));
    const size_t roles = objects.size();
    for (auto& b : Bindings()) objects.push_back(std::move(b));
    auto* out = new std::vector<BootstrapObject>;
    for (size_t i = 0; i < objects.size(); ++i) {
      out->push_back({i < roles ? "clusterroles" : "clusterrolebindings",
                      std::string(objects[i].at("metadata").at("name").as_string()), &objects[i]});
    }
    return out;
  }();
  return *policy;
}

}  // namespace carrier::apiserver::authz
