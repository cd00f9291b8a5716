#include "apiserver/discovery.h"

#include <boost/json.hpp>

#include "carrier/version.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

DiscoveryDocument Json(const json::value& v) { return {"application/json", json::serialize(v)}; }

json::object ResourceList(const ResourceCatalog& catalog, const std::string& group,
                          const std::string& version) {
  json::array resources;
  for (const auto& t : catalog.types()) {
    if (t.group != group || t.version != version) continue;
    json::object r{{"name", t.resource},
                   {"singularName", t.singular},
                   {"namespaced", t.namespaced},
                   {"kind", t.kind},
                   {"verbs", json::value_from(StandardVerbs())}};
    if (!t.short_names.empty()) r["shortNames"] = json::value_from(t.short_names);
    if (!t.categories.empty()) r["categories"] = json::value_from(t.categories);
    resources.push_back(std::move(r));
    if (t.has_status) {
      resources.push_back(json::object{{"name", t.resource + "/status"},
                                       {"singularName", ""},
                                       {"namespaced", t.namespaced},
                                       {"kind", t.kind},
                                       {"verbs", json::array{"get", "patch", "update"}}});
    }
    if (t.has_scale) {
      resources.push_back(json::object{{"name", t.resource + "/scale"},
                                       {"singularName", ""},
                                       {"namespaced", t.namespaced},
                                       {"group", "autoscaling"},
                                       {"version", "v1"},
                                       {"kind", "Scale"},
                                       {"verbs", json::array{"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", std::move(resources)}};
}

// A minimal OpenAPI v2 Document in the protobuf encoding kubectl requests: swagger "2.0",
// info {title, version} and empty paths. Kinds it does not describe are not validated
// client-side; the server validates every write.
std::string OpenApiV2Protobuf() {
  auto field = [](int number, std::string_view bytes) {
    std::string out;
    out += static_cast<char>((number << 3) | 2);  // wire type 2: length-delimited
    out += static_cast<char>(bytes.size());      // every part here is shorter than 128 bytes
    out += bytes;
    return out;
  };
  std::string info = field(1, "Carrier") + field(2, std::string("v") + kVersion);
  return field(1, "2.0") + field(2, info) + field(8, "");
}

}  // namespace

Discovery::Discovery(const ResourceCatalog& catalog, std::string server_address) {
  documents_["/version"] = Json(json::object{
      {"major", kKubernetesMajor},
      {"minor", kKubernetesMinor},
      {"gitVersion", "v" + std::string(kKubernetesMajor) + "." + std::string(kKubernetesMinor) +
                         ".0+carrier-" + kVersion},
      {"gitCommit", ""},
      {"gitTreeState", "clean"},
      {"buildDate", ""},
      {"goVersion", ""},
      {"compiler", "g++"},
      {"platform", "linux/amd64"}});
  documents_["/api"] = Json(json::object{
      {"kind", "APIVersions"},
      {"versions", json::array{"v1"}},
      {"serverAddressByClientCIDRs",
       json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}});

  json::array groups;
  for (const auto& [group, version] : catalog.GroupVersions()) {
    if (group.empty()) {
      documents_["/api/" + version] = Json(ResourceList(catalog, group, version));
      continue;
    }
    json::object gv{{"groupVersion", group + "/" + version}, {"version", version}};
    json::object g{{"kind", "APIGroup"},
                   {"apiVersion", "v1"},
                   {"name", group},
                   {"versions", json::array{gv}},
                   {"preferredVersion", gv}};
    documents_["/apis/" + group] = Json(g);
    documents_["/apis/" + group + "/" + version] = Json(ResourceList(catalog, group, version));
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(std::move(g));
  }
  documents_["/apis"] =
      Json(json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  documents_["/openapi/v2"] = {"application/octet-stream", OpenApiV2Protobuf()};
  documents_["/openapi/v3"] = Json(json::object{{"paths", json::object()}});
}

std::optional<DiscoveryDocument> Discovery::Find(std::string_view path) const {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto it = documents_.find(path);
  if (it == documents_.end()) return std::nullopt;
  return it->second;
}

}  // namespace carrier::apiserver
