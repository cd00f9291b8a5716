#include "controllers/service_account_controller.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {
constexpr std::string_view kRootCaConfigMap = "kube-root-ca.crt";
}

void ServiceAccountController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (!ref.group.empty()) return;
  if (ref.resource == "namespaces" && change.type == Change::Type::kPut) {
    keys.push_back(ref.cluster + "/" + ref.name);
  } else if (change.type == Change::Type::kDelete &&
             ((ref.resource == "serviceaccounts" && ref.name == "default") ||
              (ref.resource == "configmaps" && ref.name == kRootCaConfigMap))) {
    keys.push_back(ref.cluster + "/" + ref.namespace_);
  }
}

Status ServiceAccountController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), ns = key.substr(slash + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("", "namespaces"), "", ns));
  if (!got.ok()) return got.status();
  if (!*got || !apiserver::MetaString(*(*got)->object, "deletionTimestamp").empty()) return {};

  const auto& sa_type = BuiltInType("", "serviceaccounts");
  Status sa = CreateObject(store_, StoreKey(cluster, sa_type, ns, "default"),
                           json::object{{"apiVersion", "v1"},
                                        {"kind", "ServiceAccount"},
                                        {"metadata", json::object{{"name", "default"},
                                                                  {"namespace", ns}}}});
  if (!sa.ok() && sa.code() != Code::kAlreadyExists) return sa;

  const auto& cm_type = BuiltInType("", "configmaps");
  const std::string cm_key = StoreKey(cluster, cm_type, ns, kRootCaConfigMap);
  const std::string bundle = ca_bundle_(cluster);
  auto existing = GetObject(store_, cm_key);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    Status cm = CreateObject(
        store_, cm_key,
        json::object{{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", json::object{{"name", kRootCaConfigMap}, {"namespace", ns}}},
                     {"data", json::object{{"ca.crt", bundle}}}});
    return cm.code() == Code::kAlreadyExists ? Status() : cm;
  }
  // Keep the bundle current (the CA may be rotated).
  json::object& cm = *(*existing)->object;
  const json::value* data = cm.if_contains("data");
  const json::value* current = data && data->is_object() ? data->get_object().if_contains("ca.crt")
                                                         : nullptr;
  if (current && current->is_string() && current->get_string() == bundle) return {};
  cm["data"] = json::object{{"ca.crt", bundle}};
  return UpdateObject(store_, **existing);
}

}  // namespace carrier::controllers
