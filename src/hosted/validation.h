#pragma once
// Validation of a HostedCluster, as the conditions HyperShift reports it:
//   ValidConfiguration                     pull secret present with .dockerconfigjson,
//                                          networking CIDRs valid and not overlapping,
//                                          pausedUntil well formed, the logical cluster name,
//                                          for an Unmanaged etcd its https:// endpoint and
//                                          client secret with the three TLS keys
//   ValidReleaseImage                      spec.release.image a well formed tag or digest
//   SupportedHostedCluster                 the release's minor version is listed in the
//                                          supported-versions ConfigMap
//   ValidHostedControlPlaneConfiguration   platform None or Agent (others are accepted by the
//                                          API and reported here), etcd management type
// and the parsers they rest on (release images, CIDRs, pausedUntil), kept free of storage so
// that they can be tested alone.

#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "registry/reference.h"

namespace carrier::hosted {

inline constexpr std::string_view kDefaultClusterNetwork = "10.132.0.0/14";
inline constexpr int kDefaultHostPrefix = 23;
inline constexpr std::string_view kDefaultServiceNetwork = "172.31.0.0/16";

// ---- Release images ----
struct ReleaseImage {
  registry::ImageReference reference;
  // The OpenShift version the image's tag names, "" when it names none (a digest-only
  // reference, or a tag such as "latest"). See ReleaseVersionFromTag.
  std::string version;
};
// kInvalidArgument (with why) unless `text` is an image reference with a tag or a digest.
Result<ReleaseImage> ParseReleaseImage(std::string_view text);
// The version a release tag names. OpenShift tags its release payloads
// "<major>.<minor>.<patch>[-<pre-release>]-<architecture>" (ocp-release:4.17.0-x86_64,
// 4.16.4-multi, 4.18.0-rc.2-aarch64) or the bare version (okd, mirrors): the architecture
// suffix (x86_64, aarch64, arm64, ppc64le, s390x, multi) is dropped and the rest must start
// with three dot-separated numbers. "" for any other tag.
std::string ReleaseVersionFromTag(std::string_view tag);
// "4.17" for "4.17.0" ("" when `version` has no minor).
std::string MinorVersion(std::string_view version);
// The numbers of "<major>.<minor>.<patch>[-<pre-release>]" (nullopt for anything else).
struct VersionNumbers {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const VersionNumbers&) const = default;
};
std::optional<VersionNumbers> ParseVersionNumbers(std::string_view version);

// ---- CIDRs ----
struct Cidr {
  bool v6 = false;
  std::array<uint8_t, 16> address{};  // IPv4 in the first 4 bytes; host bits cleared
  int prefix = 0;
};
// kInvalidArgument unless `text` is "<IPv4 or IPv6 address>/<prefix>".
Result<Cidr> ParseCidr(std::string_view text);
// Whether two networks share an address (never across families).
bool Overlaps(const Cidr& a, const Cidr& b);
// The n-th address of a network ("172.31.0.1" for 172.31.0.0/16, n = 1).
std::string NthAddress(const Cidr& cidr, uint32_t n);

// ---- pausedUntil ----
struct Pause {
  bool paused = false;
  // When a paused reconciliation resumes; nullopt while paused: until the field changes.
  std::optional<std::chrono::system_clock::time_point> until;
};
// absent, "" and "false": not paused; "true": paused; an RFC 3339 time: paused until then.
// kInvalidArgument for anything else.
Result<Pause> ParsePausedUntil(std::string_view value, std::chrono::system_clock::time_point now);
Result<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// ---- The HostedCluster's conditions ----
struct ConditionResult {
  std::string type;
  std::string status;  // True, False, Unknown
  std::string reason;
  std::string message;
};

struct ValidationInput {
  const boost::json::object* hosted_cluster = nullptr;
  // The Secret spec.pullSecret.name names, in the HostedCluster's namespace (null: absent).
  const boost::json::object* pull_secret = nullptr;
  // The Secret spec.etcd.unmanaged.tls.clientSecret.name names, in the same namespace.
  const boost::json::object* etcd_client_secret = nullptr;
  std::vector<std::string> supported_versions;  // "4.17", … (supported_versions.h)
};

struct Validation {
  ConditionResult valid_configuration;
  ConditionResult valid_release_image;
  ConditionResult supported_hosted_cluster;
  ConditionResult valid_control_plane_configuration;
  std::string release_version;  // "" when unknown
  // The first condition that is False: reconciliation of the control plane stops there.
  const ConditionResult* Blocking() const;
};

Validation ValidateHostedCluster(const ValidationInput& input);

// The networks of spec.networking with the defaults filled in, as {field path, CIDR text}.
struct NetworkEntry {
  std::string field;  // "spec.networking.clusterNetwork[0].cidr"
  std::string cidr;
};
std::vector<NetworkEntry> NetworksOf(const boost::json::object& hosted_cluster);
// "" when every network parses and none overlaps another; else what is wrong.
std::string ValidateNetworks(const std::vector<NetworkEntry>& networks);

// ---- An Unmanaged etcd ----
// The keys of the client secret of spec.etcd.unmanaged.tls.clientSecret.
inline constexpr std::string_view kEtcdClientCaKey = "etcd-client-ca.crt";
inline constexpr std::string_view kEtcdClientCertKey = "etcd-client.crt";
inline constexpr std::string_view kEtcdClientKeyKey = "etcd-client.key";
// Whether spec.etcd.managementType is Unmanaged (an external etcd).
bool HasUnmanagedEtcd(const boost::json::object& hosted_cluster);
// spec.etcd.unmanaged.endpoint and spec.etcd.unmanaged.tls.clientSecret.name ("" when absent).
std::string UnmanagedEtcdEndpoint(const boost::json::object& hosted_cluster);
std::string UnmanagedEtcdSecretName(const boost::json::object& hosted_cluster);

// The logical cluster (and control-plane namespace) of a HostedCluster: "<namespace>-<name>".
std::string ControlPlaneNamespace(std::string_view ns, std::string_view name);

}  // namespace carrier::hosted
