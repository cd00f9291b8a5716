#include "apiserver/discovery.h"

#include <boost/json.hpp>
#include <algorithm>
#include <cctype>

#include "carrier/version.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

DiscoveryDocument Json(const json::value& v) { return {"application/json", json::serialize(v)}; }

json::object ResourceList(const std::vector<ResourceType>& types, const std::string& group,
                          const std::string& version) {
  json::array resources;
  for (const auto& t : types) {
    if (t.group != group || t.version != version) continue;
    json::object r{{"name", t.resource},
                   {"singularName", t.singular},
                   {"namespaced", t.namespaced},
                   {"kind", t.kind},
                   {"verbs", json::value_from(t.verbs.empty() ? StandardVerbs() : t.verbs)}};
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
    for (const auto& sub : t.subresources) {
      resources.push_back(json::object{{"name", t.resource + "/" + sub},
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

json::object Kind(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"version", version}, {"kind", kind}};
}

// One resource of an APIVersionDiscovery (apidiscovery.k8s.io), subresources included.
json::object AggregatedResource(const ResourceType& t) {
  json::object r{{"resource", t.resource},
                 {"responseKind", Kind(t.group, t.version, t.kind)},
                 {"scope", t.namespaced ? "Namespaced" : "Cluster"},
                 {"singularResource", t.singular},
                 {"verbs", json::value_from(StandardVerbs())}};
  if (!t.short_names.empty()) r["shortNames"] = json::value_from(t.short_names);
  if (!t.categories.empty()) r["categories"] = json::value_from(t.categories);
  json::array subresources;
  const json::array sub_verbs{"get", "patch", "update"};
  if (t.has_scale) {
    subresources.push_back(json::object{{"subresource", "scale"},
                                        {"responseKind", Kind("autoscaling", "v1", "Scale")},
                                        {"verbs", sub_verbs}});
  }
  if (t.has_status) {
    subresources.push_back(json::object{{"subresource", "status"},
                                        {"responseKind", Kind(t.group, t.version, t.kind)},
                                        {"verbs", sub_verbs}});
  }
  for (const auto& sub : t.subresources) {
    subresources.push_back(json::object{{"subresource", sub},
                                        {"responseKind", Kind(t.group, t.version, t.kind)},
                                        {"verbs", sub_verbs}});
  }
  if (!subresources.empty()) r["subresources"] = std::move(subresources);
  return r;
}

// An APIGroupDiscovery: the group's versions in priority order, each with its resources.
json::object AggregatedGroup(const std::vector<ResourceType>& types, const std::string& group,
                             std::vector<std::string> versions) {
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return VersionPrecedes(a, b); });
  json::array list;
  for (const auto& v : versions) {
    json::array resources;
    for (const auto& t : types) {
      if (t.group == group && t.version == v) resources.push_back(AggregatedResource(t));
    }
    list.push_back(json::object{
        {"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
  }
  json::object metadata{{"creationTimestamp", nullptr}};
  if (!group.empty()) metadata["name"] = group;
  return {{"metadata", std::move(metadata)}, {"versions", std::move(list)}};
}

// Groups (core first if present) and their versions, in order of first appearance.
std::vector<std::pair<std::string, std::vector<std::string>>> GroupsOf(
    const std::vector<ResourceType>& types) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& t : types) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == t.group; });
    if (it == groups.end()) {
      groups.push_back({t.group, {}});
      it = groups.end() - 1;
    }
    if (std::find(it->second.begin(), it->second.end(), t.version) == it->second.end()) {
      it->second.push_back(t.version);
    }
  }
  return groups;
}

std::string Members(const json::array& a) {
  std::string s = json::serialize(a);
  return s.substr(1, s.size() - 2);
}

}  // namespace

Discovery::Discovery(const ResourceCatalog& catalog, std::string server_address)
    : openapi_(catalog) {
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

  // A group's versions in registration order; the first is the preferred one.
  std::vector<std::pair<std::string, json::array>> group_versions;
  for (const auto& [group, version] : catalog.GroupVersions()) {
    if (group.empty()) {
      documents_["/api/" + version] = Json(ResourceList(catalog.types(), group, version));
      continue;
    }
    documents_["/apis/" + group + "/" + version] = Json(ResourceList(catalog.types(), group, version));
    auto it = std::find_if(group_versions.begin(), group_versions.end(),
                           [&](const auto& g) { return g.first == group; });
    if (it == group_versions.end()) {
      group_versions.emplace_back(group, json::array());
      it = group_versions.end() - 1;
    }
    it->second.push_back(json::object{{"groupVersion", group + "/" + version}, {"version", version}});
  }
  json::array groups;
  for (auto& [group, versions] : group_versions) {
    json::value preferred = versions.front();
    json::object g{{"kind", "APIGroup"},
                   {"apiVersion", "v1"},
                   {"name", group},
                   {"versions", std::move(versions)},
                   {"preferredVersion", std::move(preferred)}};
    documents_["/apis/" + group] = Json(g);
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(std::move(g));
  }
  builtin_groups_ = json::serialize(groups);
  documents_["/apis"] =
      Json(json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});

  json::array core, others;
  for (const auto& [group, versions] : GroupsOf(catalog.types())) {
    (group.empty() ? core : others).push_back(AggregatedGroup(catalog.types(), group, versions));
  }
  aggregated_core_ = Members(core);
  aggregated_groups_ = Members(others);
}

std::string_view AggregatedDiscoveryVersion(std::string_view accept) {
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string_view range =
        accept.substr(pos, comma == std::string_view::npos ? accept.npos : comma - pos);
    pos = comma == std::string_view::npos ? accept.size() + 1 : comma + 1;
    auto trim = [](std::string_view s) {
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      return s;
    };
    std::string_view type = trim(range.substr(0, range.find(';')));
    std::string_view g, v, as;
    for (size_t semi = range.find(';'); semi != std::string_view::npos;) {
      size_t next = range.find(';', semi + 1);
      std::string_view param = trim(range.substr(semi + 1, next == range.npos ? range.npos : next - semi - 1));
      size_t eq = param.find('=');
      if (eq != std::string_view::npos) {
        std::string_view key = trim(param.substr(0, eq)), value = trim(param.substr(eq + 1));
        if (key == "g") g = value;
        if (key == "v") v = value;
        if (key == "as") as = value;
      }
      semi = next;
    }
    const bool json_type = type == "application/json" || type == "application/*" || type == "*/*";
    if (!json_type) continue;
    if (as.empty() && g.empty()) return "";
    if (g == "apidiscovery.k8s.io" && as == "APIGroupDiscoveryList") {
      if (v == "v2") return "v2";
      if (v == "v2beta1") return "v2beta1";
    }
  }
  return "";
}

DiscoveryDocument Discovery::Aggregated(std::string_view path, std::string_view version,
                                        const CustomTypeSet& custom) const {
  std::string items = path == "/api" ? aggregated_core_ : aggregated_groups_;
  if (path != "/api" && !custom.types.empty()) {
    json::array extra;
    for (const auto& [group, versions] : GroupsOf(custom.types)) {
      extra.push_back(AggregatedGroup(custom.types, group, versions));
    }
    std::string more = Members(extra);
    if (!more.empty()) items = items.empty() ? more : items + "," + more;
  }
  const std::string api_version = "apidiscovery.k8s.io/" + std::string(version);
  std::string body = "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":\"" + api_version +
                     "\",\"metadata\":{},\"items\":[" + items + "]}";
  return {"application/json;g=apidiscovery.k8s.io;v=" + std::string(version) +
              ";as=APIGroupDiscoveryList",
          std::move(body)};
}

namespace {

struct ParsedVersion {
  int major = 0;
  int stage = 3;  // 3 GA, 2 beta, 1 alpha, 0 not a Kubernetes version
  int minor = 0;
};

ParsedVersion ParseVersion(std::string_view v) {
  ParsedVersion p;
  p.stage = 0;
  if (v.size() < 2 || v[0] != 'v' || v[1] < '1' || v[1] > '9') return p;
  size_t i = 1;
  int major = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) major = major * 10 + (v[i++] - '0');
  std::string_view rest = v.substr(i);
  int stage = 3;
  if (rest.rfind("beta", 0) == 0) {
    stage = 2;
    rest.remove_prefix(4);
  } else if (rest.rfind("alpha", 0) == 0) {
    stage = 1;
    rest.remove_prefix(5);
  } else if (!rest.empty()) {
    return p;
  }
  if (stage != 3 && rest.empty()) return p;
  int minor = 0;
  for (char ch : rest) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return p;
    minor = minor * 10 + (ch - '0');
  }
  return {major, stage, minor};
}

}  // namespace

bool VersionPrecedes(std::string_view a, std::string_view b) {
  ParsedVersion pa = ParseVersion(a), pb = ParseVersion(b);
  if (pa.stage == 0 || pb.stage == 0) {
    if (pa.stage != pb.stage) return pa.stage != 0;
    return a < b;
  }
  if (pa.stage != pb.stage) return pa.stage > pb.stage;
  if (pa.major != pb.major) return pa.major > pb.major;
  return pa.minor > pb.minor;
}

std::optional<DiscoveryDocument> Discovery::FindCustom(std::string_view path,
                                                       const CustomTypeSet& custom) const {
  // Groups and their versions, in order of first appearance (versions sorted by priority below).
  const auto groups = GroupsOf(custom.types);
  auto group_json = [](const std::string& name, std::vector<std::string> versions) {
    std::sort(versions.begin(), versions.end(),
              [](const std::string& a, const std::string& b) { return VersionPrecedes(a, b); });
    json::array list;
    for (const auto& v : versions) {
      list.push_back(json::object{{"groupVersion", name + "/" + v}, {"version", v}});
    }
    json::value preferred = list.front();
    return json::object{{"name", name}, {"versions", std::move(list)},
                        {"preferredVersion", std::move(preferred)}};
  };
  if (path == "/apis") {
    json::array all = json::parse(builtin_groups_).as_array();
    for (const auto& [name, versions] : groups) all.push_back(group_json(name, versions));
    return Json(json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", all}});
  }
  if (path.rfind("/apis/", 0) != 0) return std::nullopt;
  std::string_view rest = path.substr(6);
  const size_t slash = rest.find('/');
  const std::string group(rest.substr(0, slash));
  auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == group; });
  if (it == groups.end()) return std::nullopt;
  if (slash == std::string_view::npos) {
    json::object g = group_json(group, it->second);
    g["kind"] = "APIGroup";
    g["apiVersion"] = "v1";
    return Json(g);
  }
  const std::string version(rest.substr(slash + 1));
  if (std::find(it->second.begin(), it->second.end(), version) == it->second.end()) {
    return std::nullopt;
  }
  return Json(ResourceList(custom.types, group, version));
}

std::optional<DiscoveryDocument> Discovery::Find(std::string_view path, std::string_view accept,
                                                 const CustomTypeSet& custom) const {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.rfind("/openapi/", 0) == 0) {
    auto doc = openapi_.Find(path, accept, custom);
    if (!doc) return std::nullopt;
    return DiscoveryDocument{std::move(doc->content_type), std::move(doc->body)};
  }
  if (path == "/api" || path == "/apis") {
    if (auto version = AggregatedDiscoveryVersion(accept); !version.empty()) {
      return Aggregated(path, version, custom);
    }
  }
  if (!custom.types.empty()) {
    if (auto doc = FindCustom(path, custom)) return doc;
  }
  auto it = documents_.find(path);
  if (it == documents_.end()) return std::nullopt;
  return it->second;
}

}  // namespace carrier::apiserver
