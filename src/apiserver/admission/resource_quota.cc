#include <boost/json.hpp>
#include <map>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/quantity.h"
#include "apiserver/object_meta.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

using Usage = std::map<std::string, long double>;

const json::object* ObjAt(const json::object& o, std::string_view f) {
  auto* v = o.if_contains(f);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string Text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_double()) return FormatQuantity(v.get_double());
  return "";
}

// The count key of a resource ("count/deployments.apps", "count/pods").
std::string CountKey(const ResourceType& t) {
  return "count/" + t.resource + (t.group.empty() ? "" : "." + t.group);
}

bool PodTerminal(const json::object& pod) {
  const json::object* status = ObjAt(pod, "status");
  auto* phase = status ? status->if_contains("phase") : nullptr;
  return phase && phase->is_string() &&
         (phase->get_string() == "Succeeded" || phase->get_string() == "Failed");
}

// requests.* and limits.* of a pod: the sum over containers, at least any init container.
Usage PodCompute(const json::object& pod) {
  Usage sum, init_max;
  const json::object* spec = ObjAt(pod, "spec");
  if (!spec) return sum;
  for (const char* list : {"containers", "initContainers"}) {
    auto* cs = spec->if_contains(list);
    if (!cs || !cs->is_array()) continue;
    for (const auto& c : cs->get_array()) {
      if (!c.is_object()) continue;
      const json::object* res = ObjAt(c.get_object(), "resources");
      if (!res) continue;
      for (const char* kind : {"requests", "limits"}) {
        const json::object* values = ObjAt(*res, kind);
        if (!values) continue;
        for (const auto& [name, value] : *values) {
          auto q = ParseQuantity(Text(value));
          if (!q) continue;
          std::string key = std::string(kind) + "." + std::string(name);
          if (std::string_view(list) == "containers") {
            sum[key] += *q;
          } else {
            init_max[key] = std::max(init_max[key], *q);
          }
        }
      }
    }
  }
  for (const auto& [k, v] : init_max) sum[k] = std::max(sum[k], v);
  return sum;
}

// What one object contributes to the quota keys in `hard`.
Usage Contribution(const ResourceType& type, const json::object& obj, const json::object& hard) {
  Usage u;
  const bool is_pod = type.group.empty() && type.resource == "pods";
  if (is_pod && PodTerminal(obj)) return u;
  const std::string count = CountKey(type);
  for (const auto& [key, value] : hard) {
    (void)value;
    if (key == count || (type.group.empty() && key == type.resource)) u[std::string(key)] = 1;
  }
  if (is_pod) {
    Usage compute = PodCompute(obj);
    for (const auto& [key, value] : hard) {
      (void)value;
      std::string k(key);
      std::string lookup =
          (k == "cpu" || k == "memory" || k == "ephemeral-storage") ? "requests." + k : k;
      if (auto it = compute.find(lookup); it != compute.end()) u[k] = it->second;
    }
  }
  return u;
}

std::string Pretty(const Usage& u) {
  std::string s;
  for (const auto& [k, v] : u) s += (s.empty() ? "" : ",") + k + "=" + FormatQuantity(v);
  return s;
}

class ResourceQuota : public Plugin {
 public:
  explicit ResourceQuota(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "ResourceQuota"; }

  // A quota being written gets status.hard from spec.hard and status.used from what exists.
  std::optional<api::ApiError> Admit(Request& r) override {
    if (!r.Is("", "resourcequotas") || !r.object || !r.subresource.empty() ||
        r.operation == Operation::kDelete) {
      return std::nullopt;
    }
    const json::object* spec = ObjAt(*r.object, "spec");
    const json::object* hard = spec ? ObjAt(*spec, "hard") : nullptr;
    if (!hard) return std::nullopt;
    Usage used = UsageIn(r.cluster, r.namespace_, *hard);
    json::object used_json;
    for (const auto& [k, v] : *hard) used_json[k] = FormatQuantity(used[std::string(k)]);
    (*r.object)["status"] = json::object{{"hard", *hard}, {"used", std::move(used_json)}};
    return std::nullopt;
  }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (!r.type || !r.type->namespaced || !r.subresource.empty() || r.Is("", "resourcequotas") ||
        r.operation == Operation::kUpdate) {
      return std::nullopt;
    }
    auto quotas = ListObjects(store_, r.cluster, "", "resourcequotas", r.namespace_);
    if (quotas.empty()) return std::nullopt;
    const json::object& obj = r.operation == Operation::kCreate ? *r.object : *r.old_object;
    for (auto& quota : quotas) {
      const json::object* spec = ObjAt(quota, "spec");
      const json::object* hard = spec ? ObjAt(*spec, "hard") : nullptr;
      if (!hard) continue;
      Usage delta = Contribution(*r.type, obj, *hard);
      if (delta.empty()) continue;
      if (r.operation == Operation::kCreate) {
        if (auto missing = MissingCompute(r, MetaString(quota, "name"), *hard)) return missing;
      }
      Usage used = UsageIn(r.cluster, r.namespace_, *hard);
      if (r.operation == Operation::kCreate) {
        Usage requested, used_shown, limited;
        for (const auto& [k, d] : delta) {
          auto limit = ParseQuantity(Text(hard->at(k)));
          if (limit && used[k] + d > *limit + 1e-9L) {
            requested[k] = d;
            used_shown[k] = used[k];
            limited[k] = *limit;
          }
        }
        if (!requested.empty()) {
          return Forbidden(r, "exceeded quota: " + std::string(MetaString(quota, "name")) +
                                  ", requested: " + Pretty(requested) + ", used: " +
                                  Pretty(used_shown) + ", limited: " + Pretty(limited));
        }
      }
      if (r.dry_run) continue;
      // Keep status.used current: what is there now plus (or minus) this object.
      for (const auto& [k, d] : delta) used[k] += r.operation == Operation::kCreate ? d : -d;
      WriteStatus(r, quota, *hard, used);
    }
    return std::nullopt;
  }

 private:
  // Pods in a namespace whose quota limits compute resources must state them.
  std::optional<api::ApiError> MissingCompute(const Request& r, std::string_view quota,
                                              const json::object& hard) {
    if (!r.Is("", "pods")) return std::nullopt;
    std::map<std::string, std::vector<std::string>> missing;
    const json::object* spec = ObjAt(*r.object, "spec");
    auto* cs = spec ? spec->if_contains("containers") : nullptr;
    if (!cs || !cs->is_array()) return std::nullopt;
    for (const auto& [key, value] : hard) {
      (void)value;
      std::string k(key);
      if (k != "requests.cpu" && k != "requests.memory" && k != "limits.cpu" &&
          k != "limits.memory" && k != "cpu" && k != "memory") {
        continue;
      }
      std::string full = (k == "cpu" || k == "memory") ? "requests." + k : k;
      auto dot = full.find('.');
      std::string kind = full.substr(0, dot), resource = full.substr(dot + 1);
      for (const auto& c : cs->get_array()) {
        if (!c.is_object()) continue;
        const json::object* res = ObjAt(c.get_object(), "resources");
        const json::object* values = res ? ObjAt(*res, kind) : nullptr;
        if (!values || !values->contains(resource)) {
          auto* n = c.get_object().if_contains("name");
          missing[k].push_back(n && n->is_string() ? std::string(n->get_string()) : "");
        }
      }
    }
    if (missing.empty()) return std::nullopt;
    std::string text;
    for (const auto& [k, names] : missing) {
      std::string joined;
      for (const auto& n : names) joined += (joined.empty() ? "" : ",") + n;
      text += (text.empty() ? "" : "; ") + k + " for: " + joined;
    }
    return Forbidden(r, "failed quota: " + std::string(quota) + ": must specify " + text);
  }

  Usage UsageIn(const std::string& cluster, const std::string& ns, const json::object& hard) {
    Usage used;
    for (const auto& [key, value] : hard) {
      (void)value;
      used[std::string(key)] = 0;
    }
    // Which types the keys count.
    std::vector<const ResourceType*> types;
    for (const auto& t : ResourceCatalog::BuiltIn().types()) {
      if (!t.namespaced) continue;
      bool wanted = hard.contains(CountKey(t)) || (t.group.empty() && hard.contains(t.resource));
      if (t.group.empty() && t.resource == "pods") wanted = true;
      if (wanted) types.push_back(&t);
    }
    for (const ResourceType* t : types) {
      for (const auto& obj : ListObjects(store_, cluster, t->group, t->resource, ns)) {
        for (const auto& [k, v] : Contribution(*t, obj, hard)) used[k] += v;
      }
    }
    return used;
  }

  void WriteStatus(const Request& r, json::object quota, const json::object& hard,
                   const Usage& used) {
    json::object used_json;
    for (const auto& [k, v] : hard) {
      auto it = used.find(std::string(k));
      used_json[k] = FormatQuantity(it == used.end() ? 0 : std::max<long double>(0, it->second));
    }
    const std::string rv(MetaString(quota, "resourceVersion"));
    quota["status"] = json::object{{"hard", hard}, {"used", std::move(used_json)}};
    MutableMetadata(quota).erase("resourceVersion");
    const ResourceType* type = ResourceCatalog::BuiltIn().Find("", "v1", "resourcequotas");
    std::string key = ObjectKey(r.cluster, *type, r.namespace_, MetaString(quota, "name"));
    (void)store_.Update(key, json::serialize(quota), std::strtoll(rv.c_str(), nullptr, 10));
  }

  storage::Store& store_;
};

}  // namespace

std::unique_ptr<Plugin> NewResourceQuota(storage::Store& store) {
  return std::make_unique<ResourceQuota>(store);
}

}  // namespace carrier::apiserver::admission
