#include "controllers/endpoints_controller.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "controllers/workload.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
constexpr std::string_view kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr std::string_view kManagedBy = "endpointslice-controller.k8s.io";
constexpr std::string_view kHeadlessLabel = "service.kubernetes.io/headless";
constexpr size_t kMaxEndpointsPerSlice = 100;
const json::array kNone;

// A pod backing the Service, with the ports it resolves.
struct Member {
  const json::object* pod;
  std::string name, ip, node, uid;
  bool ready = false, terminating = false;
};

// Pods grouped by the ports they resolve (the serialized EndpointPort list).
struct PortGroup {
  json::array ports;  // {name, port, protocol[, appProtocol]} in service port order
  std::vector<Member> members;
};

std::string MetaOf(const json::object& o, std::string_view field) {
  return std::string(apiserver::MetaString(o, field));
}

bool Selects(const json::object& selector, const json::object& pod) {
  for (const auto& [k, v] : selector) {
    if (!v.is_string() || LabelOf(pod, k) != v.get_string()) return false;
  }
  return true;
}

// The pod's port for a service port: targetPort as a number (the port when absent) or the
// number of the container port of that name and protocol; nullopt when the pod has none.
std::optional<int64_t> ResolvePort(const json::object& svc_port, const json::object& pod) {
  const json::value* target = svc_port.if_contains("targetPort");
  if (target == nullptr || (target->is_int64() && target->get_int64() == 0)) {
    return IntAt(&svc_port, "port", 0);
  }
  if (target->is_int64()) return target->get_int64();
  if (!target->is_string()) return std::nullopt;
  std::string protocol = StringAt(&svc_port, "protocol");
  if (protocol.empty()) protocol = "TCP";
  const json::array* containers = ArrayAt(ObjectAt(&pod, "spec"), "containers");
  for (const auto& c : containers ? *containers : kNone) {
    const json::array* ports = ArrayAt(c.if_object(), "ports");
    for (const auto& p : ports ? *ports : kNone) {
      std::string proto = StringAt(p.if_object(), "protocol");
      if (proto.empty()) proto = "TCP";
      if (StringAt(p.if_object(), "name") == target->get_string() && proto == protocol) {
        return IntAt(p.if_object(), "containerPort", 0);
      }
    }
  }
  return std::nullopt;
}

json::object Labels(const json::object& svc) {
  json::object labels;
  if (const json::object* l = ObjectAt(ObjectAt(&svc, "metadata"), "labels")) labels = *l;
  if (StringAt(ObjectAt(&svc, "spec"), "clusterIP") == "None") labels[kHeadlessLabel] = "";
  return labels;
}

json::object TargetRef(const Member& m, std::string_view ns) {
  return {{"kind", "Pod"}, {"namespace", ns}, {"name", m.name}, {"uid", m.uid}};
}

class ServiceSync {
 public:
  ServiceSync(storage::Store& store, std::string cluster, std::string ns)
      : store_(store), cluster_(std::move(cluster)), ns_(std::move(ns)) {}

  Status Sync(const json::object& svc, const std::vector<json::object>& pods) {
    const json::object* spec = ObjectAt(&svc, "spec");
    const bool publish_not_ready = BoolAt(spec, "publishNotReadyAddresses");
    const json::array* svc_ports = ArrayAt(spec, "ports");
    const bool headless = StringAt(spec, "clusterIP") == "None";
    std::map<std::string, PortGroup> groups;
    for (const auto& pod : pods) {
      const std::string ip = StringAt(ObjectAt(&pod, "status"), "podIP");
      const std::string phase = StringAt(ObjectAt(&pod, "status"), "phase");
      if (ip.empty() || ip.find(':') != std::string::npos || phase == "Succeeded" ||
          phase == "Failed" || !Selects(*ObjectAt(spec, "selector"), pod)) {
        continue;
      }
      json::array ports;
      for (const auto& sp : svc_ports ? *svc_ports : kNone) {
        const json::object* svc_port = sp.if_object();
        if (svc_port == nullptr) continue;
        auto port = ResolvePort(*svc_port, pod);
        if (!port) continue;
        std::string protocol = StringAt(svc_port, "protocol");
        json::object p{{"name", StringAt(svc_port, "name")},
                       {"port", *port},
                       {"protocol", protocol.empty() ? "TCP" : protocol}};
        if (svc_port->contains("appProtocol")) p["appProtocol"] = svc_port->at("appProtocol");
        ports.push_back(std::move(p));
      }
      // Without resolved ports a pod backs only a headless Service that has no ports.
      if (ports.empty() && !(headless && (svc_ports == nullptr || svc_ports->empty()))) continue;
      Member m{&pod,
               MetaOf(pod, "name"),
               ip,
               StringAt(ObjectAt(&pod, "spec"), "nodeName"),
               MetaOf(pod, "uid")};
      m.terminating = !MetaOf(pod, "deletionTimestamp").empty();
      m.ready = workload::PodReady(pod);
      PortGroup& g = groups[json::serialize(ports)];
      g.ports = std::move(ports);
      g.members.push_back(std::move(m));
    }
    for (auto& [key, g] : groups) {
      std::sort(g.members.begin(), g.members.end(),
                [](const Member& a, const Member& b) { return a.name < b.name; });
    }
    CARRIER_RETURN_IF_ERROR(WriteEndpoints(svc, groups, publish_not_ready));
    return WriteSlices(svc, groups, publish_not_ready);
  }

  Status DeleteEndpoints(const std::string& name) {
    auto got = GetObject(store_, StoreKey(cluster_, BuiltInType("", "endpoints"), ns_, name));
    if (!got.ok()) return got.status();
    return *got ? DeleteObject(store_, **got) : Status();
  }

 private:
  Status WriteEndpoints(const json::object& svc, const std::map<std::string, PortGroup>& groups,
                        bool publish_not_ready) {
    json::array subsets;
    for (const auto& [key, g] : groups) {
      json::array ready, not_ready;
      std::vector<const Member*> members;
      for (const Member& m : g.members) {
        if (!m.terminating || publish_not_ready) members.push_back(&m);
      }
      std::sort(members.begin(), members.end(),
                [](const Member* a, const Member* b) { return a->ip < b->ip; });
      for (const Member* m : members) {
        json::object address{{"ip", m->ip}};
        if (!m->node.empty()) address["nodeName"] = m->node;
        address["targetRef"] = TargetRef(*m, ns_);
        (m->ready || publish_not_ready ? ready : not_ready).push_back(std::move(address));
      }
      if (ready.empty() && not_ready.empty()) continue;
      json::object subset;
      if (!ready.empty()) subset["addresses"] = std::move(ready);
      if (!not_ready.empty()) subset["notReadyAddresses"] = std::move(not_ready);
      json::array ports;
      for (const auto& p : g.ports) {
        json::object port = p.as_object();
        if (port.at("name").as_string().empty()) port.erase("name");
        ports.push_back(std::move(port));
      }
      if (!ports.empty()) subset["ports"] = std::move(ports);
      subsets.push_back(std::move(subset));
    }
    const std::string name = MetaOf(svc, "name");
    const std::string key = StoreKey(cluster_, BuiltInType("", "endpoints"), ns_, name);
    auto got = GetObject(store_, key);
    if (!got.ok()) return got.status();
    if (!*got) {
      json::object ep{{"apiVersion", "v1"},
                      {"kind", "Endpoints"},
                      {"metadata", json::object{{"name", name}, {"namespace", ns_},
                                                {"labels", Labels(svc)}}}};
      if (!subsets.empty()) ep["subsets"] = std::move(subsets);
      return CreateObject(store_, key, std::move(ep));
    }
    json::object& ep = *(*got)->object;
    const json::value* old_subsets = ep.if_contains("subsets");
    const json::object* old_labels = ObjectAt(ObjectAt(&ep, "metadata"), "labels");
    const bool same_subsets = subsets.empty() ? (old_subsets == nullptr || old_subsets->is_null() ||
                                                 (old_subsets->is_array() && old_subsets->get_array().empty()))
                                              : (old_subsets && *old_subsets == json::value(subsets));
    const json::object labels = Labels(svc);
    if (same_subsets && (old_labels ? *old_labels == labels : labels.empty())) return {};
    if (subsets.empty()) {
      ep.erase("subsets");
    } else {
      ep["subsets"] = std::move(subsets);
    }
    apiserver::MutableMetadata(ep)["labels"] = labels;
    return UpdateObject(store_, **got);
  }

  Status WriteSlices(const json::object& svc, const std::map<std::string, PortGroup>& groups,
                     bool publish_not_ready) {
    const std::string name = MetaOf(svc, "name"), uid = MetaOf(svc, "uid");
    // What the slices should hold: ports and at most 100 endpoints each.
    std::vector<std::pair<json::array, json::array>> desired;  // (ports, endpoints)
    for (const auto& [key, g] : groups) {
      for (size_t i = 0; i < g.members.size(); i += kMaxEndpointsPerSlice) {
        json::array endpoints;
        for (size_t j = i; j < std::min(g.members.size(), i + kMaxEndpointsPerSlice); ++j) {
          const Member& m = g.members[j];
          // Kubernetes never reports a terminating endpoint ready, unless told to publish
          // endpoints that are not ready.
          const bool serving = m.ready || publish_not_ready;
          json::object ep{{"addresses", json::array{json::value(m.ip)}},
                          {"conditions", json::object{{"ready", publish_not_ready ||
                                                                    (serving && !m.terminating)},
                                                      {"serving", serving},
                                                      {"terminating", m.terminating}}}};
          if (!m.node.empty()) ep["nodeName"] = m.node;
          ep["targetRef"] = TargetRef(m, ns_);
          endpoints.push_back(std::move(ep));
        }
        desired.emplace_back(g.ports, std::move(endpoints));
      }
    }
    if (desired.empty()) desired.emplace_back(json::array(), json::array());  // a placeholder

    const auto& slice_type = BuiltInType("discovery.k8s.io", "endpointslices");
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(StoreKey(cluster_, slice_type, ns_, ""));
    auto listed = store_.List(list);
    if (!listed.ok()) return listed.status();
    std::vector<StoredObject> existing;  // this Service's slices, by name (store order)
    for (const auto& kv : listed->kvs) {
      auto decoded = apiserver::DecodeStored(kv.value, kv.mod_revision);
      if (!decoded.ok() || LabelOf(*decoded, kServiceNameLabel) != name ||
          LabelOf(*decoded, kManagedByLabel) != kManagedBy) {
        continue;
      }
      const json::object* owner = workload::ControllerRefOf(*decoded);
      if (owner == nullptr || StringAt(owner, "uid") != uid) continue;  // the GC's business
      StoredObject s;
      s.key = kv.key;
      s.revision = kv.mod_revision;
      s.holder = std::make_shared<json::object>(std::move(*decoded));
      s.object = s.holder.get();
      existing.push_back(std::move(s));
    }

    json::object labels = Labels(svc);
    labels[kServiceNameLabel] = name;
    labels[kManagedByLabel] = kManagedBy;
    for (size_t i = 0; i < desired.size(); ++i) {
      auto& [ports, endpoints] = desired[i];
      if (i < existing.size()) {
        json::object& slice = *existing[i].object;
        const json::object* old_labels = ObjectAt(ObjectAt(&slice, "metadata"), "labels");
        const json::value* old_ports = slice.if_contains("ports");
        const json::value* old_endpoints = slice.if_contains("endpoints");
        if (old_labels && *old_labels == labels && old_endpoints &&
            *old_endpoints == json::value(endpoints) &&
            (old_ports ? *old_ports == json::value(ports) : ports.empty())) {
          continue;
        }
        apiserver::MutableMetadata(slice)["labels"] = labels;
        slice["endpoints"] = std::move(endpoints);
        if (ports.empty()) {
          slice.erase("ports");
        } else {
          slice["ports"] = std::move(ports);
        }
        CARRIER_RETURN_IF_ERROR(UpdateObject(store_, existing[i]));
        continue;
      }
      const std::string slice_name = name + "-" + workload::RandomSuffix(5);
      json::object slice{
          {"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", json::object{{"name", slice_name},
                                    {"generateName", name + "-"},
                                    {"namespace", ns_},
                                    {"labels", labels},
                                    {"ownerReferences",
                                     json::array{workload::ControllerRef(svc, "v1", "Service")}}}},
          {"addressType", "IPv4"},
          {"endpoints", std::move(endpoints)}};
      if (!ports.empty()) slice["ports"] = std::move(ports);
      CARRIER_RETURN_IF_ERROR(
          CreateObject(store_, StoreKey(cluster_, slice_type, ns_, slice_name), std::move(slice)));
    }
    for (size_t i = desired.size(); i < existing.size(); ++i) {
      CARRIER_RETURN_IF_ERROR(DeleteObject(store_, existing[i]));
    }
    return {};
  }

  storage::Store& store_;
  const std::string cluster_, ns_;
};

bool HasSelector(const json::object& svc) {
  const json::object* selector = ObjectAt(ObjectAt(&svc, "spec"), "selector");
  return selector != nullptr && !selector->empty();
}

}  // namespace

void EndpointsController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (!ref.group.empty() || ref.namespace_.empty()) return;
  if (ref.resource == "services") {
    keys.push_back(ref.cluster + "/" + ref.namespace_ + "/" + ref.name);
  } else if (ref.resource == "pods") {
    keys.push_back(ref.cluster + "/" + ref.namespace_);
  }
}

Status EndpointsController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t a = key.find('/'), b = key.find('/', a + 1);
  const std::string cluster = key.substr(0, a);
  const std::string ns = key.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  const auto& svc_type = BuiltInType("", "services");
  ServiceSync sync(store_, cluster, ns);

  std::vector<json::object> services;
  if (b != std::string::npos) {  // one Service
    const std::string name = key.substr(b + 1);
    auto got = GetObject(store_, StoreKey(cluster, svc_type, ns, name));
    if (!got.ok()) return got.status();
    if (!*got) return sync.DeleteEndpoints(name);
    services.push_back(std::move(*(*got)->object));
  } else {  // every Service of the namespace
    auto listed = ListObjects(store_, StoreKey(cluster, svc_type, ns, ""));
    if (!listed.ok()) return listed.status();
    services = std::move(*listed);
  }
  std::erase_if(services, [](const json::object& svc) { return !HasSelector(svc); });
  if (services.empty()) return {};
  auto pods = ListObjects(store_, StoreKey(cluster, BuiltInType("", "pods"), ns, ""));
  if (!pods.ok()) return pods.status();
  Status result;
  for (const auto& svc : services) {
    if (Status st = sync.Sync(svc, *pods); !st.ok()) result = st;
  }
  return result;
}

}  // namespace carrier::controllers
