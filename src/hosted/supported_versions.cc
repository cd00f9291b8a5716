#include "hosted/supported_versions.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "carrier/version.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::hosted {

namespace json = boost::json;

namespace {

std::string VersionsJson() {
  json::array versions;
  for (const auto& v : SupportedVersions()) versions.emplace_back(v);
  return json::serialize(json::object{{"versions", std::move(versions)}});
}

json::object DesiredData() {
  return json::object{{"supported-versions", VersionsJson()}, {"server-version", kVersion}};
}

}  // namespace

const std::vector<std::string>& SupportedVersions() {
  // The hosted versions of OpenShift 4.19's hosted control planes (4.14 to 4.19).
  static const std::vector<std::string> versions = {"4.19", "4.18", "4.17", "4.16", "4.15", "4.14"};
  return versions;
}

Status EnsureSupportedVersions(storage::Store& store) {
  const std::string root = "root";
  const auto& ns_type = controllers::BuiltInType("", "namespaces");
  const std::string ns_key = controllers::StoreKey(root, ns_type, "", kOperatorNamespace);
  auto ns = controllers::GetObject(store, ns_key);
  if (!ns.ok()) return ns.status();
  if (!*ns) {
    json::object obj{
        {"apiVersion", "v1"},
        {"kind", "Namespace"},
        {"metadata", json::object{{"name", kOperatorNamespace},
                                  {"labels", json::object{{"kubernetes.io/metadata.name",
                                                           kOperatorNamespace}}}}},
        {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
        {"status", json::object{{"phase", "Active"}}}};
    Status st = controllers::CreateObject(store, ns_key, std::move(obj));
    if (!st.ok() && st.code() != Code::kAlreadyExists) return st;
  }
  const auto& cm_type = controllers::BuiltInType("", "configmaps");
  const std::string key = controllers::StoreKey(root, cm_type, kOperatorNamespace, kSupportedVersionsName);
  auto cm = controllers::GetObject(store, key);
  if (!cm.ok()) return cm.status();
  const json::object labels{{"hypershift.openshift.io/supported-versions", "true"}};
  if (!*cm) {
    json::object obj{{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", json::object{{"name", kSupportedVersionsName},
                                               {"namespace", kOperatorNamespace},
                                               {"labels", labels}}},
                     {"data", DesiredData()}};
    Status st = controllers::CreateObject(store, key, std::move(obj));
    return st.code() == Code::kAlreadyExists ? Status() : st;
  }
  json::object& obj = *(*cm)->object;
  json::object& meta = apiserver::MutableMetadata(obj);
  const json::value* have_labels = meta.if_contains("labels");
  const bool labelled = have_labels && have_labels->is_object() &&
                        controllers::LabelOf(obj, "hypershift.openshift.io/supported-versions") == "true";
  if (labelled && obj.contains("data") && obj.at("data") == json::value(DesiredData())) return {};
  obj["data"] = DesiredData();
  if (!have_labels || !have_labels->is_object()) meta["labels"] = json::object();
  meta["labels"].as_object()["hypershift.openshift.io/supported-versions"] = "true";
  return controllers::UpdateObject(store, **cm);
}

std::vector<std::string> ReadSupportedVersions(storage::Store& store) {
  const auto& cm_type = controllers::BuiltInType("", "configmaps");
  auto cm = controllers::GetObject(
      store, controllers::StoreKey("root", cm_type, kOperatorNamespace, kSupportedVersionsName));
  std::vector<std::string> out;
  if (!cm.ok() || !*cm) return out;
  const std::string text =
      controllers::StringAt(controllers::ObjectAt((*cm)->object, "data"), "supported-versions");
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return out;
  if (const json::array* versions = controllers::ArrayAt(&parsed.as_object(), "versions")) {
    for (const auto& v : *versions) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

}  // namespace carrier::hosted
