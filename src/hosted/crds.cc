#include "hosted/crds.h"

#include <boost/json.hpp>

#include "api/yaml_json.h"
#include "apiserver/crd_strategy.h"
#include "apiserver/object_meta.h"
#include "controllers/objects.h"

namespace carrier::hosted {

namespace json = boost::json;

namespace {

Result<json::object> ManifestObject(std::string_view file) {
  for (const auto& m : EmbeddedManifests()) {
    if (m.file != file) continue;
    auto value = api::YamlToJson(m.text);
    if (!value.ok()) return Internal("CRD manifest " + std::string(file) + ": " + value.status().message());
    if (!value->is_object()) return Internal("CRD manifest " + std::string(file) + " is not an object");
    return std::move(value->as_object());
  }
  return Internal("no embedded CRD manifest " + std::string(file));
}

Status InstallOne(storage::Store& store, const std::string& cluster, std::string_view file) {
  auto crd = ManifestObject(file);
  if (!crd.ok()) return crd.status();
  apiserver::DefaultCrd(*crd);
  auto errors = apiserver::ValidateCrd(*crd, nullptr);
  if (!errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e.ToString();
    return Internal("CRD manifest " + std::string(file) + " is invalid: " + text);
  }
  const std::string name(apiserver::MetaString(*crd, "name"));
  const auto& crd_type = controllers::BuiltInType("apiextensions.k8s.io", "customresourcedefinitions");
  const std::string key = controllers::StoreKey(cluster, crd_type, "", name);
  auto existing = controllers::GetObject(store, key);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    apiserver::SetCrdStatus(*crd, nullptr, "");
    apiserver::MutableMetadata(*crd)["generation"] = 1;
    Status st = controllers::CreateObject(store, key, std::move(*crd));
    return st.code() == Code::kAlreadyExists ? Status() : st;  // another replica was first
  }
  json::object& stored = *(*existing)->object;
  if (stored.contains("spec") && stored.at("spec") == crd->at("spec")) return {};
  const json::object old = stored;
  stored["spec"] = crd->at("spec");
  json::object& meta = apiserver::MutableMetadata(stored);
  const json::value* generation = meta.if_contains("generation");
  meta["generation"] = (generation && generation->is_int64() ? generation->get_int64() : 1) + 1;
  apiserver::SetCrdStatus(stored, &old, "");
  return controllers::UpdateObject(store, **existing);
}

}  // namespace

Status InstallCrds(storage::Store& store, const std::string& cluster,
                   const std::vector<std::string_view>& files) {
  for (auto file : files) CARRIER_RETURN_IF_ERROR(InstallOne(store, cluster, file));
  return {};
}

Status InstallManagementCrds(storage::Store& store) {
  return InstallCrds(store, "root",
                     {"hostedclusters.yaml", "nodepools.yaml", "hostedcontrolplanes.yaml"});
}

Status InstallHostedClusterCrds(storage::Store& store, const std::string& cluster) {
  return InstallCrds(store, cluster, {"clusterversions.yaml"});
}

}  // namespace carrier::hosted
