#include "apiserver/authz/node_authorizer.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"
#include "apiserver/resource_catalog.h"

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

bool IsRead(std::string_view verb) { return verb == "get" || verb == "list" || verb == "watch"; }

std::string_view Str(const json::value* v) {
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Whether a pod spec references the named object of `resource`.
bool References(const json::object& spec, std::string_view resource, std::string_view name) {
  auto volumes = spec.if_contains("volumes");
  if (volumes && volumes->is_array()) {
    for (const auto& v : volumes->get_array()) {
      if (!v.is_object()) continue;
      const auto& vo = v.get_object();
      if (resource == "secrets") {
        if (auto* s = vo.if_contains("secret");
            s && s->is_object() && Str(s->get_object().if_contains("secretName")) == name)
          return true;
      } else if (resource == "configmaps") {
        if (auto* c = vo.if_contains("configMap");
            c && c->is_object() && Str(c->get_object().if_contains("name")) == name)
          return true;
      } else if (resource == "persistentvolumeclaims") {
        if (auto* c = vo.if_contains("persistentVolumeClaim");
            c && c->is_object() && Str(c->get_object().if_contains("claimName")) == name)
          return true;
      }
    }
  }
  if (resource == "secrets") {
    if (auto* ips = spec.if_contains("imagePullSecrets"); ips && ips->is_array()) {
      for (const auto& s : ips->get_array()) {
        if (s.is_object() && Str(s.get_object().if_contains("name")) == name) return true;
      }
    }
  }
  // env / envFrom of every container.
  for (const char* list : {"initContainers", "containers"}) {
    auto* cs = spec.if_contains(list);
    if (!cs || !cs->is_array()) continue;
    for (const auto& c : cs->get_array()) {
      if (!c.is_object()) continue;
      const auto& co = c.get_object();
      const char* ref_key = resource == "secrets" ? "secretRef" : "configMapRef";
      const char* key_ref = resource == "secrets" ? "secretKeyRef" : "configMapKeyRef";
      if (auto* from = co.if_contains("envFrom"); from && from->is_array()) {
        for (const auto& f : from->get_array()) {
          if (!f.is_object()) continue;
          auto* r = f.get_object().if_contains(ref_key);
          if (r && r->is_object() && Str(r->get_object().if_contains("name")) == name) return true;
        }
      }
      if (auto* env = co.if_contains("env"); env && env->is_array()) {
        for (const auto& e : env->get_array()) {
          if (!e.is_object()) continue;
          auto* vf = e.get_object().if_contains("valueFrom");
          if (!vf || !vf->is_object()) continue;
          auto* r = vf->get_object().if_contains(key_ref);
          if (r && r->is_object() && Str(r->get_object().if_contains("name")) == name) return true;
        }
      }
    }
  }
  return false;
}

bool PodOnNodeReferences(storage::Store& store, const std::string& cluster, const std::string& node,
                         const Attributes& a) {
  if (a.verb != "get" || a.name.empty() || a.namespace_.empty()) return false;
  const ResourceType* pods = ResourceCatalog::BuiltIn().Find("", "v1", "pods");
  storage::ListOptions options;
  options.range = storage::KeyRange::Prefix(CollectionPrefix(cluster, *pods, a.namespace_));
  auto listed = store.List(options);
  if (!listed.ok()) return false;
  for (const auto& kv : listed->kvs) {
    auto pod = DecodeStored(kv.value, kv.mod_revision);
    if (!pod.ok()) continue;
    auto* spec = pod->if_contains("spec");
    if (!spec || !spec->is_object()) continue;
    if (Str(spec->get_object().if_contains("nodeName")) != node) continue;
    if (References(spec->get_object(), a.resource, a.name)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> NodeNameOf(const UserInfo& user) {
  constexpr std::string_view prefix = "system:node:";
  if (!user.InGroup("system:nodes")) return std::nullopt;
  if (user.name.size() <= prefix.size() || user.name.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  return user.name.substr(prefix.size());
}

bool NodeAllows(storage::Store& store, const std::string& cluster, const std::string& node,
                const Attributes& a) {
  if (!a.resource_request) return false;
  const std::string& r = a.resource;
  if (a.group.empty()) {
    if (r == "nodes") {
      if (IsRead(a.verb)) return true;
      if (a.verb == "create") return true;  // NodeRestriction checks the name
      return (a.verb == "update" || a.verb == "patch" || a.verb == "delete") && a.name == node &&
             (a.subresource.empty() || a.subresource == "status");
    }
    if (r == "pods") {
      if (a.subresource.empty()) {
        return IsRead(a.verb) || a.verb == "create" || a.verb == "delete" || a.verb == "update" ||
               a.verb == "patch";
      }
      if (a.subresource == "status") return a.verb == "update" || a.verb == "patch";
      if (a.subresource == "eviction") return a.verb == "create";
      return false;
    }
    if (a.subresource.empty() && (r == "services" || r == "endpoints")) return IsRead(a.verb);
    if (a.subresource.empty() && r == "events") {
      return a.verb == "create" || a.verb == "patch" || a.verb == "update";
    }
    if (a.subresource.empty() &&
        (r == "secrets" || r == "configmaps" || r == "persistentvolumeclaims")) {
      return PodOnNodeReferences(store, cluster, node, a);
    }
    return false;
  }
  if (a.group == "coordination.k8s.io" && r == "leases" && a.subresource.empty()) {
    if (a.namespace_ != "kube-node-lease") return false;
    if (a.verb == "create") return true;  // NodeRestriction checks the name
    return a.name == node && (a.verb == "get" || a.verb == "update" || a.verb == "patch" ||
                              a.verb == "delete" || a.verb == "watch");
  }
  if (a.group == "events.k8s.io" && r == "events") {
    return a.verb == "create" || a.verb == "patch" || a.verb == "update";
  }
  if (a.group == "certificates.k8s.io" && r == "certificatesigningrequests" &&
      a.subresource.empty()) {
    return a.verb == "create" || IsRead(a.verb);
  }
  if ((a.group == "authentication.k8s.io" && r == "tokenreviews") ||
      (a.group == "authorization.k8s.io" && r == "subjectaccessreviews")) {
    return a.verb == "create";
  }
  return false;
}

}  // namespace carrier::apiserver::authz
