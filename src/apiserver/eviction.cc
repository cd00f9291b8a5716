#include "apiserver/eviction.h"

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "api/label_selector.h"
#include "api/protobuf/envelope.h"
#include "api/status_json.h"
#include "api/yaml_json.h"
#include "apiserver/object_meta.h"
#include "apiserver/resource_catalog.h"
#include "apiserver/responses.h"

namespace carrier::apiserver {

namespace json = boost::json;
using storage::Revision;

namespace {

constexpr uint64_t kMaxBodyBytes = 3 * 1024 * 1024;
constexpr int kRetries = 8;
// Kubernetes refuses more evictions when this many are waiting for the controller.
constexpr size_t kMaxDisruptedPods = 2000;
constexpr std::string_view kViolatesBudget =
    "Cannot evict pod as it would violate the pod's disruption budget.";

const ResourceType& TypeOf(std::string_view group, std::string_view resource) {
  for (const auto& t : ResourceCatalog::BuiltIn().types()) {
    if (t.group == group && t.resource == resource) return t;
  }
  std::abort();  // both types are in the catalog
}

const json::object* Obj(const json::object* o, std::string_view key) {
  const json::value* v = o ? o->if_contains(key) : nullptr;
  return v ? v->if_object() : nullptr;
}
std::string Str(const json::object* o, std::string_view key) {
  const json::value* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
int64_t Int(const json::object* o, std::string_view key) {
  const json::value* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_int64() ? v->get_int64() : 0;
}

bool Ready(const json::object& pod) {
  const json::value* conditions = Obj(&pod, "status") ? Obj(&pod, "status")->if_contains("conditions")
                                                      : nullptr;
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const auto& c : conditions->get_array()) {
    if (Str(c.if_object(), "type") == "Ready") return Str(c.if_object(), "status") == "True";
  }
  return false;
}

// Kubernetes' canIgnorePDB: such pods are not healthy, evicting them costs no budget.
bool CanIgnoreBudget(const json::object& pod) {
  const std::string phase = Str(Obj(&pod, "status"), "phase");
  return phase == "Succeeded" || phase == "Failed" || phase == "Pending" ||
         !MetaString(pod, "deletionTimestamp").empty();
}

// 429 with the DisruptionBudget cause (a cause without a field, so built here).
http::Response TooManyRequests(std::string_view cause) {
  json::object body = api::ToJson(Status(Code::kTooManyRequests, std::string(kViolatesBudget)));
  body["details"] = json::object{
      {"causes", json::array{json::object{{"reason", "DisruptionBudget"}, {"message", cause}}}}};
  return JsonResponse(429, body);
}

using Failure = std::optional<http::Response>;
http::Response Fail(const api::ApiError& e) { return ErrorResponse(e); }
http::Response Fail(const Status& s) { return ErrorResponse(s); }

struct Read {
  json::object obj;
  Revision revision = 0;
};

Result<std::optional<Read>> Get(storage::Store& store, const std::string& key) {
  auto got = store.Get(key);
  if (!got.ok()) return got.status();
  if (!got->kv) return std::optional<Read>();
  auto obj = DecodeStored(got->kv->value, got->kv->mod_revision);
  if (!obj.ok()) return obj.status();
  return std::optional<Read>(Read{std::move(*obj), got->kv->mod_revision});
}

class Eviction {
 public:
  Eviction(storage::Store& store, const RequestInfo& info, json::object options, bool dry_run)
      : store_(store),
        info_(info),
        options_(std::move(options)),
        dry_run_(dry_run),
        pod_key_(ObjectKey(info.cluster, TypeOf("", "pods"), info.namespace_, info.name)) {}

  Failure Run() {
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      auto pod = Get(store_, pod_key_);
      if (!pod.ok()) return Fail(pod.status());
      if (!*pod) return Fail(api::NewNotFound("", "pods", info_.name));
      if (CanIgnoreBudget((*pod)->obj)) return DeletePod(std::nullopt);
      auto budgets = BudgetsOf((*pod)->obj);
      if (!budgets.ok()) return Fail(budgets.status());
      if (budgets->empty()) return DeletePod(std::nullopt);
      if (budgets->size() > 1) {
        return Fail(Status(Code::kInternal,
                           "Internal error occurred: This pod has more than one "
                           "PodDisruptionBudget, which the eviction subresource does not "
                           "support."));
      }
      Read& budget = budgets->front();
      if (!Ready((*pod)->obj)) {
        // An unready pod is not counted healthy: deleting it (as long as it stays as read)
        // costs nothing when the policy says so or the budget is met.
        const json::object* spec = Obj(&budget.obj, "spec");
        const json::object* status = Obj(&budget.obj, "status");
        const int64_t desired = Int(status, "desiredHealthy");
        if (Str(spec, "unhealthyPodEvictionPolicy") == "AlwaysAllow" ||
            (desired > 0 && Int(status, "currentHealthy") >= desired)) {
          auto denied = DeletePod((*pod)->revision);
          if (denied && denied->status == 409 && !UserPinnedVersion()) continue;
          return denied;
        }
      }
      if (auto denied = Spend(std::move(budget), MetaString((*pod)->obj, "name"))) return denied;
      return DeletePod(std::nullopt);
    }
    return Fail(api::NewConflict("", "pods", info_.name));
  }

 private:
  bool UserPinnedVersion() const {
    return !Str(Obj(&options_, "preconditions"), "resourceVersion").empty();
  }

  // The budgets of the pod's namespace whose (non-empty) selector selects it.
  Result<std::vector<Read>> BudgetsOf(const json::object& pod) {
    std::vector<Read> out;
    const json::value* labels = Obj(&pod, "metadata") ? Obj(&pod, "metadata")->if_contains("labels")
                                                      : nullptr;
    if (labels == nullptr || !labels->is_object() || labels->get_object().empty()) return out;
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(
        CollectionPrefix(info_.cluster, TypeOf("policy", "poddisruptionbudgets"), info_.namespace_));
    auto listed = store_.List(list);
    if (!listed.ok()) return listed.status();
    for (const auto& kv : listed->kvs) {
      auto pdb = DecodeStored(kv.value, kv.mod_revision);
      if (!pdb.ok()) continue;
      const json::value* sel = Obj(&*pdb, "spec") ? Obj(&*pdb, "spec")->if_contains("selector") : nullptr;
      if (sel == nullptr) continue;
      auto selector = api::LabelSelector::FromJson(*sel);
      // A budget with an empty selector matches nothing here, as in Kubernetes.
      if (!selector.ok() || selector->MatchesEverything() || !selector->Matches(*labels)) continue;
      out.push_back(Read{std::move(*pdb), kv.mod_revision});
    }
    return out;
  }

  // Kubernetes' checkAndDecrement, retried on conflicts with the budget read again.
  Failure Spend(Read budget, std::string_view pod_name) {
    const std::string name(MetaString(budget.obj, "name"));
    const std::string key = ObjectKey(info_.cluster, TypeOf("policy", "poddisruptionbudgets"),
                                      info_.namespace_, name);
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      if (attempt > 0) {
        auto again = Get(store_, key);
        if (!again.ok()) return Fail(again.status());
        if (!*again) return Fail(api::NewNotFound("policy", "poddisruptionbudgets", name));
        budget = std::move(**again);
      }
      json::object& status = budget.obj["status"].is_object()
                                 ? budget.obj["status"].get_object()
                                 : budget.obj["status"].emplace_object();
      const json::object* meta = Obj(&budget.obj, "metadata");
      if (Int(&status, "observedGeneration") < Int(meta, "generation")) {
        return TooManyRequests("The disruption budget " + name +
                               " is still being processed by the server.");
      }
      const int64_t allowed = Int(&status, "disruptionsAllowed");
      if (allowed < 0) {
        return Fail(Status(Code::kForbidden, "poddisruptionbudgets.policy \"" + name +
                                                 "\" is forbidden: pdb disruptions allowed is "
                                                 "negative"));
      }
      const json::object* disrupted = Obj(&status, "disruptedPods");
      if (disrupted && disrupted->size() > kMaxDisruptedPods) {
        return Fail(Status(Code::kForbidden, "poddisruptionbudgets.policy \"" + name +
                                                 "\" is forbidden: DisruptedPods map too big - "
                                                 "too many evictions not confirmed by PDB "
                                                 "controller"));
      }
      if (allowed == 0) {
        return TooManyRequests("The disruption budget " + name + " needs " +
                               std::to_string(Int(&status, "desiredHealthy")) +
                               " healthy pods and has " +
                               std::to_string(Int(&status, "currentHealthy")) + " currently");
      }
      status["disruptionsAllowed"] = allowed - 1;
      if (allowed - 1 == 0) MarkInsufficient(status);
      if (dry_run_) return std::nullopt;
      json::value& pods = status["disruptedPods"];
      if (!pods.is_object()) pods.emplace_object();
      // Tells the disruption controller not to count this pod while its deletion is on the way.
      pods.get_object()[pod_name] = Rfc3339(std::chrono::system_clock::now());
      MutableMetadata(budget.obj).erase("resourceVersion");
      auto updated = store_.Update(key, json::serialize(budget.obj), budget.revision);
      if (updated.ok()) return std::nullopt;
      if (updated.status().code() != Code::kConflict) return Fail(updated.status());
    }
    return Fail(api::NewConflict("policy", "poddisruptionbudgets", name));
  }

  static void MarkInsufficient(json::object& status) {
    json::value& conditions = status["conditions"];
    if (!conditions.is_array()) conditions.emplace_array();
    json::object condition{{"type", "DisruptionAllowed"},
                           {"status", "False"},
                           {"reason", "InsufficientPods"},
                           {"message", ""},
                           {"observedGeneration", Int(&status, "observedGeneration")},
                           {"lastTransitionTime", Rfc3339(std::chrono::system_clock::now())}};
    for (auto& c : conditions.get_array()) {
      json::object* o = c.if_object();
      if (o == nullptr || Str(o, "type") != "DisruptionAllowed") continue;
      if (Str(o, "status") == "False") condition["lastTransitionTime"] = Str(o, "lastTransitionTime");
      *o = std::move(condition);
      return;
    }
    conditions.get_array().push_back(std::move(condition));
  }

  // Deletes the pod with the Eviction's deleteOptions; `at`: only at that revision.
  Failure DeletePod(std::optional<Revision> at) {
    const json::object* pre = Obj(&options_, "preconditions");
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      auto pod = Get(store_, pod_key_);
      if (!pod.ok()) return Fail(pod.status());
      if (!*pod) return Fail(api::NewNotFound("", "pods", info_.name));
      json::object& obj = (*pod)->obj;
      const Revision rev = (*pod)->revision;
      if (const std::string uid = Str(pre, "uid"); !uid.empty() && uid != MetaString(obj, "uid")) {
        return Fail(api::NewConflict("", "pods", info_.name,
                                     "Precondition failed: UID in precondition: " + uid +
                                         ", UID in object meta: " +
                                         std::string(MetaString(obj, "uid"))));
      }
      if (const std::string rv = Str(pre, "resourceVersion");
          !rv.empty() && rv != std::to_string(rev)) {
        return Fail(api::NewConflict("", "pods", info_.name,
                                     "Precondition failed: ResourceVersion in precondition: " +
                                         rv + ", ResourceVersion in object meta: " +
                                         std::to_string(rev)));
      }
      if (at && *at != rev) return Fail(api::NewConflict("", "pods", info_.name));
      if (dry_run_) return std::nullopt;
      json::object& meta = MutableMetadata(obj);
      const json::value* finalizers = meta.if_contains("finalizers");
      if (finalizers && finalizers->is_array() && !finalizers->get_array().empty()) {
        // As any delete of an object with finalizers: marked, their owners complete it.
        if (meta.contains("deletionTimestamp")) return std::nullopt;
        meta["deletionTimestamp"] = Rfc3339(std::chrono::system_clock::now());
        meta["deletionGracePeriodSeconds"] = 0;
        meta.erase("resourceVersion");
        auto updated = store_.Update(pod_key_, json::serialize(obj), rev);
        if (updated.ok()) return std::nullopt;
        if (updated.status().code() != Code::kConflict || at) return Fail(updated.status());
        continue;
      }
      auto deleted = store_.Delete(pod_key_, rev);
      if (deleted.ok()) return std::nullopt;
      if (deleted.status().code() == Code::kNotFound) return Fail(api::NewNotFound("", "pods", info_.name));
      if (deleted.status().code() != Code::kConflict || at) return Fail(deleted.status());
    }
    return Fail(api::NewConflict("", "pods", info_.name));
  }

  storage::Store& store_;
  const RequestInfo& info_;
  const json::object options_;
  const bool dry_run_;
  const std::string pod_key_;
};

Result<json::object> DecodeEviction(std::string_view content_type, std::string_view body) {
  if (content_type == api::protobuf::kProtobufMediaType) return api::protobuf::DecodeObject(body);
  auto parsed = content_type == "application/yaml" ? api::YamlToJson(body) : api::DecodeJson(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status(Code::kBadRequest, "the request body is not a JSON object");
  }
  return std::move(parsed->get_object());
}

bool HasDryRunAll(const json::object* options) {
  const json::value* d = options ? options->if_contains("dryRun") : nullptr;
  if (d == nullptr || !d->is_array()) return false;
  for (const auto& v : d->get_array()) {
    if (v.is_string() && v.get_string() == "All") return true;
  }
  return false;
}

}  // namespace

void ServeEviction(storage::Store& store, std::shared_ptr<http::Exchange> exchange,
                   const RequestInfo& info) {
  if (info.verb != "create") {
    return exchange->Respond(
        ErrorResponse(api::NewMethodNotSupported("", "pods/eviction", info.verb)));
  }
  exchange->ReadBodyToString(kMaxBodyBytes, [&store, exchange, info](Status st, std::string body) {
    if (!st.ok()) return exchange->Respond(ErrorResponse(st));
    std::string_view content_type = exchange->request().Header("Content-Type");
    content_type = content_type.substr(0, content_type.find(';'));
    auto eviction = DecodeEviction(content_type, body);
    if (!eviction.ok()) return exchange->Respond(ErrorResponse(eviction.status()));
    const std::string kind = Str(&*eviction, "kind"), api_version = Str(&*eviction, "apiVersion");
    if ((!kind.empty() && kind != "Eviction") ||
        (!api_version.empty() && api_version != "policy/v1" && api_version != "policy/v1beta1")) {
      return exchange->Respond(ErrorResponse(Status(
          Code::kBadRequest, "the body of an eviction must be a policy/v1 or policy/v1beta1 "
                             "Eviction, not " + api_version + " " + kind)));
    }
    if (Str(Obj(&*eviction, "metadata"), "name") != info.name) {
      return exchange->Respond(
          ErrorResponse(api::NewBadRequest("name in URL does not match name in Eviction object")));
    }
    const json::object* options = Obj(&*eviction, "deleteOptions");
    const bool dry_run =
        exchange->request().QueryParam("dryRun").value_or("") == "All" || HasDryRunAll(options);
    Eviction run(store, info, options ? *options : json::object(), dry_run);
    if (auto denied = run.Run()) return exchange->Respond(std::move(*denied));
    exchange->Respond(JsonResponse(201, json::object{{"kind", "Status"},
                                                     {"apiVersion", "v1"},
                                                     {"metadata", json::object()},
                                                     {"status", "Success"},
                                                     {"code", 201}}));
  });
}

}  // namespace carrier::apiserver
