#include "hcp/manifests.h"

#include <arpa/inet.h>

#include <boost/json.hpp>

#include "api/yaml_json.h"
#include "base/base64.h"

namespace carrier::hcp {

namespace json = boost::json;

namespace {

json::object Meta(const std::string& name, const std::string& ns) {
  json::object m{{"name", name}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

bool ValidCidr(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string::npos) return false;
  const std::string address = cidr.substr(0, slash), bits = cidr.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos) return false;
  const int prefix = std::stoi(bits);
  unsigned char buf[16];
  if (inet_pton(AF_INET, address.c_str(), buf) == 1) return prefix <= 32;
  if (inet_pton(AF_INET6, address.c_str(), buf) == 1) return prefix <= 128;
  return false;
}

// Every control-plane service, published on NodePort at the given address (the Agent CLI's
// default; it needs no load balancer, router or DNS).
json::array Services(const std::string& address) {
  json::array out;
  for (const char* service : {"APIServer", "OAuthServer", "Konnectivity", "Ignition"}) {
    out.push_back(json::object{
        {"service", service},
        {"servicePublishingStrategy",
         json::object{{"type", "NodePort"}, {"nodePort", json::object{{"address", address}}}}}});
  }
  return out;
}

}  // namespace

std::string DefaultReleaseImage() {
  return "quay.io/openshift-release-dev/ocp-release:" + std::string(kLatestSupportedVersion) + "-x86_64";
}

Status Validate(const ClusterOptions& o) {
  auto invalid = [](const std::string& m) { return Status(Code::kInvalidArgument, m); };
  if (o.name.empty()) return invalid("--name is required");
  if (o.pull_secret.empty()) return invalid("--pull-secret is required (a file with the pull secret)");
  if (o.platform == "Agent" && o.agent_namespace.empty()) return invalid("--agent-namespace is required");
  if (o.control_plane_availability_policy != "HighlyAvailable" &&
      o.control_plane_availability_policy != "SingleReplica") {
    return invalid("--control-plane-availability-policy must be HighlyAvailable or SingleReplica, not \"" +
                   o.control_plane_availability_policy + "\"");
  }
  if (!ValidCidr(o.cluster_cidr)) return invalid("--cluster-cidr \"" + o.cluster_cidr + "\" is not a CIDR");
  if (!ValidCidr(o.service_cidr)) return invalid("--service-cidr \"" + o.service_cidr + "\" is not a CIDR");
  boost::system::error_code ec;
  json::parse(o.pull_secret, ec);
  if (ec) return invalid("the pull secret is not JSON (expected a docker config such as {\"auths\":{...}})");
  return {};
}

std::vector<json::object> ClusterManifests(const ClusterOptions& o) {
  std::vector<json::object> out;
  out.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", Meta(o.namespace_, "")}});
  const std::string pull_secret_name = o.name + "-pull-secret";
  out.push_back({{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", Meta(pull_secret_name, o.namespace_)},
                 {"data", json::object{{".dockerconfigjson", Base64Encode(o.pull_secret)}}}});
  const std::string ssh_secret_name = o.name + "-ssh-key";
  if (!o.ssh_public_key.empty()) {
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", Meta(ssh_secret_name, o.namespace_)},
                   {"data", json::object{{"id_rsa.pub", Base64Encode(o.ssh_public_key)}}}});
  }
  if (!o.additional_trust_bundle.empty()) {
    out.push_back({{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", Meta("user-ca-bundle", o.namespace_)},
                   {"data", json::object{{"ca-bundle.crt", o.additional_trust_bundle}}}});
  }
  const std::string release = o.release_image.empty() ? DefaultReleaseImage() : o.release_image;
  json::object platform{{"type", o.platform}};
  if (o.platform == "Agent") platform["agent"] = json::object{{"agentNamespace", o.agent_namespace}};
  json::object persistent{{"size", "8Gi"}};
  if (!o.etcd_storage_class.empty()) persistent["storageClassName"] = o.etcd_storage_class;
  json::object spec{
      {"release", json::object{{"image", release}}},
      {"pullSecret", json::object{{"name", pull_secret_name}}},
      {"networking", json::object{{"clusterNetwork", json::array{json::object{{"cidr", o.cluster_cidr}}}},
                                  {"serviceNetwork", json::array{json::object{{"cidr", o.service_cidr}}}},
                                  {"networkType", "OVNKubernetes"}}},
      {"platform", std::move(platform)},
      {"controllerAvailabilityPolicy", o.control_plane_availability_policy},
      {"infrastructureAvailabilityPolicy", o.control_plane_availability_policy},
      {"etcd", json::object{{"managementType", "Managed"},
                            {"managed", json::object{{"storage", json::object{{"type", "PersistentVolume"},
                                                                              {"persistentVolume", std::move(persistent)}}}}}}},
      {"services", Services(o.api_server_address)}};
  if (!o.base_domain.empty()) spec["dns"] = json::object{{"baseDomain", o.base_domain}};
  if (!o.ssh_public_key.empty()) spec["sshKey"] = json::object{{"name", ssh_secret_name}};
  if (!o.additional_trust_bundle.empty()) spec["additionalTrustBundle"] = json::object{{"name", "user-ca-bundle"}};
  if (!o.image_content_sources.empty()) {
    json::array sources;
    for (const auto& [source, mirrors] : o.image_content_sources) {
      json::array m;
      for (const auto& mirror : mirrors) m.push_back(json::string(mirror));
      sources.push_back(json::object{{"source", source}, {"mirrors", std::move(m)}});
    }
    spec["imageContentSources"] = std::move(sources);
  }
  out.push_back({{"apiVersion", "hypershift.openshift.io/v1beta1"},
                 {"kind", "HostedCluster"},
                 {"metadata", Meta(o.name, o.namespace_)},
                 {"spec", std::move(spec)}});
  if (o.node_pool_replicas >= 0) {
    NodePoolOptions np;
    np.platform = o.platform;
    np.cluster_name = o.name;
    np.name = o.name;
    np.namespace_ = o.namespace_;
    np.node_count = o.node_pool_replicas;
    np.release_image = release;
    out.push_back(NodePoolManifest(np));
  }
  return out;
}

json::object NodePoolManifest(const NodePoolOptions& o) {
  json::object platform{{"type", o.platform}};
  if (o.platform == "Agent") {
    json::object labels;
    size_t start = 0;
    while (start < o.agent_label_selector.size()) {
      size_t comma = o.agent_label_selector.find(',', start);
      if (comma == std::string::npos) comma = o.agent_label_selector.size();
      const std::string pair = o.agent_label_selector.substr(start, comma - start);
      if (size_t eq = pair.find('='); eq != std::string::npos) labels[pair.substr(0, eq)] = pair.substr(eq + 1);
      start = comma + 1;
    }
    json::object selector;
    if (!labels.empty()) selector["matchLabels"] = std::move(labels);
    platform["agent"] = json::object{{"agentLabelSelector", std::move(selector)}};
  }
  return {{"apiVersion", "hypershift.openshift.io/v1beta1"},
          {"kind", "NodePool"},
          {"metadata", Meta(o.name, o.namespace_)},
          {"spec", json::object{{"clusterName", o.cluster_name},
                                {"replicas", o.node_count},
                                {"management", json::object{{"upgradeType", "InPlace"}, {"autoRepair", false}}},
                                {"platform", std::move(platform)},
                                {"release", json::object{{"image", o.release_image}}}}}};
}

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> ParseImageContentSources(
    const std::string& text) {
  auto doc = api::YamlToJson(text);
  if (!doc.ok()) return Status(Code::kInvalidArgument, "--image-content-sources: " + doc.status().message());
  if (!doc->is_array()) return Status(Code::kInvalidArgument, "--image-content-sources: expected a list of {source, mirrors}");
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& entry : doc->get_array()) {
    const json::object* o = entry.if_object();
    const json::value* source = o ? o->if_contains("source") : nullptr;
    const json::value* mirrors = o ? o->if_contains("mirrors") : nullptr;
    if (!source || !source->is_string() || !mirrors || !mirrors->is_array()) {
      return Status(Code::kInvalidArgument, "--image-content-sources: every entry needs source and mirrors");
    }
    std::vector<std::string> m;
    for (const auto& mirror : mirrors->get_array()) {
      if (!mirror.is_string()) return Status(Code::kInvalidArgument, "--image-content-sources: mirrors are strings");
      m.emplace_back(mirror.get_string());
    }
    out.emplace_back(std::string(source->get_string()), std::move(m));
  }
  return out;
}

}  // namespace carrier::hcp
