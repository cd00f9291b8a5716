#include "controllers/disruption_controller.h"

#include <boost/json.hpp>
#include <map>

#include "api/label_selector.h"
#include "apiserver/authn/bootstrap_token.h"  // ParseRfc3339
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

// How long an eviction's entry in status.disruptedPods keeps its pod out of currentHealthy.
constexpr auto kDeletionTimeout = std::chrono::minutes(2);

// An int-or-percentage against `total`, percentages rounded up (Kubernetes'
// GetScaledValueFromIntOrPercent with roundUp).
Result<int64_t> Scaled(const json::value& v, int64_t total) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_string()) {
    std::string_view s = v.get_string();
    if (s.size() >= 2 && s.back() == '%') {
      int64_t percent = 0;
      for (char c : s.substr(0, s.size() - 1)) {
        if (c < '0' || c > '9') percent = -1;
        if (percent >= 0) percent = percent * 10 + (c - '0');
      }
      if (percent >= 0) return (percent * total + 99) / 100;
    }
  }
  return Status(Code::kInvalidArgument,
                "invalid value for IntOrString: " + json::serialize(v) + " is not a percentage");
}

class BudgetSync {
 public:
  BudgetSync(storage::Store& store, std::string cluster, std::string ns)
      : store_(store), cluster_(std::move(cluster)), ns_(std::move(ns)) {}

  // Writes the budget's status; `recheck` is lowered to when a disruptedPods entry expires.
  Status Sync(StoredObject& pdb, const std::vector<json::object>& namespace_pods,
              Clock::time_point now, std::optional<Clock::time_point>& recheck) {
    json::object& obj = *pdb.object;
    const json::object* old_status = ObjectAt(&obj, "status");
    json::object status;
    auto computed = Compute(obj, namespace_pods, now, recheck);
    if (computed.ok()) {
      status = std::move(*computed);
      const bool allowed = IntAt(&status, "disruptionsAllowed", 0) > 0;
      SetCondition(status, old_status, allowed ? "True" : "False",
                   allowed ? "SufficientPods" : "InsufficientPods", "");
    } else {
      // Kubernetes' fail-safe: no disruption allowed until the budget can be computed.
      if (old_status) status = *old_status;
      status["disruptionsAllowed"] = 0;
      SetCondition(status, old_status, "False", "SyncFailed", computed.status().message());
    }
    if (old_status && json::value(*old_status) == json::value(status)) return {};
    obj["status"] = std::move(status);
    Status st = UpdateObject(store_, pdb);
    return st.code() == Code::kConflict ? Status() : st;  // the newer version requeues itself
  }

 private:
  Result<json::object> Compute(const json::object& pdb, const std::vector<json::object>& pods_of_ns,
                               Clock::time_point now, std::optional<Clock::time_point>& recheck) {
    const json::object* spec = ObjectAt(&pdb, "spec");
    api::LabelSelector selector = api::LabelSelector::Nothing();
    if (const json::value* sel = spec ? spec->if_contains("selector") : nullptr) {
      auto parsed = api::LabelSelector::FromJson(*sel);
      if (!parsed.ok()) return parsed.status();
      selector = std::move(*parsed);
    }
    std::vector<const json::object*> pods;
    for (const auto& pod : pods_of_ns) {
      const json::object* meta = ObjectAt(&pod, "metadata");
      const json::value* labels = meta ? meta->if_contains("labels") : nullptr;
      if (selector.Matches(labels ? *labels : json::value())) pods.push_back(&pod);
    }

    int64_t expected = 0, desired = 0;
    if (const json::value* max = spec ? spec->if_contains("maxUnavailable") : nullptr) {
      auto scale = ExpectedScale(pods);
      if (!scale.ok()) return scale.status();
      auto unavailable = Scaled(*max, *scale);
      if (!unavailable.ok()) return unavailable.status();
      expected = *scale;
      desired = std::max<int64_t>(0, expected - *unavailable);
    } else if (const json::value* min = spec ? spec->if_contains("minAvailable") : nullptr) {
      if (min->is_string()) {
        auto scale = ExpectedScale(pods);
        if (!scale.ok()) return scale.status();
        expected = *scale;
      } else {
        expected = static_cast<int64_t>(pods.size());
      }
      auto minimum = Scaled(*min, expected);
      if (!minimum.ok()) return minimum.status();
      desired = *minimum;
    }

    // Evictions under way: kept while their pod exists, is not deleting and the entry is
    // younger than the timeout.
    json::object disrupted;
    const json::object* recorded = ObjectAt(ObjectAt(&pdb, "status"), "disruptedPods");
    int64_t healthy = 0;
    for (const json::object* pod : pods) {
      if (!apiserver::MetaString(*pod, "deletionTimestamp").empty()) continue;
      const std::string name(apiserver::MetaString(*pod, "name"));
      if (const json::value* when = recorded ? recorded->if_contains(name) : nullptr;
          when && when->is_string()) {
        auto at = apiserver::authn::ParseRfc3339(when->get_string());
        if (at && *at + kDeletionTimeout > now) {
          disrupted[name] = *when;
          const Clock::time_point expiry = *at + kDeletionTimeout;
          if (!recheck || expiry < *recheck) recheck = expiry;
          continue;  // expected to be deleted soon
        }
      }
      if (workload::PodReady(*pod)) ++healthy;
    }
    int64_t allowed = healthy - desired;
    if (expected <= 0 || allowed < 0) allowed = 0;

    json::object status{
        {"observedGeneration", IntAt(ObjectAt(&pdb, "metadata"), "generation", 0)},
        {"disruptionsAllowed", allowed},
        {"currentHealthy", healthy},
        {"desiredHealthy", desired},
        {"expectedPods", expected}};
    if (!disrupted.empty()) status["disruptedPods"] = std::move(disrupted);
    if (const json::array* c = ArrayAt(ObjectAt(&pdb, "status"), "conditions")) {
      status["conditions"] = *c;
    }
    return status;
  }

  // The sum of spec.replicas of the pods' controllers (pods without one are not counted).
  Result<int64_t> ExpectedScale(const std::vector<const json::object*>& pods) {
    std::map<std::string, int64_t> scale_by_controller;  // by the uid of the scaled object
    std::map<std::string, bool> known_refs;              // pod controller uids already looked up
    for (const json::object* pod : pods) {
      const json::object* ref = workload::ControllerRefOf(*pod);
      if (ref == nullptr) continue;
      const std::string ref_uid = StringAt(ref, "uid");
      if (known_refs.count(ref_uid)) continue;
      auto found = ScaleOf(StringAt(ref, "kind"), StringAt(ref, "name"), ref_uid);
      if (!found.ok()) return found.status();
      if (!*found) {
        return Status(Code::kNotFound, "found no controllers for pod \"" +
                                           std::string(apiserver::MetaString(*pod, "name")) + "\"");
      }
      known_refs[ref_uid] = true;
      scale_by_controller[(*found)->first] = (*found)->second;
    }
    int64_t total = 0;
    for (const auto& [uid, replicas] : scale_by_controller) total += replicas;
    return total;
  }

  // (uid, spec.replicas) of the object that scales a pod controlled by kind/name/uid.
  Result<std::optional<std::pair<std::string, int64_t>>> ScaleOf(const std::string& kind,
                                                                  const std::string& name,
                                                                  const std::string& uid) {
    using Found = std::optional<std::pair<std::string, int64_t>>;
    auto read = [&](std::string_view group, std::string_view resource, const std::string& n,
                    const std::string& want_uid) -> Result<std::optional<StoredObject>> {
      auto got = GetObject(store_, StoreKey(cluster_, BuiltInType(group, resource), ns_, n));
      if (!got.ok() || !*got) return got;
      if (apiserver::MetaString(*(*got)->object, "uid") != want_uid) return std::optional<StoredObject>();
      return got;
    };
    auto replicas = [](const StoredObject& o) {
      return IntAt(ObjectAt(o.object, "spec"), "replicas", 1);
    };
    std::string_view group, resource;
    if (kind == "ReplicationController") {
      group = "", resource = "replicationcontrollers";
    } else if (kind == "StatefulSet") {
      group = "apps", resource = "statefulsets";
    } else if (kind == "ReplicaSet") {
      group = "apps", resource = "replicasets";
    } else {
      return Found();
    }
    auto owner = read(group, resource, name, uid);
    if (!owner.ok()) return owner.status();
    if (!*owner) return Found();
    if (kind == "ReplicaSet") {
      // A Deployment's ReplicaSet is scaled through the Deployment.
      const json::object* rs_ref = workload::ControllerRefOf(*(*owner)->object);
      if (rs_ref && StringAt(rs_ref, "kind") == "Deployment") {
        auto deploy = read("apps", "deployments", StringAt(rs_ref, "name"), StringAt(rs_ref, "uid"));
        if (!deploy.ok()) return deploy.status();
        if (!*deploy) return Found();
        return Found({StringAt(rs_ref, "uid"), replicas(**deploy)});
      }
    }
    return Found({uid, replicas(**owner)});
  }

  // Kubernetes' SetStatusCondition for DisruptionAllowed.
  static void SetCondition(json::object& status, const json::object* old_status,
                           std::string_view value, std::string_view reason,
                           std::string_view message) {
    const json::array* previous = ArrayAt(old_status, "conditions");
    json::object condition = NewCondition("DisruptionAllowed", value, reason, message, previous);
    condition["observedGeneration"] = IntAt(&status, "observedGeneration", 0);
    json::array conditions;
    if (const json::array* c = ArrayAt(&status, "conditions")) conditions = *c;
    bool replaced = false;
    for (auto& c : conditions) {
      if (StringAt(c.if_object(), "type") == "DisruptionAllowed") {
        c = condition;
        replaced = true;
      }
    }
    if (!replaced) conditions.push_back(std::move(condition));
    status["conditions"] = std::move(conditions);
  }

  storage::Store& store_;
  const std::string cluster_, ns_;
};

}  // namespace

void DisruptionController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.namespace_.empty()) return;
  const bool relevant =
      (ref.group == "policy" && ref.resource == "poddisruptionbudgets" &&
       change.type == Change::Type::kPut) ||
      (ref.group.empty() && (ref.resource == "pods" || ref.resource == "replicationcontrollers")) ||
      (ref.group == "apps" && (ref.resource == "replicasets" || ref.resource == "deployments" ||
                               ref.resource == "statefulsets"));
  if (relevant) keys.push_back(ref.cluster + "/" + ref.namespace_);
}

Status DisruptionController::Reconcile(const std::string& key,
                                       std::chrono::milliseconds& requeue_after) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), ns = key.substr(slash + 1);
  const auto& pdb_type = BuiltInType("policy", "poddisruptionbudgets");
  storage::ListOptions list;
  list.range = storage::KeyRange::Prefix(StoreKey(cluster, pdb_type, ns, ""));
  auto budgets = store_.List(list);
  if (!budgets.ok()) return budgets.status();
  if (budgets->kvs.empty()) return {};
  auto pods = ListObjects(store_, StoreKey(cluster, BuiltInType("", "pods"), ns, ""));
  if (!pods.ok()) return pods.status();

  BudgetSync sync(store_, cluster, ns);
  const Clock::time_point now = Clock::now();
  std::optional<Clock::time_point> recheck;
  Status result;
  for (const auto& kv : budgets->kvs) {
    auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
    if (!decoded.ok()) continue;
    StoredObject pdb;
    pdb.key = kv.key;
    pdb.revision = kv.mod_revision;
    pdb.holder = std::make_shared<json::object>(std::move(*decoded));
    pdb.object = pdb.holder.get();
    if (Status st = sync.Sync(pdb, *pods, now, recheck); !st.ok()) result = st;
  }
  if (recheck) {
    requeue_after = std::chrono::duration_cast<std::chrono::milliseconds>(*recheck - now) +
                    std::chrono::seconds(1);
  }
  return result;
}

}  // namespace carrier::controllers
