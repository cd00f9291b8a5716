#include "hosted/node_pool_controller.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "hosted/validation.h"

namespace carrier::hosted {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::ObjectAt;
using controllers::StringAt;

namespace {

constexpr std::string_view kGroup = "hypershift.openshift.io";
constexpr int kMaxMinorLag = 3;

std::string CustomKey(std::string_view resource, std::string_view ns, std::string_view name) {
  apiserver::ResourceType type;
  type.group = std::string(kGroup);
  type.resource = std::string(resource);
  return apiserver::ObjectKey("root", type, ns, name);
}

// The version a HostedCluster runs: its status, else what its release tag names.
std::string HostedClusterVersion(const json::object& hc) {
  std::string v = StringAt(ObjectAt(ObjectAt(ObjectAt(&hc, "status"), "version"), "desired"), "version");
  if (!v.empty()) return v;
  auto image = ParseReleaseImage(StringAt(ObjectAt(ObjectAt(&hc, "spec"), "release"), "image"));
  return image.ok() ? image->version : "";
}

ConditionResult Skew(const std::string& pool, const std::string& cluster) {
  constexpr std::string_view kType = "SupportedVersionSkew";
  auto p = ParseVersionNumbers(pool), c = ParseVersionNumbers(cluster);
  if (!p || !c) {
    return {std::string(kType), "Unknown", "VersionUnknown",
            "the version skew cannot be checked: the " +
                std::string(!p ? "NodePool's" : "HostedCluster's") + " release version is unknown"};
  }
  if (*p > *c) {
    return {std::string(kType), "False", "UnsupportedSkew",
            "NodePool version " + pool + " cannot be newer than the HostedCluster's version " + cluster};
  }
  if (p->major != c->major || c->minor - p->minor > kMaxMinorLag) {
    return {std::string(kType), "False", "UnsupportedSkew",
            "NodePool minor version " + MinorVersion(pool) + " is more than " +
                std::to_string(kMaxMinorLag) + " minor versions behind the HostedCluster's " +
                MinorVersion(cluster)};
  }
  return {std::string(kType), "True", "AsExpected", "Release image version is valid"};
}

}  // namespace

void NodePoolController::OnChange(const controllers::Change& change, std::vector<std::string>& keys) {
  const controllers::ObjectRef& ref = change.ref;
  if (ref.cluster != "root") return;
  if (ref.group == kGroup && ref.resource == "nodepools") {
    const std::string key = ref.namespace_ + "/" + ref.name;
    if (auto old = cluster_of_.find(key); old != cluster_of_.end()) {
      by_cluster_[old->second].erase(key);
      if (by_cluster_[old->second].empty()) by_cluster_.erase(old->second);
      cluster_of_.erase(old);
    }
    by_namespace_[ref.namespace_].erase(key);
    if (change.type == controllers::Change::Type::kPut && change.value != nullptr) {
      boost::system::error_code ec;
      json::value value = json::parse(*change.value, ec);
      const std::string cluster =
          ref.namespace_ + "/" + (ec ? "" : StringAt(ObjectAt(value.if_object(), "spec"), "clusterName"));
      cluster_of_[key] = cluster;
      by_cluster_[cluster].insert(key);
      by_namespace_[ref.namespace_].insert(key);
      keys.push_back(key);
    }
    if (by_namespace_[ref.namespace_].empty()) by_namespace_.erase(ref.namespace_);
  } else if (ref.group == kGroup && ref.resource == "hostedclusters") {
    if (auto it = by_cluster_.find(ref.namespace_ + "/" + ref.name); it != by_cluster_.end()) {
      keys.insert(keys.end(), it->second.begin(), it->second.end());
    }
  } else if (ref.group.empty() && ref.resource == "configmaps") {
    if (auto it = by_namespace_.find(ref.namespace_); it != by_namespace_.end()) {
      keys.insert(keys.end(), it->second.begin(), it->second.end());
    }
  }
}

Status NodePoolController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t slash = key.find('/');
  const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto got = controllers::GetObject(store_, CustomKey("nodepools", ns, name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  json::object& pool = *(*got)->object;
  if (!apiserver::MetaString(pool, "deletionTimestamp").empty()) return {};
  apiserver::MutableMetadata(pool).erase("resourceVersion");
  const std::string before = json::serialize(pool);
  const json::object* spec = ObjectAt(&pool, "spec");
  const int64_t generation = controllers::IntAt(ObjectAt(&pool, "metadata"), "generation", 1);
  json::value& status_value = pool["status"];
  if (!status_value.is_object()) status_value = json::object();
  json::object& status = status_value.as_object();
  const json::array previous = ArrayAt(&status, "conditions") ? *ArrayAt(&status, "conditions") : json::array();
  json::array conditions;
  auto set = [&](const ConditionResult& r) {
    json::object c = controllers::NewCondition(r.type, r.status, r.reason, r.message, &previous);
    c["observedGeneration"] = generation;
    conditions.emplace_back(std::move(c));
  };
  std::vector<std::string> problems;  // what keeps the pool from being Ready, in order
  auto note = [&](const ConditionResult& r) {
    set(r);
    if (r.status == "False") problems.push_back(r.message);
  };

  const std::string image = StringAt(ObjectAt(spec, "release"), "image");
  auto release = ParseReleaseImage(image);
  note(release.ok() ? ConditionResult{"ValidReleaseImage", "True", "AsExpected", "Using release image: " + image}
                    : ConditionResult{"ValidReleaseImage", "False", "InvalidImage",
                                      "spec.release.image \"" + image + "\": " + release.status().message()});
  const std::string version = release.ok() ? release->version : "";

  const std::string cluster_name = StringAt(spec, "clusterName");
  auto hc = controllers::GetObject(store_, CustomKey("hostedclusters", ns, cluster_name));
  if (!hc.ok()) return hc.status();
  std::string missing_cluster;
  if (!*hc) {
    missing_cluster = "HostedCluster \"" + cluster_name + "\" (spec.clusterName) not found in namespace \"" + ns + "\"";
  } else if (release.ok()) {
    note(Skew(version, HostedClusterVersion(*(*hc)->object)));
  }

  std::string config_problem;
  if (const json::array* configs = ArrayAt(spec, "config")) {
    for (const auto& ref : *configs) {
      const std::string cm = StringAt(ref.if_object(), "name");
      auto found = controllers::GetObject(
          store_, controllers::StoreKey("root", controllers::BuiltInType("", "configmaps"), ns, cm));
      if (!found.ok()) return found.status();
      if (!*found) {
        config_problem = "ConfigMap \"" + cm + "\" (spec.config) not found in namespace \"" + ns + "\"";
        break;
      }
    }
  }
  note(config_problem.empty()
           ? ConditionResult{"ValidMachineConfig", "True", "AsExpected", "Machine configuration is valid"}
           : ConditionResult{"ValidMachineConfig", "False", "InvalidConfig", config_problem});

  const bool has_replicas = spec && spec->contains("replicas");
  const json::object* autoscaling = ObjectAt(spec, "autoScaling");
  if (has_replicas && autoscaling) {
    note({"AutoscalingEnabled", "False", "ValidationFailed",
          "only one of spec.replicas or spec.autoScaling may be set"});
  } else if (autoscaling && controllers::IntAt(autoscaling, "min", 0) > controllers::IntAt(autoscaling, "max", 0)) {
    note({"AutoscalingEnabled", "False", "ValidationFailed",
          "spec.autoScaling.min must not exceed spec.autoScaling.max"});
  } else if (autoscaling) {
    set({"AutoscalingEnabled", "True", "AsExpected", ""});
  } else {
    set({"AutoscalingEnabled", "False", "AsExpected", ""});
  }
  const json::object* management = ObjectAt(spec, "management");
  set(controllers::BoolAt(management, "autoRepair")
          ? ConditionResult{"AutorepairEnabled", "True", "AsExpected", ""}
          : ConditionResult{"AutorepairEnabled", "False", "AsExpected", ""});
  const std::string upgrade = StringAt(management, "upgradeType");
  note(upgrade == "Replace" || upgrade == "InPlace"
           ? ConditionResult{"UpdateManagementEnabled", "True", "AsExpected", ""}
           : ConditionResult{"UpdateManagementEnabled", "False", "ValidationFailed",
                             "spec.management.upgradeType must be Replace or InPlace"});

  // No machine exists to update yet (the agent platform brings them).
  set({"UpdatingVersion", "False", "AsExpected", ""});
  set({"UpdatingConfig", "False", "AsExpected", ""});

  const int64_t desired = controllers::IntAt(spec, "replicas", 0);
  const int64_t wanted = autoscaling ? controllers::IntAt(autoscaling, "min", 0) : desired;
  if (!missing_cluster.empty()) {
    set({"Ready", "False", "NotFound", missing_cluster});
  } else if (!problems.empty()) {
    set({"Ready", "False", "ValidationFailed", problems.front()});
  } else if (wanted > 0) {
    // Machines arrive with the agent platform; until then none is available.
    set({"Ready", "False", "WaitingForAvailableMachines",
         "Minimum availability requires " + std::to_string(wanted) + " replicas, current 0 available"});
  } else {
    set({"Ready", "True", "AsExpected", ""});
  }
  status["conditions"] = std::move(conditions);
  status["replicas"] = 0;
  if (!version.empty() && missing_cluster.empty() && problems.empty()) status["version"] = version;
  if (json::serialize(pool) == before) return {};
  return controllers::UpdateObject(store_, **got);
}

}  // namespace carrier::hosted
