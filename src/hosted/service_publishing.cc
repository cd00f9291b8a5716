#include "hosted/service_publishing.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::hosted {

namespace json = boost::json;
using controllers::ArrayAt;
using controllers::IntAt;
using controllers::ObjectAt;
using controllers::StringAt;

namespace {

constexpr std::string_view kRoot = "root";
constexpr std::string_view kClusterAnnotation = "hypershift.openshift.io/cluster";
constexpr int64_t kApiServerPort = 6443;
// Allocation tries at most this many free-looking ports (others may hold them outside the
// store: another process, or a cluster publishing at the same moment).
constexpr int kAllocationAttempts = 64;

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::pair<std::string, int64_t> HostPortOf(const std::string& url) {
  const size_t scheme = url.find("://");
  std::string rest = url.substr(scheme == std::string::npos ? 0 : scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') return {rest, 443};
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, std::stoll(rest.substr(colon + 1))};
}

namespace {

std::string Url(const std::string& host, int64_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ServiceKey(std::string_view ns) {
  return controllers::StoreKey(kRoot, controllers::BuiltInType("", "services"), ns,
                               kKubeApiServerService);
}

// The node port kept in the control-plane namespace's Service, 0 when there is none.
Result<int64_t> StoredNodePort(storage::Store& store, const std::string& ns) {
  auto service = controllers::GetObject(store, ServiceKey(ns));
  if (!service.ok()) return service.status();
  if (!*service) return int64_t{0};
  const json::array* ports = ArrayAt(ObjectAt((*service)->object, "spec"), "ports");
  if (ports == nullptr || ports->empty()) return int64_t{0};
  return IntAt((*ports)[0].if_object(), "nodePort", 0);
}

// Every node port a Service of the management plane holds → "<namespace>/<name>".
Result<std::map<int64_t, std::string>> HeldNodePorts(storage::Store& store) {
  auto services = controllers::ListObjects(
      store, controllers::StoreKey(kRoot, controllers::BuiltInType("", "services"), "", ""));
  if (!services.ok()) return services.status();
  std::map<int64_t, std::string> held;
  for (const json::object& service : *services) {
    const json::object* meta = ObjectAt(&service, "metadata");
    const json::array* ports = ArrayAt(ObjectAt(&service, "spec"), "ports");
    for (size_t i = 0; ports != nullptr && i < ports->size(); ++i) {
      if (int64_t port = IntAt((*ports)[i].if_object(), "nodePort", 0)) {
        held[port] = StringAt(meta, "namespace") + "/" + StringAt(meta, "name");
      }
    }
  }
  return held;
}

// Creates or updates the Service kube-apiserver so that it records `node_port`.
Status KeepNodePort(storage::Store& store, const PublishingInput& in, int64_t node_port) {
  json::object spec{{"type", "NodePort"},
                    {"selector", json::object{{"app", "kube-apiserver"}}},
                    {"ports", json::array{json::object{{"name", "client"},
                                                       {"protocol", "TCP"},
                                                       {"port", kApiServerPort},
                                                       {"targetPort", kApiServerPort},
                                                       {"nodePort", node_port}}}}};
  auto service = controllers::GetObject(store, ServiceKey(in.control_plane));
  if (!service.ok()) return service.status();
  if (!*service) {
    Status st = controllers::CreateObject(
        store, ServiceKey(in.control_plane),
        json::object{{"apiVersion", "v1"},
                     {"kind", "Service"},
                     {"metadata", json::object{{"name", kKubeApiServerService},
                                               {"namespace", in.control_plane},
                                               {"annotations", json::object{{kClusterAnnotation, in.key}}}}},
                     {"spec", std::move(spec)}});
    return st.code() == Code::kAlreadyExists ? Status() : st;
  }
  json::object& obj = *(*service)->object;
  const json::value* old_spec = obj.if_contains("spec");
  if (old_spec != nullptr && old_spec->is_object()) {
    // Fields the Service got elsewhere (clusterIP, ...) stay.
    json::object merged = old_spec->get_object();
    for (auto& [k, v] : spec) merged[k] = v;
    if (merged == old_spec->get_object()) return {};
    spec = std::move(merged);
  }
  obj["spec"] = std::move(spec);
  return controllers::UpdateObject(store, **service);
}

PublishedApiServer Serving(const PublishingInput& in) {
  PublishedApiServer p;
  p.serving_cert_pem = in.pki->serving.cert_pem + in.pki->root_ca.cert_pem;
  p.serving_key_pem = in.pki->serving.key_pem;
  if (in.custom != nullptr) {
    p.named_certificates = in.custom->named_certificates;
    // A custom DNS name no named certificate covers is served with kas-server-crt (which
    // carries it, pki.h ServingNames).
    const bool named = std::any_of(p.named_certificates.begin(), p.named_certificates.end(),
                                   [&](const NamedCertificate& c) {
                                     return std::count(c.names.begin(), c.names.end(), in.custom->dns_name) > 0;
                                   });
    if (!in.custom->dns_name.empty() && !named) p.route_hostnames.push_back(in.custom->dns_name);
  }
  return p;
}

// Publishes on a NodePort listener: the port asked for, the one the Service keeps, or the
// first free one of the range. Returns the port.
Result<int64_t> PublishNodePort(storage::Store& store, ServicePublisher& publisher,
                                const PublishingInput& in, const ApiServerStrategy& strategy) {
  const NodePortRange range = publisher.node_port_range();
  auto stored = StoredNodePort(store, in.control_plane);
  if (!stored.ok()) return stored.status();
  PublishedApiServer published = Serving(in);
  auto held = HeldNodePorts(store);
  if (!held.ok()) return held.status();
  int64_t wanted = strategy.node_port > 0 ? strategy.node_port : *stored;
  if (wanted > 0) {
    if (!range.Contains(wanted)) {
      return InvalidArgument("nodePort.port " + std::to_string(wanted) + " is outside the node port range " +
                             std::to_string(range.first) + "-" + std::to_string(range.last));
    }
    // The port another cluster's Service keeps stays its own, even while that cluster is not
    // published yet (after a restart).
    const std::string own = in.control_plane + "/" + std::string(kKubeApiServerService);
    if (auto it = held->find(wanted); it != held->end() && it->second != own) {
      return AlreadyExists("node port " + std::to_string(wanted) + " is already held by Service " +
                           it->second);
    }
    published.node_port = static_cast<uint16_t>(wanted);
    CARRIER_RETURN_IF_ERROR(publisher.Publish(in.control_plane, published));
    return wanted;
  }
  Status last = ResourceExhausted("no free port in the node port range " + std::to_string(range.first) +
                                  "-" + std::to_string(range.last));
  int attempts = 0;
  for (int64_t port = range.first; port <= range.last && attempts < kAllocationAttempts; ++port) {
    if (held->count(port)) continue;
    ++attempts;
    published.node_port = static_cast<uint16_t>(port);
    Status st = publisher.Publish(in.control_plane, published);
    if (st.ok()) return port;
    if (st.code() != Code::kAlreadyExists && st.code() != Code::kUnavailable) return st;
    last = st;
  }
  return last;
}

}  // namespace

ApiServerStrategy ApiServerStrategyOf(const std::string& name, const json::object& spec) {
  ApiServerStrategy out;
  out.why_shared = "spec.services has no APIServer entry";
  const json::array* services = ArrayAt(&spec, "services");
  for (size_t i = 0; services != nullptr && i < services->size(); ++i) {
    const json::object* service = (*services)[i].if_object();
    if (StringAt(service, "service") != "APIServer") continue;
    const json::object* strategy = ObjectAt(service, "servicePublishingStrategy");
    const std::string type = StringAt(strategy, "type");
    if (type == "Route") {
      out.hostname = StringAt(ObjectAt(strategy, "route"), "hostname");
      const std::string base = StringAt(ObjectAt(&spec, "dns"), "baseDomain");
      if (out.hostname.empty() && !base.empty()) out.hostname = "api." + name + "." + base;
      if (out.hostname.empty()) {
        out.why_shared = "APIServer is published through Route but has neither route.hostname nor spec.dns.baseDomain";
        return out;
      }
      out.type = ApiServerStrategy::Type::kRoute;
    } else if (type == "NodePort") {
      out.type = ApiServerStrategy::Type::kNodePort;
      out.hostname = StringAt(ObjectAt(strategy, "nodePort"), "address");
      out.node_port = IntAt(ObjectAt(strategy, "nodePort"), "port", 0);
    } else {
      out.why_shared = "APIServer publishing type " + (type.empty() ? std::string("(none)") : type) +
                       " is not served by Carrier";
    }
    return out;
  }
  return out;
}

Result<ApiServerEndpoint> PublishApiServer(storage::Store& store, ServicePublisher* publisher,
                                           const PublishingInput& in) {
  const ApiServerStrategy strategy = ApiServerStrategyOf(in.name, *in.spec);
  ApiServerEndpoint out;
  if (publisher == nullptr || strategy.type == ApiServerStrategy::Type::kShared) {
    if (publisher != nullptr) publisher->Unpublish(in.control_plane);
    std::tie(out.host, out.port) = HostPortOf(in.shared_url);
    out.server_url = in.shared_url + "/clusters/" + in.control_plane;
    out.ca_pem = in.shared_ca_pem;
    out.message = "The hosted cluster's API server is served at " + out.server_url;
    if (publisher != nullptr) out.message += " (" + strategy.why_shared + ")";
    return out;
  }
  out.ca_pem = in.pki->root_ca.cert_pem;
  const std::string shared_host = publisher->shared_host();
  int64_t port = 0;
  if (strategy.type == ApiServerStrategy::Type::kRoute) {
    PublishedApiServer published = Serving(in);
    published.route_hostnames.push_back(strategy.hostname);
    CARRIER_RETURN_IF_ERROR(publisher->Publish(in.control_plane, published));
    port = publisher->shared_port();
    out.message = "The hosted cluster's API server is served through Route at " +
                  Url(strategy.hostname, port) + " (SNI on the shared listener)";
  } else {
    auto node_port = PublishNodePort(store, *publisher, in, strategy);
    if (!node_port.ok()) return node_port.status();
    port = *node_port;
    CARRIER_RETURN_IF_ERROR(KeepNodePort(store, in, port));
    out.message = "The hosted cluster's API server is served through NodePort on port " +
                  std::to_string(port);
  }
  out.host = strategy.hostname.empty() ? shared_host : strategy.hostname;
  out.port = port;
  out.server_url = Url(shared_host, port);
  if (!IsIpAddress(out.host)) out.tls_server_name = out.host;
  if (in.custom != nullptr && !in.custom->dns_name.empty()) {
    out.custom_server_url = Url(shared_host, publisher->shared_port());
  }
  return out;
}

}  // namespace carrier::hosted
