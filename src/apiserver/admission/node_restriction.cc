#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/authz/node_authorizer.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

constexpr std::string_view kRestrictedLabelPrefix = "node-restriction.kubernetes.io/";

std::string NodeNameOfPod(const json::object* pod) {
  if (!pod) return "";
  auto* spec = pod->if_contains("spec");
  if (!spec || !spec->is_object()) return "";
  auto* n = spec->get_object().if_contains("nodeName");
  return n && n->is_string() ? std::string(n->get_string()) : "";
}

// Restricted label keys whose presence or value differs between the two objects.
std::vector<std::string> RestrictedLabelChanges(const json::object* old_obj,
                                                const json::object* obj) {
  auto labels = [](const json::object* o) -> const json::object* {
    if (!o) return nullptr;
    auto* m = o->if_contains("metadata");
    if (!m || !m->is_object()) return nullptr;
    auto* l = m->get_object().if_contains("labels");
    return l && l->is_object() ? &l->get_object() : nullptr;
  };
  const json::object* a = labels(old_obj);
  const json::object* b = labels(obj);
  std::vector<std::string> out;
  auto restricted = [](std::string_view key) {
    auto slash = key.find('/');
    if (slash == std::string_view::npos) return false;
    std::string_view prefix = key.substr(0, slash + 1);
    return prefix == kRestrictedLabelPrefix ||
           (prefix.size() > kRestrictedLabelPrefix.size() &&
            prefix.substr(prefix.size() - kRestrictedLabelPrefix.size() - 1) ==
                "." + std::string(kRestrictedLabelPrefix));
  };
  auto check = [&](const json::object* from, const json::object* to) {
    if (!from) return;
    for (const auto& [k, v] : *from) {
      if (!restricted(k)) continue;
      const json::value* other = to ? to->if_contains(k) : nullptr;
      if (!other || *other != v) {
        std::string key(k);
        if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
      }
    }
  };
  check(b, a);
  check(a, b);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

class NodeRestriction : public Plugin {
 public:
  std::string_view name() const override { return "NodeRestriction"; }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (!r.user) return std::nullopt;
    auto node = authz::NodeNameOf(*r.user);
    if (!node) return std::nullopt;
    const std::string who = "node \"" + *node + "\"";
    if (r.Is("", "pods")) {
      const json::object* pod = r.operation == Operation::kCreate ? r.object : r.old_object;
      if (NodeNameOfPod(pod) == *node &&
          (r.operation != Operation::kUpdate || NodeNameOfPod(r.object) == *node)) {
        return std::nullopt;
      }
      if (r.subresource == "status") {
        return Forbidden(r, who +
                                " can only update pod status for pods with spec.nodeName set "
                                "to itself");
      }
      const char* verb = r.operation == Operation::kCreate   ? "create"
                         : r.operation == Operation::kDelete ? "delete"
                                                             : "update";
      return Forbidden(r, who + " can only " + verb + " pods with spec.nodeName set to itself");
    }
    if (r.Is("", "nodes")) {
      if (r.name != *node) {
        return Forbidden(r, who + " is not allowed to modify node \"" + r.name + "\"");
      }
      auto changed = RestrictedLabelChanges(r.old_object, r.object);
      if (!changed.empty()) {
        return Forbidden(r, who +
                                (r.operation == Operation::kCreate
                                     ? " is not allowed to set the following labels: "
                                     : " is not allowed to modify labels: ") +
                                Join(changed));
      }
      return std::nullopt;
    }
    if (r.Is("coordination.k8s.io", "leases")) {
      if (r.namespace_ != "kube-node-lease" || r.name != *node) {
        return Forbidden(r, who +
                                " can only access leases with the same name as the requesting "
                                "node");
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Plugin> NewNodeRestriction() { return std::make_unique<NodeRestriction>(); }

}  // namespace carrier::apiserver::admission
