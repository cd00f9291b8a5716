#include "hosted/hosted_cluster_controller.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "apiserver/object_meta.h"
#include "base/base64.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"
#include "hosted/crds.h"
#include "hosted/custom_serving.h"
#include "hosted/kubeconfig.h"
#include "hosted/pki.h"
#include "hosted/service_publishing.h"
#include "hosted/supported_versions.h"
#include "hosted/validation.h"

namespace carrier::hosted {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::GetObject;
using controllers::ObjectAt;
using controllers::StoredObject;
using controllers::StringAt;

namespace {

constexpr std::string_view kGroup = "hypershift.openshift.io";
constexpr std::string_view kApiVersion = "hypershift.openshift.io/v1beta1";
constexpr std::string_view kRoot = "root";
constexpr std::string_view kSupportedVersionsKey = "supported-versions";
constexpr size_t kMaxHistory = 10;

// Store keys of custom resources (no built-in ResourceType to name them).
std::string CustomKey(std::string_view cluster, std::string_view group, std::string_view resource,
                      std::string_view ns, std::string_view name) {
  apiserver::ResourceType type;
  type.group = std::string(group);
  type.resource = std::string(resource);
  type.namespaced = !ns.empty();
  return apiserver::ObjectKey(cluster, type, ns, name);
}

std::string BuiltInKey(std::string_view cluster, std::string_view resource, std::string_view ns,
                       std::string_view name) {
  return controllers::StoreKey(cluster, controllers::BuiltInType("", resource), ns, name);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Now() { return apiserver::Rfc3339(std::chrono::system_clock::now()); }

json::object NamespaceObject(std::string_view name, json::object labels, json::object annotations) {
  labels["kubernetes.io/metadata.name"] = name;
  json::object meta{{"name", name}, {"labels", std::move(labels)}};
  if (!annotations.empty()) meta["annotations"] = std::move(annotations);
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Namespace"},
                      {"metadata", std::move(meta)},
                      {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
                      {"status", json::object{{"phase", "Active"}}}};
}

// When the first of the PKI's leaf certificates (serving, admin) is due for renewal.
std::chrono::system_clock::time_point NextRenewal(const HostedPki& pki, const CertificatePolicy& policy) {
  return std::min(RenewalDue(pki.serving.cert_pem, policy), RenewalDue(pki.admin.cert_pem, policy));
}

}  // namespace

struct HostedClusterController::Context {
  std::string key, ns, name;
  std::string cp;  // the control-plane namespace, also the logical cluster's name
  StoredObject read;
  json::object* hc = nullptr;
  std::string before;  // the HostedCluster as read, serialized
  json::array previous_conditions;
  json::array conditions;
  int64_t generation = 0;
  Validation validation;
  HostedPki pki;
  CustomServing custom;          // named certificates and kubeAPIServerDNSName
  ApiServerEndpoint endpoint;   // where the API server is published
  std::string publishing_error;  // why publishing failed, when it did
  std::string image, version;
  bool changed = false;  // EnsureControlPlane created or rewrote something
  // When the next leaf certificate is due for renewal (the epoch when unknown).
  std::chrono::system_clock::time_point next_renewal;
  // Where the hosted cluster's objects are kept: its storage (from spec.etcd and the etcd
  // client secret), the store holding them, EtcdAvailable's message, and why that store
  // cannot be used ("" when it can).
  cluster::ClusterStorage storage;
  std::shared_ptr<storage::Store> hosted_store;
  std::string etcd_message;
  std::string etcd_error;

  json::object& Spec() {
    json::value& spec = (*hc)["spec"];
    if (!spec.is_object()) spec = json::object();
    return spec.as_object();
  }
  json::object& Status() {
    json::value& status = (*hc)["status"];
    if (!status.is_object()) status = json::object();
    return status.as_object();
  }
  void Set(const ConditionResult& r) {
    json::object cond = controllers::NewCondition(r.type, r.status, r.reason, r.message,
                                                  &previous_conditions);
    cond["observedGeneration"] = generation;
    for (auto& existing : conditions) {
      if (existing.is_object() && StringAt(&existing.as_object(), "type") == r.type) {
        existing = std::move(cond);
        return;
      }
    }
    conditions.emplace_back(std::move(cond));
  }
  void Set(std::string type, std::string status, std::string reason, std::string message) {
    Set(ConditionResult{std::move(type), std::move(status), std::move(reason), std::move(message)});
  }
  std::string AdminKubeconfigSecret() const { return name + "-admin-kubeconfig"; }
  std::string KubeadminPasswordSecret() const { return name + "-kubeadmin-password"; }
  std::string CustomKubeconfigSecret() const { return name + "-custom-admin-kubeconfig"; }
};

// ---- Routing ----

void HostedClusterController::OnChange(const controllers::Change& change,
                                       std::vector<std::string>& keys) {
  const controllers::ObjectRef& ref = change.ref;
  if (ref.cluster != kRoot) {
    // A hosted cluster's own objects that this controller keeps.
    if ((ref.group.empty() && ref.resource == "namespaces") ||
        (ref.group == "config.openshift.io" && ref.resource == "clusterversions") ||
        (ref.group == "apiextensions.k8s.io" && ref.resource == "customresourcedefinitions")) {
      if (auto it = by_control_plane_.find(ref.cluster); it != by_control_plane_.end()) {
        keys.push_back(it->second);
      }
    }
    return;
  }
  if (ref.group == kGroup && ref.resource == "hostedclusters") {
    const std::string key = ref.namespace_ + "/" + ref.name;
    if (auto old = secrets_of_.find(key); old != secrets_of_.end()) {
      for (const std::string& secret : old->second) {
        by_secret_[secret].erase(key);
        if (by_secret_[secret].empty()) by_secret_.erase(secret);
      }
      secrets_of_.erase(old);
    }
    if (change.type == controllers::Change::Type::kPut && change.value != nullptr) {
      boost::system::error_code ec;
      json::value value = json::parse(*change.value, ec);
      const json::object* hc = ec ? nullptr : value.if_object();
      std::vector<std::string>& secrets = secrets_of_[key];
      secrets.push_back(ref.namespace_ + "/" +
                        StringAt(ObjectAt(ObjectAt(hc, "spec"), "pullSecret"), "name"));
      if (hc != nullptr && HasUnmanagedEtcd(*hc)) {
        secrets.push_back(ref.namespace_ + "/" + UnmanagedEtcdSecretName(*hc));
      }
      for (const std::string& named : hc ? NamedCertificateSecrets(*hc) : std::vector<std::string>()) {
        secrets.push_back(ref.namespace_ + "/" + named);
      }
      for (const std::string& secret : secrets) by_secret_[secret].insert(key);
      by_control_plane_[ControlPlaneNamespace(ref.namespace_, ref.name)] = key;
    } else {
      by_control_plane_.erase(ControlPlaneNamespace(ref.namespace_, ref.name));
    }
    keys.push_back(key);
  } else if (ref.group.empty() && ref.resource == "secrets") {
    if (auto it = by_secret_.find(ref.namespace_ + "/" + ref.name); it != by_secret_.end()) {
      keys.insert(keys.end(), it->second.begin(), it->second.end());
    }
    if (auto it = by_control_plane_.find(ref.namespace_); it != by_control_plane_.end()) {
      keys.push_back(it->second);
    }
    for (std::string_view suffix : {"-admin-kubeconfig", "-kubeadmin-password"}) {
      if (!EndsWith(ref.name, suffix)) continue;
      const std::string key =
          ref.namespace_ + "/" + ref.name.substr(0, ref.name.size() - suffix.size());
      if (secrets_of_.count(key)) keys.push_back(key);
    }
  } else if (ref.group.empty() && ref.resource == "namespaces") {
    if (auto it = by_control_plane_.find(ref.name); it != by_control_plane_.end()) {
      keys.push_back(it->second);
    }
  } else if ((ref.group == kGroup && ref.resource == "hostedcontrolplanes") ||
             (ref.group.empty() && ref.resource == "services" && ref.name == kKubeApiServerService)) {
    if (auto it = by_control_plane_.find(ref.namespace_); it != by_control_plane_.end()) {
      keys.push_back(it->second);
    }
  } else if (ref.group.empty() && ref.resource == "configmaps" &&
             ref.namespace_ == kOperatorNamespace && ref.name == kSupportedVersionsName) {
    keys.emplace_back(kSupportedVersionsKey);
    for (const auto& [key, secrets] : secrets_of_) keys.push_back(key);
  }
}

Status HostedClusterController::Reconcile(const std::string& key,
                                          std::chrono::milliseconds& requeue_after) {
  if (key == kSupportedVersionsKey) return EnsureSupportedVersions(store_);
  Context c;
  c.key = key;
  const size_t slash = key.find('/');
  c.ns = key.substr(0, slash);
  c.name = key.substr(slash + 1);
  c.cp = ControlPlaneNamespace(c.ns, c.name);
  auto got = GetObject(store_, CustomKey(kRoot, kGroup, "hostedclusters", c.ns, c.name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  c.read = std::move(**got);
  c.hc = c.read.object;
  apiserver::MutableMetadata(*c.hc).erase("resourceVersion");
  c.before = json::serialize(*c.hc);
  c.generation = controllers::IntAt(ObjectAt(c.hc, "metadata"), "generation", 1);
  if (const json::array* conditions = ArrayAt(ObjectAt(c.hc, "status"), "conditions")) {
    c.previous_conditions = *conditions;
    c.conditions = *conditions;
  }
  if (!apiserver::MetaString(*c.hc, "deletionTimestamp").empty()) return Teardown(c);
  return ReconcileLive(c, requeue_after);
}

// ---- A live HostedCluster ----

Status HostedClusterController::ReconcileLive(Context& c, std::chrono::milliseconds& requeue_after) {
  if (!controllers::HasFinalizer(*c.hc, kHostedClusterFinalizer)) {
    json::value& finalizers = apiserver::MutableMetadata(*c.hc)["finalizers"];
    if (!finalizers.is_array()) finalizers = json::array();
    finalizers.as_array().emplace_back(kHostedClusterFinalizer);
  }
  const auto now = std::chrono::system_clock::now();
  const std::string paused_until = StringAt(&c.Spec(), "pausedUntil");
  auto pause = ParsePausedUntil(paused_until, now);
  if (pause.ok() && pause->paused) {
    c.Set("ReconciliationActive", "False", "ReconciliationPaused",
          pause->until ? "Reconciliation paused until: " + paused_until
                       : "Reconciliation paused until spec.pausedUntil is removed or set to \"false\"");
    // The pause reaches the control plane too, as HyperShift copies it to the HostedControlPlane.
    auto hcp = GetObject(store_, CustomKey(kRoot, kGroup, "hostedcontrolplanes", c.cp, c.name));
    if (hcp.ok() && *hcp && StringAt(ObjectAt((*hcp)->object, "spec"), "pausedUntil") != paused_until) {
      json::value& spec = (*(*hcp)->object)["spec"];
      if (spec.is_object()) {
        spec.as_object()["pausedUntil"] = paused_until;
        CARRIER_RETURN_IF_ERROR(controllers::UpdateObject(store_, **hcp));
      }
    }
    if (pause->until) {
      requeue_after = std::chrono::duration_cast<std::chrono::milliseconds>(*pause->until - now) +
                      std::chrono::milliseconds(1);
    }
    // Paused means nothing changes, not that the running control plane goes away: after a
    // process restart its published addresses are served again as they were.
    if (Status st = KeepServingWhilePaused(c); !st.ok()) {
      spdlog::warn("hostedcluster {} (paused): {}", c.key, st.message());
    }
    return WriteHostedCluster(c);
  }
  c.Set("ReconciliationActive", "True", "AsExpected", "Reconciliation active on resource");

  // Validation.
  const std::string pull_secret_name = StringAt(ObjectAt(&c.Spec(), "pullSecret"), "name");
  std::optional<StoredObject> pull_secret;
  if (!pull_secret_name.empty()) {
    auto secret = GetObject(store_, BuiltInKey(kRoot, "secrets", c.ns, pull_secret_name));
    if (!secret.ok()) return secret.status();
    pull_secret = std::move(*secret);
  }
  std::optional<StoredObject> etcd_secret;
  if (HasUnmanagedEtcd(*c.hc) && !UnmanagedEtcdSecretName(*c.hc).empty()) {
    auto secret = GetObject(store_, BuiltInKey(kRoot, "secrets", c.ns, UnmanagedEtcdSecretName(*c.hc)));
    if (!secret.ok()) return secret.status();
    etcd_secret = std::move(*secret);
  }
  ValidationInput input;
  input.hosted_cluster = c.hc;
  input.pull_secret = pull_secret ? pull_secret->object : nullptr;
  input.etcd_client_secret = etcd_secret ? etcd_secret->object : nullptr;
  input.supported_versions = ReadSupportedVersions(store_);
  c.validation = ValidateHostedCluster(input);
  if (c.validation.valid_configuration.status == "True") {
    if (std::string problem = CheckStorage(c, etcd_secret ? etcd_secret->object : nullptr);
        !problem.empty()) {
      c.validation.valid_configuration = {"ValidConfiguration", "False", "InvalidConfiguration", problem};
    }
  }
  for (const ConditionResult* r :
       {&c.validation.valid_configuration, &c.validation.valid_release_image,
        &c.validation.supported_hosted_cluster, &c.validation.valid_control_plane_configuration}) {
    c.Set(*r);
  }
  c.image = StringAt(ObjectAt(&c.Spec(), "release"), "image");
  c.version = c.validation.release_version;
  const bool serving = env_.clusters->Exists(c.cp);
  if (const ConditionResult* blocking = c.validation.Blocking()) {
    c.Set("Available", "False", blocking->reason, blocking->message);
    c.Set("Progressing", "False", blocking->reason,
          "the hosted control plane cannot progress: " + blocking->message);
    c.Set("Degraded", "False", "AsExpected", "The hosted cluster is not degraded");
    c.Set("ReconciliationSucceeded", "False", blocking->reason, blocking->message);
    if (!serving) {
      c.Set("KubeAPIServerAvailable", "False", "WaitingForValidConfiguration",
            "the hosted cluster's API server is not set up until the configuration is valid");
      c.Set("EtcdAvailable", "False", "WaitingForValidConfiguration",
            "the hosted cluster's storage is not set up until the configuration is valid");
    }
    return WriteHostedCluster(c);
  }

  // HyperShift gives every HostedCluster a cluster ID (the ClusterVersion's clusterID).
  if (StringAt(&c.Spec(), "clusterID").empty()) c.Spec()["clusterID"] = apiserver::NewUid();
  Status st = EnsureControlPlane(c);
  if (!st.ok()) {
    spdlog::warn("hostedcluster {}: {}", c.key, st.message());
    const bool up = env_.clusters->Exists(c.cp);
    c.Set("Degraded", "True", "ReconciliationError", st.message());
    c.Set("ReconciliationSucceeded", "False", "ReconciliationError", st.message());
    if (!c.etcd_error.empty()) {
      c.Set("EtcdAvailable", "False", "EtcdUnavailable", c.etcd_error);
      c.Set("Available", "False", "EtcdUnavailable", c.etcd_error);
    } else if (!up) {
      c.Set("Available", "False", "ReconciliationError", st.message());
    }
    if (!c.publishing_error.empty()) {
      c.Set("Available", "False", "ServicePublishingFailed", c.publishing_error);
      c.Set("KubeAPIServerAvailable", "False", "ServicePublishingFailed", c.publishing_error);
    }
    Status written = WriteHostedCluster(c);
    return written.ok() ? st : written;
  }

  // Release history: a new release starts Partial; the first pass that finds the control
  // plane complete (nothing to create or rewrite) marks it Completed.
  json::object& version_status = [&]() -> json::object& {
    json::value& v = c.Status()["version"];
    if (!v.is_object()) v = json::object();
    return v.as_object();
  }();
  json::value& history_value = version_status["history"];
  if (!history_value.is_array()) history_value = json::array();
  json::array& history = history_value.as_array();
  const json::object* current = history.empty() ? nullptr : history[0].if_object();
  if (current == nullptr || StringAt(current, "image") != c.image) {
    history.insert(history.begin(), json::object{{"state", "Partial"},
                                                 {"startedTime", Now()},
                                                 {"completionTime", nullptr},
                                                 {"version", c.version},
                                                 {"image", c.image},
                                                 {"verified", false}});
    while (history.size() > kMaxHistory) history.pop_back();
  } else if (StringAt(current, "state") == "Partial" && !c.changed) {
    json::object& entry = history[0].as_object();
    entry["state"] = "Completed";
    entry["completionTime"] = Now();
  }
  // Read before inserting into version_status: an insert may move `history`.
  const bool completed = StringAt(history[0].if_object(), "state") == "Completed";
  version_status["desired"] = json::object{{"image", c.image}, {"version", c.version}};
  version_status["observedGeneration"] = c.generation;

  c.Status()["controlPlaneEndpoint"] =
      json::object{{"host", c.endpoint.host}, {"port", c.endpoint.port}};
  c.Status()["kubeconfig"] = json::object{{"name", c.AdminKubeconfigSecret()}};
  c.Status()["kubeadminPassword"] = json::object{{"name", c.KubeadminPasswordSecret()}};
  c.Set("Available", "True", "AsExpected", "The hosted control plane is available");
  if (completed) {
    c.Set("Progressing", "False", "AsExpected", "HostedCluster is at expected version");
  } else {
    c.Set("Progressing", "True", "Progressing",
          "the hosted control plane is being set up for release " +
              (c.version.empty() ? c.image : c.version));
  }
  c.Set("Degraded", "False", "AsExpected", "The hosted cluster is not degraded");
  c.Set("KubeAPIServerAvailable", "True", "AsExpected", c.endpoint.message);
  c.Set("EtcdAvailable", "True", "AsExpected", c.etcd_message);
  c.Set("ReconciliationSucceeded", "True", "AsExpected", "Reconciliation completed successfully");

  // What the control plane reports follows the HostedCluster's status.
  CARRIER_RETURN_IF_ERROR(EnsureHostedControlPlane(c));
  if (c.next_renewal != std::chrono::system_clock::time_point()) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(c.next_renewal - now);
    requeue_after = std::max(wait, std::chrono::milliseconds(1));
  }
  return WriteHostedCluster(c);
}

std::string HostedClusterController::CheckStorage(Context& c, const json::object* etcd_secret) {
  c.storage = {};
  if (HasUnmanagedEtcd(*c.hc)) {
    const std::string secret = UnmanagedEtcdSecretName(*c.hc);
    const std::string where = "etcd client secret \"" + secret + "\" in namespace \"" + c.ns + "\"";
    c.storage.etcd_endpoints = {UnmanagedEtcdEndpoint(*c.hc)};
    const json::object* data = ObjectAt(etcd_secret, "data");
    for (auto [key, pem] : {std::pair{kEtcdClientCaKey, &c.storage.ca_pem},
                            std::pair{kEtcdClientCertKey, &c.storage.cert_pem},
                            std::pair{kEtcdClientKeyKey, &c.storage.key_pem}}) {
      auto decoded = Base64Decode(StringAt(data, key));
      if (!decoded) return where + ": " + std::string(key) + " is not base64";
      *pem = std::move(*decoded);
    }
    if (Status st = cluster::ValidateClusterStorage(c.storage); !st.ok()) {
      return where + ": " + st.message();
    }
  }
  if (env_.clusters->Exists(c.cp)) {
    auto recorded = env_.clusters->Storage(c.cp);
    if (!recorded.ok()) return "";  // reported when the control plane is ensured
    // HyperShift treats the etcd configuration as immutable; so does the cluster's record.
    if (recorded->managed() != c.storage.managed()) {
      return std::string("spec.etcd.managementType is immutable: the hosted cluster was created "
                         "with ") +
             (recorded->managed() ? "Managed" : "Unmanaged") + " and its objects are kept in " +
             DescribeStorage(*recorded);
    }
    if (recorded->etcd_endpoints != c.storage.etcd_endpoints) {
      return "spec.etcd.unmanaged.endpoint is immutable: the hosted cluster's objects are kept in " +
             DescribeStorage(*recorded);
    }
    c.storage = std::move(*recorded);  // what the cluster's store was opened with
  }
  c.etcd_message = "The hosted cluster's objects are kept in " + DescribeStorage(c.storage) +
                   (c.storage.managed() ? " (spec.etcd.managementType Managed)"
                                        : " (spec.etcd.managementType Unmanaged)");
  return "";
}

Status HostedClusterController::WriteHostedCluster(Context& c) {
  c.Status()["conditions"] = c.conditions;
  if (json::serialize(*c.hc) == c.before) return {};
  return controllers::UpdateObject(store_, c.read);
}

// ---- The control plane ----

namespace {

// Creates or rewrites a Secret so that it holds `data` (base64 values). Sets `changed`.
Status PutSecret(storage::Store& store, std::string_view ns, std::string_view name,
                 std::string_view type, const std::map<std::string, std::string>& data,
                 const json::object& annotations, const json::array& owners, bool& changed) {
  json::object data_json;
  for (const auto& [k, v] : data) data_json[k] = v;
  const std::string key = BuiltInKey(kRoot, "secrets", ns, name);
  auto got = GetObject(store, key);
  if (!got.ok()) return got.status();
  if (!*got) {
    json::object meta{{"name", name}, {"namespace", ns}};
    if (!annotations.empty()) meta["annotations"] = annotations;
    if (!owners.empty()) meta["ownerReferences"] = owners;
    Status st = controllers::CreateObject(
        store, key,
        json::object{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", std::move(meta)},
                     {"type", type}, {"data", std::move(data_json)}});
    changed = true;
    return st;
  }
  json::object& secret = *(*got)->object;
  if (secret.contains("data") && secret.at("data") == json::value(data_json)) return {};
  secret["data"] = std::move(data_json);
  changed = true;
  return controllers::UpdateObject(store, **got);
}

}  // namespace

Status HostedClusterController::EnsureControlPlane(Context& c) {
  const std::string ns_key = BuiltInKey(kRoot, "namespaces", "", c.cp);
  auto ns = GetObject(store_, ns_key);
  if (!ns.ok()) return ns.status();
  if (!*ns) {
    Status st = controllers::CreateObject(
        store_, ns_key,
        NamespaceObject(c.cp, json::object{{"hypershift.openshift.io/hosted-control-plane", "true"}},
                        json::object{{kClusterAnnotation, c.key}}));
    if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
    c.changed = true;
  } else {
    const json::object& existing = *(*ns)->object;
    if (controllers::AnnotationOf(existing, kClusterAnnotation) != c.key) {
      return Conflict("namespace \"" + c.cp +
                                "\" exists and is not the control-plane namespace of this "
                                "HostedCluster (its annotation " + std::string(kClusterAnnotation) +
                                " is not \"" + c.key + "\")");
    }
    if (!apiserver::MetaString(existing, "deletionTimestamp").empty()) {
      return Unavailable("the control-plane namespace \"" + c.cp + "\" is still terminating");
    }
  }
  CARRIER_RETURN_IF_ERROR(EnsurePki(c));
  CARRIER_RETURN_IF_ERROR(EnsureHostedCluster(c));
  CARRIER_RETURN_IF_ERROR(RestartIfAsked(c));
  auto custom = ReadCustomServing(store_, c.ns, c.Spec(), c.pki);
  if (!custom.ok()) return custom.status();
  c.custom = std::move(*custom);
  CARRIER_RETURN_IF_ERROR(EnsurePublished(c));
  CARRIER_RETURN_IF_ERROR(EnsureSecrets(c));
  // The HostedControlPlane's spec follows the HostedCluster's (its status is written after
  // the HostedCluster's status is known).
  auto hcp = GetObject(store_, CustomKey(kRoot, kGroup, "hostedcontrolplanes", c.cp, c.name));
  if (!hcp.ok()) return hcp.status();
  json::object spec = c.Spec();
  spec.erase("release");
  spec["releaseImage"] = c.image;
  if (!*hcp || !(*hcp)->object->contains("spec") || (*hcp)->object->at("spec") != json::value(spec)) {
    c.changed = true;
  }
  return {};
}

Result<HostedPki> HostedClusterController::ReadStoredPki(const Context& c) {
  std::map<std::string, std::map<std::string, std::string>> data;
  for (std::string_view secret : {kRootCaSecret, kServingSecret, kAdminClientSecret, kSigningKeySecret}) {
    auto got = GetObject(store_, BuiltInKey(kRoot, "secrets", c.cp, secret));
    if (!got.ok()) return got.status();
    if (!*got) continue;
    auto& fields = data[std::string(secret)];
    if (const json::object* d = ObjectAt((*got)->object, "data")) {
      for (const auto& [k, v] : *d) {
        if (v.is_string()) fields[std::string(k)] = std::string(v.get_string());
      }
    }
  }
  return PkiFromSecrets(data);
}

Status HostedClusterController::KeepServingWhilePaused(Context& c) {
  if (env_.publisher == nullptr || !env_.clusters->Exists(c.cp)) return {};
  auto stored = ReadStoredPki(c);
  if (!stored.ok()) return {};  // nothing to serve with until reconciliation resumes
  c.pki = std::move(*stored);
  if (auto custom = ReadCustomServing(store_, c.ns, c.Spec(), c.pki); custom.ok()) c.custom = std::move(*custom);
  return EnsurePublished(c);
}

Status HostedClusterController::EnsurePki(Context& c) {
  const std::vector<std::string> sans = ServingNames(c.name, c.Spec(), HostPortOf(env_.server_url).first);
  const json::object annotations{{kClusterAnnotation, c.key}};
  auto stored = ReadStoredPki(c);
  if (!stored.ok() && stored.status().code() != Code::kDataLoss) return stored.status();
  if (stored.ok()) {
    c.pki = std::move(*stored);
    return RenewCertificates(c, sans);
  }
  // A hosted cluster that exists keeps its credentials: the lost Secrets are rebuilt from it.
  Result<HostedPki> pki = InvalidArgument("no PKI");
  if (env_.clusters->Exists(c.cp)) {
    auto credentials = env_.clusters->Credentials(c.cp);
    if (!credentials.ok()) return credentials.status();
    pki = HostedPkiFromCredentials(*credentials, sans, env_.certificates.leaf_validity);
  } else {
    pki = GenerateHostedPki(c.name, sans, env_.certificates.leaf_validity);
  }
  if (!pki.ok()) return pki.status();
  c.pki = std::move(*pki);
  for (const auto& [name, fields] : PkiSecrets(c.pki)) {
    const std::string type = name == kSigningKeySecret ? "Opaque" : "kubernetes.io/tls";
    CARRIER_RETURN_IF_ERROR(PutSecret(store_, c.cp, name, type, fields, annotations, {}, c.changed));
  }
  c.next_renewal = NextRenewal(c.pki, env_.certificates);
  return {};
}

Status HostedClusterController::RenewCertificates(Context& c, const std::vector<std::string>& serving_names) {
  const CertificatePolicy& policy = env_.certificates;
  const auto now = std::chrono::system_clock::now();
  const json::object annotations{{kClusterAnnotation, c.key}};
  // The serving certificate is reissued when due, or when the published names changed.
  if (!CertificateCovers(c.pki.serving.cert_pem, serving_names) ||
      now >= RenewalDue(c.pki.serving.cert_pem, policy)) {
    auto serving = IssueServingCertificate(c.pki.root_ca, serving_names, policy.leaf_validity);
    if (!serving.ok()) return serving.status();
    c.pki.serving = std::move(*serving);
    spdlog::info("hostedcluster {}: issued a new API server certificate", c.key);
    CARRIER_RETURN_IF_ERROR(PutSecret(store_, c.cp, kServingSecret, "kubernetes.io/tls",
                                      PkiSecrets(c.pki).at(std::string(kServingSecret)), annotations,
                                      {}, c.changed));
  }
  if (now >= RenewalDue(c.pki.admin.cert_pem, policy)) {
    auto admin = IssueAdminCertificate(c.pki.root_ca, policy.leaf_validity);
    if (!admin.ok()) return admin.status();
    c.pki.admin = std::move(*admin);
    spdlog::info("hostedcluster {}: issued a new admin client certificate", c.key);
    CARRIER_RETURN_IF_ERROR(PutSecret(store_, c.cp, kAdminClientSecret, "kubernetes.io/tls",
                                      PkiSecrets(c.pki).at(std::string(kAdminClientSecret)),
                                      annotations, {}, c.changed));
  }
  c.next_renewal = NextRenewal(c.pki, policy);
  return {};
}

Status HostedClusterController::RestartIfAsked(Context& c) {
  const std::string asked = controllers::AnnotationOf(*c.hc, kRestartDateAnnotation);
  if (asked.empty()) return {};
  auto hcp = GetObject(store_, CustomKey(kRoot, kGroup, "hostedcontrolplanes", c.cp, c.name));
  if (!hcp.ok()) return hcp.status();
  // A control plane that does not exist yet starts with the annotation's value.
  if (!*hcp || controllers::AnnotationOf(*(*hcp)->object, kRestartDateAnnotation) == asked) return {};
  spdlog::info("hostedcluster {}: restarting the control plane ({} {})", c.key,
               kRestartDateAnnotation, asked);
  // The published listeners close with their connections and open again below
  // (EnsurePublished); the cluster's derived state and open watches go.
  if (env_.publisher != nullptr) env_.publisher->Unpublish(c.cp);
  if (env_.restart_cluster) env_.restart_cluster(c.cp);
  c.changed = true;
  return {};
}

Status HostedClusterController::EnsureHostedCluster(Context& c) {
  // Failures to reach an external etcd are EtcdAvailable's to report.
  auto etcd_failed = [&c](const Status& st) {
    if (!c.storage.managed()) {
      c.etcd_error = "the hosted cluster's objects cannot be kept in " + DescribeStorage(c.storage) +
                     ": " + st.message();
    }
    return st;
  };
  if (!env_.clusters->Exists(c.cp)) {
    Status st = env_.clusters->Create(c.cp, c.pki.Credentials(), c.storage);
    if (!st.ok() && st.code() != Code::kAlreadyExists) return etcd_failed(st);
    c.changed = true;
  }
  auto hosted_store = env_.clusters->StoreOf(c.cp);
  if (!hosted_store.ok()) return etcd_failed(hosted_store.status());
  c.hosted_store = std::move(*hosted_store);
  if (!c.storage.managed()) {
    // Reads come from the cache: ask the etcd itself whether it answers.
    if (auto revision = c.hosted_store->CurrentRevision(); !revision.ok()) {
      return etcd_failed(revision.status());
    }
  }
  auto credentials = env_.clusters->Credentials(c.cp);
  if (!credentials.ok()) return credentials.status();
  if (credentials->client_ca.cert_pem != c.pki.root_ca.cert_pem) {
    return Conflict("logical cluster \"" + c.cp +
                              "\" exists with credentials this HostedCluster did not issue "
                              "(its CA is not the root-ca Secret of namespace " + c.cp + ")");
  }
  storage::Store& hosted = *c.hosted_store;
  for (std::string_view ns : {"openshift-config", "openshift-config-managed"}) {
    const std::string key = BuiltInKey(c.cp, "namespaces", "", ns);
    auto got = GetObject(hosted, key);
    if (!got.ok()) return etcd_failed(got.status());
    if (*got) continue;
    Status st = controllers::CreateObject(hosted, key, NamespaceObject(ns, {}, {}));
    if (!st.ok() && st.code() != Code::kAlreadyExists) return etcd_failed(st);
    c.changed = true;
  }
  if (Status st = InstallHostedClusterCrds(hosted, c.cp); !st.ok()) return etcd_failed(st);
  return {};
}

Status HostedClusterController::EnsurePublished(Context& c) {
  PublishingInput input{c.key,           c.name,           c.cp,     &c.Spec(), &c.pki,
                        env_.server_url, env_.server_ca_pem, &c.custom};
  auto endpoint = PublishApiServer(store_, env_.publisher, input);
  if (!endpoint.ok()) {
    c.publishing_error = "the API server cannot be published: " + endpoint.status().message();
    return Status(endpoint.status().code(), c.publishing_error);
  }
  c.endpoint = std::move(*endpoint);
  return {};
}

Status HostedClusterController::EnsureSecrets(Context& c) {
  KubeconfigParams params;
  params.server = c.endpoint.server_url;
  params.server_ca_pem = c.endpoint.ca_pem;
  params.tls_server_name = c.endpoint.tls_server_name;
  params.client = c.pki.admin;
  const std::map<std::string, std::string> kubeconfig{
      {"kubeconfig", Base64Encode(RenderKubeconfig(params))}};
  const json::object annotations{{kClusterAnnotation, c.key}};
  const json::array owners{
      controllers::workload::ControllerRef(*c.hc, kApiVersion, "HostedCluster")};
  CARRIER_RETURN_IF_ERROR(
      PutSecret(store_, c.cp, "admin-kubeconfig", "Opaque", kubeconfig, annotations, {}, c.changed));
  CARRIER_RETURN_IF_ERROR(PutSecret(store_, c.ns, c.AdminKubeconfigSecret(), "Opaque", kubeconfig,
                                    annotations, owners, c.changed));
  CARRIER_RETURN_IF_ERROR(EnsureCustomKubeconfig(c, annotations, owners));
  // The password is made once and kept.
  auto password = GetObject(store_, BuiltInKey(kRoot, "secrets", c.ns, c.KubeadminPasswordSecret()));
  if (!password.ok()) return password.status();
  if (*password && !StringAt(ObjectAt((*password)->object, "data"), "password").empty()) return {};
  return PutSecret(store_, c.ns, c.KubeadminPasswordSecret(), "Opaque",
                   {{"password", Base64Encode(GenerateKubeadminPassword())}}, annotations, owners,
                   c.changed);
}

// <name>-custom-admin-kubeconfig and custom-admin-kubeconfig for spec.kubeAPIServerDNSName
// (server: the shared listener with that name as tls-server-name), or neither without it.
Status HostedClusterController::EnsureCustomKubeconfig(Context& c, const json::object& annotations,
                                                       const json::array& owners) {
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {c.ns, c.CustomKubeconfigSecret()}, {c.cp, "custom-admin-kubeconfig"}};
  if (c.endpoint.custom_server_url.empty()) {
    c.Status().erase("customKubeconfig");
    for (const auto& [ns, name] : secrets) {
      auto got = GetObject(store_, BuiltInKey(kRoot, "secrets", ns, name));
      if (!got.ok()) return got.status();
      if (*got && controllers::AnnotationOf(*(*got)->object, kClusterAnnotation) == c.key) {
        CARRIER_RETURN_IF_ERROR(controllers::DeleteObject(store_, **got));
        c.changed = true;
      }
    }
    return {};
  }
  KubeconfigParams params;
  params.server = c.endpoint.custom_server_url;
  params.server_ca_pem = c.custom.dns_name_ca_pem;
  params.tls_server_name = c.custom.dns_name;
  params.client = c.pki.admin;
  const std::map<std::string, std::string> kubeconfig{
      {"kubeconfig", Base64Encode(RenderKubeconfig(params))}};
  for (const auto& [ns, name] : secrets) {
    CARRIER_RETURN_IF_ERROR(PutSecret(store_, ns, name, "Opaque", kubeconfig, annotations,
                                      ns == c.ns ? owners : json::array(), c.changed));
  }
  c.Status()["customKubeconfig"] = json::object{{"name", c.CustomKubeconfigSecret()}};
  return {};
}

// The HostedControlPlane (spec and status) and the hosted cluster's ClusterVersion, from the
// HostedCluster's spec and freshly computed status.
Status HostedClusterController::EnsureHostedControlPlane(Context& c) {
  const json::object& status = c.Status();
  const json::object* version_status = ObjectAt(&status, "version");
  const json::array* history = ArrayAt(version_status, "history");
  const bool completed =
      history && !history->empty() && StringAt((*history)[0].if_object(), "state") == "Completed";

  // HostedControlPlane.
  const std::string hcp_key = CustomKey(kRoot, kGroup, "hostedcontrolplanes", c.cp, c.name);
  auto hcp = GetObject(store_, hcp_key);
  if (!hcp.ok()) return hcp.status();
  json::object spec = c.Spec();
  spec.erase("release");
  spec["releaseImage"] = c.image;
  const json::array* hcp_previous = hcp->has_value() ? ArrayAt(ObjectAt((*hcp)->object, "status"), "conditions") : nullptr;
  auto hcp_condition = [&](std::string_view type, std::string_view st, std::string_view reason,
                           std::string_view message) {
    return controllers::NewCondition(type, st, reason, message, hcp_previous);
  };
  json::object hcp_status{
      {"ready", true},
      {"initialized", true},
      {"controlPlaneEndpoint", status.at("controlPlaneEndpoint")},
      {"kubeConfig", json::object{{"name", "admin-kubeconfig"}, {"key", "kubeconfig"}}},
      {"releaseImage", c.image},
      {"version", c.version},
      {"versionStatus", version_status ? json::value(*version_status) : json::value(json::object())},
      {"conditions",
       json::array{hcp_condition("Available", "True", "AsExpected", "The hosted control plane is available"),
                   hcp_condition("ValidHostedControlPlaneConfiguration", "True", "AsExpected",
                                 "Configuration passes validation"),
                   hcp_condition("EtcdAvailable", "True", "AsExpected", c.etcd_message),
                   hcp_condition("KubeAPIServerAvailable", "True", "AsExpected",
                                 "The hosted cluster's API server is served")}}};
  // The restart-date acted on (RestartIfAsked) is kept on the HostedControlPlane.
  const std::string restart_date = controllers::AnnotationOf(*c.hc, kRestartDateAnnotation);
  if (!*hcp) {
    json::object annotations{{kClusterAnnotation, c.key}};
    if (!restart_date.empty()) annotations[kRestartDateAnnotation] = restart_date;
    json::object obj{{"apiVersion", kApiVersion},
                     {"kind", "HostedControlPlane"},
                     {"metadata", json::object{{"name", c.name},
                                               {"namespace", c.cp},
                                               {"annotations", std::move(annotations)}}},
                     {"spec", std::move(spec)},
                     {"status", std::move(hcp_status)}};
    Status st = controllers::CreateObject(store_, hcp_key, std::move(obj));
    if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
  } else {
    json::object& obj = *(*hcp)->object;
    // Compared without resourceVersion (GetObject sets it; the new content has none).
    apiserver::MutableMetadata(obj).erase("resourceVersion");
    const std::string was = json::serialize(obj);
    obj["spec"] = std::move(spec);
    obj["status"] = std::move(hcp_status);
    json::object& meta = apiserver::MutableMetadata(obj);
    if (!restart_date.empty()) {
      json::value& annotations = meta["annotations"];
      if (!annotations.is_object()) annotations = json::object();
      annotations.as_object()[kRestartDateAnnotation] = restart_date;
    }
    if (json::serialize(obj) != was) CARRIER_RETURN_IF_ERROR(controllers::UpdateObject(store_, **hcp));
  }

  // ClusterVersion `version` in the hosted cluster.
  const std::string cv_key = CustomKey(c.cp, "config.openshift.io", "clusterversions", "", "version");
  storage::Store& hosted = *c.hosted_store;
  auto cv = GetObject(hosted, cv_key);
  if (!cv.ok()) return cv.status();
  const json::array* cv_previous = cv->has_value() ? ArrayAt(ObjectAt((*cv)->object, "status"), "conditions") : nullptr;
  const std::string shown = c.version.empty() ? c.image : c.version;
  json::object cv_spec{{"clusterID", StringAt(&c.Spec(), "clusterID")}};
  if (const std::string channel = StringAt(&c.Spec(), "channel"); !channel.empty()) cv_spec["channel"] = channel;
  json::object cv_status{
      {"desired", json::object{{"image", c.image}, {"version", c.version}}},
      {"history", history ? json::value(*history) : json::value(json::array())},
      {"observedGeneration", 1},
      {"versionHash", ""},
      {"availableUpdates", nullptr},
      {"conditions",
       json::array{
           controllers::NewCondition("Available", "True", "AsExpected", "Done applying " + shown, cv_previous),
           controllers::NewCondition("Failing", "False", "AsExpected", "", cv_previous),
           completed ? controllers::NewCondition("Progressing", "False", "AsExpected",
                                                 "Cluster version is " + shown, cv_previous)
                     : controllers::NewCondition("Progressing", "True", "AsExpected",
                                                 "Working towards " + shown, cv_previous)}}};
  if (!*cv) {
    json::object obj{{"apiVersion", "config.openshift.io/v1"},
                     {"kind", "ClusterVersion"},
                     {"metadata", json::object{{"name", "version"}, {"generation", 1}}},
                     {"spec", std::move(cv_spec)},
                     {"status", std::move(cv_status)}};
    Status st = controllers::CreateObject(hosted, cv_key, std::move(obj));
    return st.code() == Code::kAlreadyExists ? Status() : st;
  }
  json::object& obj = *(*cv)->object;
  apiserver::MutableMetadata(obj).erase("resourceVersion");
  const std::string was = json::serialize(obj);
  obj["spec"] = std::move(cv_spec);
  obj["status"] = std::move(cv_status);
  if (json::serialize(obj) == was) return {};
  return controllers::UpdateObject(hosted, **cv);
}

// ---- Deletion ----

Status HostedClusterController::Teardown(Context& c) {
  if (!controllers::HasFinalizer(*c.hc, kHostedClusterFinalizer)) return {};
  if (env_.publisher != nullptr) env_.publisher->Unpublish(c.cp);
  // The cluster's node pools.
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(CustomKey(kRoot, kGroup, "nodepools", c.ns, ""));
  auto pools = store_.List(list);
  if (!pools.ok()) return pools.status();
  for (const auto& kv : pools->kvs) {
    boost::system::error_code ec;
    json::value pool = json::parse(kv.value, ec);
    if (ec || StringAt(ObjectAt(pool.if_object(), "spec"), "clusterName") != c.name) continue;
    auto deleted = store_.Delete(kv.key, kv.mod_revision);
    if (!deleted.ok() && deleted.status().code() != Code::kNotFound) return deleted.status();
  }
  // The secrets in the HostedCluster's namespace.
  for (const std::string& secret :
       {c.AdminKubeconfigSecret(), c.KubeadminPasswordSecret(), c.CustomKubeconfigSecret()}) {
    auto got = GetObject(store_, BuiltInKey(kRoot, "secrets", c.ns, secret));
    if (!got.ok()) return got.status();
    if (*got && controllers::AnnotationOf(*(*got)->object, kClusterAnnotation) == c.key) {
      CARRIER_RETURN_IF_ERROR(controllers::DeleteObject(store_, **got));
    }
  }
  // The hosted cluster with all its stored data, if it is the one this HostedCluster made
  // (its CA is the root-ca Secret's).
  auto root_ca = GetObject(store_, BuiltInKey(kRoot, "secrets", c.cp, kRootCaSecret));
  if (!root_ca.ok()) return root_ca.status();
  if (*root_ca && env_.clusters->Exists(c.cp)) {
    auto credentials = env_.clusters->Credentials(c.cp);
    if (!credentials.ok()) return credentials.status();
    const auto ca = Base64Decode(StringAt(ObjectAt((*root_ca)->object, "data"), "tls.crt"));
    if (ca && *ca == credentials->client_ca.cert_pem) {
      Status st = env_.clusters->Delete(c.cp);
      if (!st.ok() && st.code() != Code::kNotFound) return st;
      if (env_.forget_cluster) env_.forget_cluster(c.cp);
    }
  }
  // The control-plane namespace: the namespace controller deletes its content, then it; its
  // deletion queues this HostedCluster again.
  auto ns = GetObject(store_, BuiltInKey(kRoot, "namespaces", "", c.cp));
  if (!ns.ok()) return ns.status();
  if (*ns && controllers::AnnotationOf(*(*ns)->object, kClusterAnnotation) == c.key) {
    json::object& obj = *(*ns)->object;
    if (apiserver::MetaString(obj, "deletionTimestamp").empty()) {
      apiserver::MutableMetadata(obj)["deletionTimestamp"] = Now();
      obj["status"] = json::object{{"phase", "Terminating"}};
      CARRIER_RETURN_IF_ERROR(controllers::UpdateObject(store_, **ns));
    }
    return {};
  }
  // Everything is gone: release the HostedCluster.
  controllers::RemoveFinalizer(*c.hc, kHostedClusterFinalizer);
  if (controllers::HasAnyFinalizer(*c.hc)) return controllers::UpdateObject(store_, c.read);
  return controllers::DeleteObject(store_, c.read);
}

}  // namespace carrier::hosted
