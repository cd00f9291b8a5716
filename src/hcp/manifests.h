#pragma once
// The objects `hcp create cluster <platform>` and `hcp create nodepool <platform>` write, as
// the OpenShift documents describe them: the namespace, the pull-secret Secret
// `<name>-pull-secret`, the SSH key Secret `<name>-ssh-key`, the `user-ca-bundle` ConfigMap,
// the hypershift.openshift.io/v1beta1 HostedCluster and its NodePool. Pure functions, so the
// shape is testable without a server.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace carrier::hcp {

// The newest OpenShift release this client knows; the default --release-image.
inline constexpr std::string_view kLatestSupportedVersion = "4.17.0";
std::string DefaultReleaseImage();

struct ClusterOptions {
  std::string platform;  // "None" or "Agent"
  std::string name;
  std::string namespace_ = "clusters";
  std::string pull_secret;  // file contents (a docker config JSON)
  std::string release_image;
  std::string base_domain;
  std::string api_server_address;  // NodePort address of every published service
  std::string ssh_public_key;      // file contents; empty: none
  int node_pool_replicas = 0;      // < 0: no NodePool
  std::string agent_namespace;     // Agent only
  std::string control_plane_availability_policy = "HighlyAvailable";
  std::string etcd_storage_class;
  std::string cluster_cidr = "10.132.0.0/14";
  std::string service_cidr = "172.31.0.0/16";
  std::string additional_trust_bundle;  // file contents (PEM); empty: none
  // From --image-content-sources: a YAML list of {source, mirrors}.
  std::vector<std::pair<std::string, std::vector<std::string>>> image_content_sources;
};

// Checks the options as the documented CLI does (required flags, policy values, CIDRs).
Status Validate(const ClusterOptions& options);

// Every object to create, in order.
std::vector<boost::json::object> ClusterManifests(const ClusterOptions& options);

struct NodePoolOptions {
  std::string platform;  // "None" or "Agent"
  std::string cluster_name;
  std::string name;
  std::string namespace_ = "clusters";
  int node_count = 0;
  std::string release_image;
  std::string agent_label_selector;  // "key=value,..." (Agent)
};
boost::json::object NodePoolManifest(const NodePoolOptions& options);

// Parses an --image-content-sources file: YAML (or JSON) list of {source, mirrors}.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> ParseImageContentSources(
    const std::string& text);

}  // namespace carrier::hcp
