#include "hosted/validation.h"

#include <arpa/inet.h>

#include <boost/json.hpp>
#include <charconv>
#include <ctime>

#include "apiserver/request_info.h"
#include "cluster/cluster_storage.h"
#include "controllers/json_fields.h"

namespace carrier::hosted {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::ObjectAt;
using controllers::StringAt;

namespace {

ConditionResult Ok(std::string type, std::string message) {
  return {std::move(type), "True", "AsExpected", std::move(message)};
}

ConditionResult NotOk(std::string type, std::string reason, std::string message) {
  return {std::move(type), "False", std::move(reason), std::move(message)};
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "<d>.<d>.<d>" followed by nothing or "-<pre-release>".
bool StartsWithVersion(std::string_view s) {
  size_t end = s.find('-');
  std::string_view core = s.substr(0, end);
  size_t a = core.find('.'), b = a == std::string_view::npos ? a : core.find('.', a + 1);
  if (b == std::string_view::npos) return false;
  return AllDigits(core.substr(0, a)) && AllDigits(core.substr(a + 1, b - a - 1)) &&
         AllDigits(core.substr(b + 1)) && (end == std::string_view::npos || end + 1 < s.size());
}

}  // namespace

std::string ReleaseVersionFromTag(std::string_view tag) {
  for (std::string_view arch : {"-x86_64", "-aarch64", "-arm64", "-ppc64le", "-s390x", "-multi"}) {
    if (tag.size() > arch.size() && tag.substr(tag.size() - arch.size()) == arch) {
      tag.remove_suffix(arch.size());
      break;
    }
  }
  return StartsWithVersion(tag) ? std::string(tag) : std::string();
}

std::string MinorVersion(std::string_view version) {
  size_t a = version.find('.');
  if (a == std::string_view::npos) return "";
  size_t b = version.find_first_of(".-", a + 1);
  return std::string(version.substr(0, b));
}

std::optional<VersionNumbers> ParseVersionNumbers(std::string_view version) {
  if (!StartsWithVersion(version)) return std::nullopt;
  std::string_view rest = version.substr(0, version.find('-'));
  VersionNumbers v;
  for (int* part : {&v.major, &v.minor, &v.patch}) {
    const size_t dot = std::min(rest.find('.'), rest.size());
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, *part);
    if (ec != std::errc() || end != rest.data() + dot) return std::nullopt;  // overflow
    rest.remove_prefix(std::min(dot + 1, rest.size()));
  }
  return v;
}

Result<ReleaseImage> ParseReleaseImage(std::string_view text) {
  auto reference = registry::ParseImageReference(text);
  if (!reference.ok()) return reference.status();
  if (reference->tag.empty() && !reference->digest) {
    return InvalidArgument("the image reference names neither a tag nor a digest");
  }
  ReleaseImage image{std::move(*reference), ""};
  image.version = ReleaseVersionFromTag(image.reference.tag);
  return image;
}

Result<Cidr> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return InvalidArgument("\"" + std::string(text) + "\" is not a CIDR (no /prefix)");
  const std::string address(text.substr(0, slash));
  const std::string_view prefix = text.substr(slash + 1);
  Cidr cidr;
  cidr.v6 = address.find(':') != std::string::npos;
  if (inet_pton(cidr.v6 ? AF_INET6 : AF_INET, address.c_str(), cidr.address.data()) != 1) {
    return InvalidArgument("\"" + std::string(text) + "\" is not a CIDR (bad address)");
  }
  const int max = cidr.v6 ? 128 : 32;
  if (!AllDigits(prefix) || prefix.size() > 3 || std::stoi(std::string(prefix)) > max) {
    return InvalidArgument("\"" + std::string(text) + "\" is not a CIDR (prefix must be 0-" +
                           std::to_string(max) + ")");
  }
  cidr.prefix = std::stoi(std::string(prefix));
  for (int bit = cidr.prefix; bit < max; ++bit) cidr.address[bit / 8] &= ~(0x80 >> (bit % 8));
  return cidr;
}

bool Overlaps(const Cidr& a, const Cidr& b) {
  if (a.v6 != b.v6) return false;
  // Two networks overlap exactly when they agree on the shorter prefix.
  const int common = std::min(a.prefix, b.prefix);
  for (int bit = 0; bit < common; ++bit) {
    const uint8_t mask = 0x80 >> (bit % 8);
    if ((a.address[bit / 8] & mask) != (b.address[bit / 8] & mask)) return false;
  }
  return true;
}

std::string NthAddress(const Cidr& cidr, uint32_t n) {
  std::array<uint8_t, 16> address = cidr.address;
  const int last = cidr.v6 ? 15 : 3;
  for (int i = last; i >= 0 && n != 0; --i) {
    const uint32_t sum = address[i] + (n & 0xff);
    address[i] = static_cast<uint8_t>(sum);
    n = (n >> 8) + (sum >> 8);
  }
  char text[INET6_ADDRSTRLEN];
  inet_ntop(cidr.v6 ? AF_INET6 : AF_INET, address.data(), text, sizeof text);
  return text;
}

Result<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), T and Z in either case.
  auto digits = [&](size_t at, size_t n) -> int {
    if (at + n > s.size()) return -1;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const auto bad = InvalidArgument("\"" + std::string(s) + "\" is not an RFC 3339 time");
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return bad;
  }
  std::tm tm{};
  tm.tm_year = digits(0, 4) - 1900;
  tm.tm_mon = digits(5, 2) - 1;
  tm.tm_mday = digits(8, 2);
  tm.tm_hour = digits(11, 2);
  tm.tm_min = digits(14, 2);
  tm.tm_sec = digits(17, 2);
  if (tm.tm_year < -1899 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60) {
    return bad;
  }
  size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    ++at;
    const size_t start = at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    if (at == start) return bad;
  }
  int offset_seconds = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int h = digits(at + 1, 2), m = digits(at + 4, 2);
    if (h < 0 || m < 0 || at + 3 >= s.size() || s[at + 3] != ':' || h > 23 || m > 59) return bad;
    offset_seconds = (s[at] == '+' ? 1 : -1) * (h * 3600 + m * 60);
    at += 6;
  } else {
    return bad;
  }
  if (at != s.size()) return bad;
  const time_t t = timegm(&tm) - offset_seconds;
  return std::chrono::system_clock::from_time_t(t);
}

Result<Pause> ParsePausedUntil(std::string_view value, std::chrono::system_clock::time_point now) {
  if (value.empty() || value == "false") return Pause{};
  if (value == "true") return Pause{true, std::nullopt};
  auto until = ParseRfc3339(value);
  if (!until.ok()) {
    return InvalidArgument("spec.pausedUntil \"" + std::string(value) +
                           "\" is neither \"true\" nor an RFC 3339 time");
  }
  if (*until <= now) return Pause{};
  return Pause{true, *until};
}

std::vector<NetworkEntry> NetworksOf(const json::object& hc) {
  const json::object* networking = ObjectAt(ObjectAt(&hc, "spec"), "networking");
  std::vector<NetworkEntry> out;
  auto add = [&](std::string_view list, std::string_view fallback) {
    const json::array* entries = ArrayAt(networking, list);
    const std::string base = "spec.networking." + std::string(list);
    if ((entries == nullptr || entries->empty()) && !fallback.empty()) {
      out.push_back({base + "[0].cidr", std::string(fallback)});
      return;
    }
    if (entries == nullptr) return;
    for (size_t i = 0; i < entries->size(); ++i) {
      const json::object* e = (*entries)[i].if_object();
      out.push_back({base + "[" + std::to_string(i) + "].cidr", StringAt(e, "cidr")});
    }
  };
  add("clusterNetwork", kDefaultClusterNetwork);
  add("serviceNetwork", kDefaultServiceNetwork);
  add("machineNetwork", "");
  return out;
}

std::string ValidateNetworks(const std::vector<NetworkEntry>& networks) {
  std::vector<Cidr> parsed;
  for (const auto& n : networks) {
    auto cidr = ParseCidr(n.cidr);
    if (!cidr.ok()) return n.field + ": " + cidr.status().message();
    parsed.push_back(*cidr);
  }
  for (size_t i = 0; i < parsed.size(); ++i) {
    for (size_t j = i + 1; j < parsed.size(); ++j) {
      if (Overlaps(parsed[i], parsed[j])) {
        return networks[j].field + " " + networks[j].cidr + " overlaps " + networks[i].field + " " +
               networks[i].cidr;
      }
    }
  }
  return "";
}

bool HasUnmanagedEtcd(const json::object& hc) {
  return StringAt(ObjectAt(ObjectAt(&hc, "spec"), "etcd"), "managementType") == "Unmanaged";
}

std::string UnmanagedEtcdEndpoint(const json::object& hc) {
  return StringAt(ObjectAt(ObjectAt(ObjectAt(&hc, "spec"), "etcd"), "unmanaged"), "endpoint");
}

std::string UnmanagedEtcdSecretName(const json::object& hc) {
  const json::object* unmanaged = ObjectAt(ObjectAt(ObjectAt(&hc, "spec"), "etcd"), "unmanaged");
  return StringAt(ObjectAt(ObjectAt(unmanaged, "tls"), "clientSecret"), "name");
}

std::string ControlPlaneNamespace(std::string_view ns, std::string_view name) {
  return std::string(ns) + "-" + std::string(name);
}

const ConditionResult* Validation::Blocking() const {
  for (const ConditionResult* c : {&valid_configuration, &valid_release_image,
                                   &supported_hosted_cluster, &valid_control_plane_configuration}) {
    if (c->status == "False") return c;
  }
  return nullptr;
}

namespace {

// "" when the Unmanaged etcd of `in` is well described; else what is wrong.
std::string CheckUnmanagedEtcd(const ValidationInput& in, const std::string& ns) {
  const json::object& hc = *in.hosted_cluster;
  const std::string endpoint = UnmanagedEtcdEndpoint(hc);
  if (endpoint.empty()) {
    return "spec.etcd.unmanaged.endpoint must be set for spec.etcd.managementType Unmanaged";
  }
  if (Status st = cluster::ValidateEtcdEndpoint(endpoint); !st.ok()) {
    return "spec.etcd.unmanaged.endpoint: " + st.message();
  }
  const std::string secret = UnmanagedEtcdSecretName(hc);
  if (secret.empty()) {
    return "spec.etcd.unmanaged.tls.clientSecret.name must be set for spec.etcd.managementType "
           "Unmanaged";
  }
  if (in.etcd_client_secret == nullptr) {
    return "etcd client secret \"" + secret +
           "\" (spec.etcd.unmanaged.tls.clientSecret.name) not found in namespace \"" + ns + "\"";
  }
  std::string missing;
  for (std::string_view key : {kEtcdClientCaKey, kEtcdClientCertKey, kEtcdClientKeyKey}) {
    if (StringAt(ObjectAt(in.etcd_client_secret, "data"), key).empty()) {
      missing += (missing.empty() ? "" : ", ") + std::string(key);
    }
  }
  if (!missing.empty()) {
    return "etcd client secret \"" + secret + "\" in namespace \"" + ns + "\" has no " + missing +
           " key (it needs etcd-client-ca.crt, etcd-client.crt and etcd-client.key)";
  }
  return "";
}

ConditionResult CheckConfiguration(const ValidationInput& in) {
  constexpr std::string_view kType = "ValidConfiguration";
  const json::object& hc = *in.hosted_cluster;
  const json::object* spec = ObjectAt(&hc, "spec");
  const json::object* metadata = ObjectAt(&hc, "metadata");
  const std::string ns = StringAt(metadata, "namespace"), name = StringAt(metadata, "name");
  const std::string cluster = ControlPlaneNamespace(ns, name);
  if (!apiserver::IsValidClusterName(cluster)) {
    return NotOk(std::string(kType), "InvalidConfiguration",
                 "the control-plane namespace and hosted cluster name \"" + cluster +
                     "\" (<namespace>-<name>) must be a DNS label of at most 63 characters");
  }
  const std::string secret = StringAt(ObjectAt(spec, "pullSecret"), "name");
  if (secret.empty()) {
    return NotOk(std::string(kType), "InvalidConfiguration", "spec.pullSecret.name must be set");
  }
  if (in.pull_secret == nullptr) {
    return NotOk(std::string(kType), "SecretNotFound",
                 "pull secret \"" + secret + "\" (spec.pullSecret.name) not found in namespace \"" +
                     ns + "\"");
  }
  if (StringAt(ObjectAt(in.pull_secret, "data"), ".dockerconfigjson").empty()) {
    return NotOk(std::string(kType), "InvalidConfiguration",
                 "pull secret \"" + secret + "\" in namespace \"" + ns +
                     "\" has no .dockerconfigjson key");
  }
  if (std::string problem = ValidateNetworks(NetworksOf(hc)); !problem.empty()) {
    return NotOk(std::string(kType), "InvalidConfiguration", problem);
  }
  for (const auto& value : {ArrayAt(ObjectAt(spec, "networking"), "clusterNetwork")}) {
    if (value == nullptr) continue;
    for (size_t i = 0; i < value->size(); ++i) {
      const json::object* e = (*value)[i].if_object();
      const int64_t host_prefix = controllers::IntAt(e, "hostPrefix", 0);
      auto cidr = ParseCidr(StringAt(e, "cidr"));
      if (host_prefix != 0 && cidr.ok() &&
          (host_prefix <= cidr->prefix || host_prefix > (cidr->v6 ? 128 : 32))) {
        return NotOk(std::string(kType), "InvalidConfiguration",
                     "spec.networking.clusterNetwork[" + std::to_string(i) + "].hostPrefix " +
                         std::to_string(host_prefix) + " must be longer than the network's prefix /" +
                         std::to_string(cidr->prefix));
      }
    }
  }
  if (auto pause = ParsePausedUntil(StringAt(spec, "pausedUntil"), std::chrono::system_clock::now());
      !pause.ok()) {
    return NotOk(std::string(kType), "InvalidConfiguration", pause.status().message());
  }
  if (HasUnmanagedEtcd(hc)) {
    if (std::string problem = CheckUnmanagedEtcd(in, ns); !problem.empty()) {
      return NotOk(std::string(kType), "InvalidConfiguration", problem);
    }
  }
  return Ok(std::string(kType), "Configuration passes validation");
}

ConditionResult CheckControlPlaneConfiguration(const json::object& hc) {
  constexpr std::string_view kType = "ValidHostedControlPlaneConfiguration";
  const json::object* spec = ObjectAt(&hc, "spec");
  const std::string platform = StringAt(ObjectAt(spec, "platform"), "type");
  if (platform != "None" && platform != "Agent") {
    return NotOk(std::string(kType), "UnsupportedPlatform",
                 "platform type \"" + platform +
                     "\" is not supported by this management plane: the supported types are None and Agent");
  }
  if (platform == "Agent" &&
      StringAt(ObjectAt(ObjectAt(spec, "platform"), "agent"), "agentNamespace").empty()) {
    return NotOk(std::string(kType), "InvalidConfiguration",
                 "spec.platform.agent.agentNamespace is required for platform Agent");
  }
  const std::string etcd = StringAt(ObjectAt(spec, "etcd"), "managementType");
  if (!etcd.empty() && etcd != "Managed" && etcd != "Unmanaged") {
    return NotOk(std::string(kType), "UnsupportedEtcdManagementType",
                 "spec.etcd.managementType \"" + etcd + "\" is not supported: use Managed or Unmanaged");
  }
  return Ok(std::string(kType), "Configuration passes validation");
}

}  // namespace

Validation ValidateHostedCluster(const ValidationInput& in) {
  Validation v;
  v.valid_configuration = CheckConfiguration(in);
  v.valid_control_plane_configuration = CheckControlPlaneConfiguration(*in.hosted_cluster);
  const std::string image =
      StringAt(ObjectAt(ObjectAt(in.hosted_cluster, "spec"), "release"), "image");
  auto release = ParseReleaseImage(image);
  if (!release.ok()) {
    v.valid_release_image = NotOk("ValidReleaseImage", "InvalidImage",
                                  "spec.release.image \"" + image + "\": " + release.status().message());
    v.supported_hosted_cluster = {"SupportedHostedCluster", "Unknown", "InvalidImage",
                                  "the release version is unknown: spec.release.image is invalid"};
    return v;
  }
  v.valid_release_image = Ok("ValidReleaseImage", "Release image is valid");
  v.release_version = release->version;
  if (release->version.empty()) {
    // Without a tag naming the version, the version is in the payload, which is not read yet.
    v.supported_hosted_cluster = {
        "SupportedHostedCluster", "Unknown", "ReleaseVersionUnknown",
        "the release version of \"" + image +
            "\" cannot be derived from its reference (a digest, or a tag that is not a "
            "version), so it is not checked against the supported versions"};
    return v;
  }
  const std::string minor = MinorVersion(release->version);
  std::string listed;
  for (const auto& s : in.supported_versions) {
    if (s == minor) {
      v.supported_hosted_cluster =
          Ok("SupportedHostedCluster", "HostedCluster is supported by operator configuration");
      return v;
    }
    listed += (listed.empty() ? "" : ", ") + s;
  }
  v.supported_hosted_cluster = NotOk(
      "SupportedHostedCluster", "UnsupportedHostedCluster",
      "release version " + release->version + " is not supported: the supported versions are " +
          (listed.empty() ? std::string("none") : listed) +
          " (ConfigMap hypershift/supported-versions)");
  return v;
}

}  // namespace carrier::hosted
