#include "apiserver/authz/rbac_authorizer.h"

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "api/json_decode.h"
#include "api/label_selector.h"
#include "apiserver/authz/bootstrap_policy.h"
#include "apiserver/authz/node_authorizer.h"
#include "apiserver/object_meta.h"
#include "apiserver/resource_catalog.h"

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

constexpr std::string_view kRbacGroup = "rbac.authorization.k8s.io";

const ResourceType& RbacType(std::string_view resource) {
  return *ResourceCatalog::BuiltIn().Find(kRbacGroup, "v1", resource);
}

std::string MarkerKey(const std::string& cluster) {
  return "/" + cluster + "/_carrier/bootstrap/rbac";
}

struct Binding {
  std::vector<Subject> subjects;
  RoleRef ref;
  std::string ns;  // "" for ClusterRoleBindings
};

bool BindingMatches(const Binding& b, const UserInfo& user) {
  for (const auto& s : b.subjects) {
    if (SubjectMatches(s, user, b.ns)) return true;
  }
  return false;
}

}  // namespace

struct Authorizer::Policy {
  using Rules = std::shared_ptr<const std::vector<PolicyRule>>;
  std::map<std::string, Rules, std::less<>> cluster_roles;  // effective (aggregated) rules
  std::map<std::string, Rules, std::less<>> roles;          // "<ns>/<name>"
  std::vector<Binding> cluster_bindings;
  std::multimap<std::string, Binding, std::less<>> bindings;  // by namespace

  const std::vector<PolicyRule>* Resolve(const RoleRef& ref, const std::string& ns) const {
    if (ref.kind == "ClusterRole") {
      auto it = cluster_roles.find(ref.name);
      return it == cluster_roles.end() ? nullptr : it->second.get();
    }
    if (ref.kind == "Role") {
      auto it = roles.find(ns + "/" + ref.name);
      return it == roles.end() ? nullptr : it->second.get();
    }
    return nullptr;
  }
};

struct Authorizer::Entry {
  std::mutex mu;  // one load at a time
  std::shared_ptr<const Policy> policy;
  std::atomic<bool> stale{true};
  std::vector<std::unique_ptr<storage::Watch>> watches;
};

struct Authorizer::Impl {
  explicit Impl(storage::Store& s) : store(s) {}
  storage::Store& store;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> clusters;
  std::unordered_map<std::string, std::weak_ptr<const std::vector<PolicyRule>>> interned;
};

Authorizer::Authorizer(storage::Store& store) : impl_(std::make_unique<Impl>(store)) {}

Authorizer::~Authorizer() {
  std::lock_guard lock(impl_->mu);
  for (auto& [name, entry] : impl_->clusters) {
    std::lock_guard entry_lock(entry->mu);
    for (auto& w : entry->watches) w->Cancel();
  }
}

std::shared_ptr<Authorizer::Entry> Authorizer::EntryOf(const std::string& cluster) {
  std::lock_guard lock(impl_->mu);
  auto& entry = impl_->clusters[cluster];
  if (!entry) entry = std::make_shared<Entry>();
  return entry;
}

void Authorizer::Invalidate(const std::string& cluster) { EntryOf(cluster)->stale.store(true); }

void Authorizer::Forget(const std::string& cluster) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->clusters.find(cluster);
    if (it == impl_->clusters.end()) return;
    entry = it->second;
    impl_->clusters.erase(it);
  }
  std::lock_guard lock(entry->mu);
  for (auto& w : entry->watches) w->Cancel();
}

std::shared_ptr<const std::vector<PolicyRule>> Authorizer::Intern(std::vector<PolicyRule> rules) {
  std::string key = json::serialize(RulesToJson(rules));
  std::lock_guard lock(impl_->mu);
  auto& slot = impl_->interned[key];
  if (auto shared = slot.lock()) return shared;
  auto made = std::make_shared<const std::vector<PolicyRule>>(std::move(rules));
  slot = made;
  if (impl_->interned.size() > 4096) {  // drop entries nobody holds any more
    for (auto it = impl_->interned.begin(); it != impl_->interned.end();) {
      it = it->second.expired() ? impl_->interned.erase(it) : std::next(it);
    }
  }
  return made;
}

size_t Authorizer::CompiledRuleSets() const {
  std::lock_guard lock(impl_->mu);
  size_t alive = 0;
  for (const auto& [key, weak] : impl_->interned) alive += weak.expired() ? 0 : 1;
  return alive;
}

Status Authorizer::Materialise(const std::string& cluster) {
  storage::Store& store = impl_->store;
  auto marker = store.Get(MarkerKey(cluster));
  if (!marker.ok()) return marker.status();
  storage::Revision marker_rev = 0;
  if (marker->kv) {
    auto v = api::DecodeJson(marker->kv->value);
    if (v.ok() && v->is_object()) {
      auto* version = v->get_object().if_contains("version");
      if (version && version->is_int64() && version->get_int64() >= kBootstrapPolicyVersion) {
        return {};
      }
    }
    marker_rev = marker->kv->mod_revision;
  }
  storage::TxnRequest txn;
  txn.compares.push_back(storage::Compare::ModRevisionIs(MarkerKey(cluster), marker_rev));
  const std::string now = Rfc3339(std::chrono::system_clock::now());
  for (const auto& object : BootstrapPolicy()) {
    std::string key = ObjectKey(cluster, RbacType(object.resource), "", object.name);
    auto existing = store.Get(key);
    if (!existing.ok()) return existing.status();
    if (existing->kv) continue;  // an existing object (maybe edited) is left alone
    json::object obj = *object.object;
    json::object& meta = obj["metadata"].as_object();
    meta["uid"] = NewUid();
    meta["creationTimestamp"] = now;
    txn.compares.push_back(storage::Compare::Absent(key));
    txn.success.push_back(storage::Op::Put(key, json::serialize(obj)));
  }
  txn.success.push_back(storage::Op::Put(
      MarkerKey(cluster), json::serialize(json::object{{"version", kBootstrapPolicyVersion}})));
  auto result = store.Txn(txn);
  if (!result.ok()) return result.status();
  return {};  // lost a race: another writer materialised it
}

void Authorizer::Load(const std::string& cluster, Entry& entry) {
  std::lock_guard load_lock(entry.mu);
  if (!entry.stale.load() && entry.policy) return;
  entry.stale.store(false);
  storage::Store& store = impl_->store;
  if (auto st = Materialise(cluster); !st.ok()) {
    entry.stale.store(true);
    if (!entry.policy) entry.policy = std::make_shared<Policy>();
    return;
  }
  struct Listed {
    std::vector<json::object> objects;
    storage::Revision revision = 0;
  };
  std::map<std::string, Listed> listed;
  for (const char* resource : {"clusterroles", "roles", "clusterrolebindings", "rolebindings"}) {
    storage::ListOptions options;
    options.range = storage::KeyRange::Prefix(CollectionPrefix(cluster, RbacType(resource), ""));
    auto page = store.List(options);
    if (!page.ok()) {
      entry.stale.store(true);
      if (!entry.policy) entry.policy = std::make_shared<Policy>();
      return;
    }
    Listed& l = listed[resource];
    l.revision = page->revision;
    for (const auto& kv : page->kvs) {
      auto obj = DecodeStored(kv.value, kv.mod_revision);
      if (obj.ok()) l.objects.push_back(std::move(*obj));
    }
  }

  auto policy = std::make_shared<Policy>();
  auto meta_of = [](const json::object& o) -> const json::object* {
    auto* m = o.if_contains("metadata");
    return m && m->is_object() ? &m->get_object() : nullptr;
  };
  auto str = [](const json::object* o, std::string_view f) {
    if (o == nullptr) return std::string();
    auto* v = o->if_contains(f);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  const json::value null_value;
  // ClusterRoles: plain rules first, then aggregation over them.
  std::vector<const json::object*> aggregated;
  for (const auto& role : listed["clusterroles"].objects) {
    const json::value* rules = role.if_contains("rules");
    policy->cluster_roles[str(meta_of(role), "name")] =
        Intern(ParseRules(rules ? *rules : null_value));
    auto* agg = role.if_contains("aggregationRule");
    if (agg && agg->is_object()) aggregated.push_back(&role);
  }
  // Aggregation to a fixed point: an aggregated role may match another aggregated role (edit
  // into admin), so the unions are recomputed from effective rules until nothing changes.
  struct Aggregate {
    const json::object* role;
    std::string name;
    std::vector<api::LabelSelector> selectors;
  };
  std::vector<Aggregate> aggregates;
  for (const json::object* role : aggregated) {
    Aggregate a{role, str(meta_of(*role), "name"), {}};
    auto* sels = role->at("aggregationRule").get_object().if_contains("clusterRoleSelectors");
    if (sels && sels->is_array()) {
      for (const auto& s : sels->get_array()) {
        auto parsed = api::LabelSelector::FromJson(s);
        if (parsed.ok()) a.selectors.push_back(std::move(*parsed));
      }
    }
    aggregates.push_back(std::move(a));
  }
  for (int pass = 0; pass < 8 && !aggregates.empty(); ++pass) {
    bool changed = false;
    for (const Aggregate& a : aggregates) {
      std::vector<PolicyRule> rules;
      for (const auto& other : listed["clusterroles"].objects) {
        const json::object* meta = meta_of(other);
        const std::string other_name = str(meta, "name");
        if (other_name == a.name) continue;
        const json::value* labels = meta ? meta->if_contains("labels") : nullptr;
        bool match = false;
        for (const auto& sel : a.selectors) {
          if (sel.Matches(labels ? *labels : null_value)) match = true;
        }
        if (!match) continue;
        for (const auto& r : *policy->cluster_roles[other_name]) {
          if (std::find(rules.begin(), rules.end(), r) == rules.end()) rules.push_back(r);
        }
      }
      auto& slot = policy->cluster_roles[a.name];
      if (*slot != rules) {
        slot = Intern(std::move(rules));
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Keep the stored objects current, as Kubernetes' aggregation controller does.
  for (const Aggregate& a : aggregates) {
    const json::value* stored_rules = a.role->if_contains("rules");
    const auto& effective = *policy->cluster_roles[a.name];
    if (ParseRules(stored_rules ? *stored_rules : null_value) == effective) continue;
    json::object updated = *a.role;
    updated["rules"] = RulesToJson(effective);
    MutableMetadata(updated).erase("resourceVersion");
    std::string key = ObjectKey(cluster, RbacType("clusterroles"), "", a.name);
    auto current = store.Get(key);
    if (current.ok() && current->kv) {
      (void)store.Update(key, json::serialize(updated), current->kv->mod_revision);
    }
  }
  for (const auto& role : listed["roles"].objects) {
    const json::object* meta = meta_of(role);
    const json::value* rules = role.if_contains("rules");
    policy->roles[str(meta, "namespace") + "/" + str(meta, "name")] =
        Intern(ParseRules(rules ? *rules : null_value));
  }
  for (const char* resource : {"clusterrolebindings", "rolebindings"}) {
    for (const auto& b : listed[resource].objects) {
      Binding binding;
      const json::value* subjects = b.if_contains("subjects");
      const json::value* ref = b.if_contains("roleRef");
      binding.subjects = ParseSubjects(subjects ? *subjects : null_value);
      binding.ref = ParseRoleRef(ref ? *ref : null_value);
      if (std::string_view(resource) == "rolebindings") {
        binding.ns = str(meta_of(b), "namespace");
        policy->bindings.emplace(binding.ns, std::move(binding));
      } else {
        policy->cluster_bindings.push_back(std::move(binding));
      }
    }
  }
  entry.policy = std::move(policy);

  if (entry.watches.empty()) {
    Entry* raw = &entry;
    for (auto& [resource, l] : listed) {
      storage::WatchOptions watch;
      watch.range = storage::KeyRange::Prefix(CollectionPrefix(cluster, RbacType(resource), ""));
      watch.start_revision = l.revision + 1;
      auto started = store.StartWatch(watch, [raw](storage::WatchResponse) {
        raw->stale.store(true);  // any change (or the end of the watch) reloads
      });
      if (started.ok()) {
        entry.watches.push_back(std::move(*started));
      } else {
        entry.stale.store(true);
      }
    }
  }
}

std::shared_ptr<const Authorizer::Policy> Authorizer::PolicyOf(const std::string& cluster) {
  auto entry = EntryOf(cluster);
  if (entry->stale.load() || !entry->policy) Load(cluster, *entry);
  std::lock_guard lock(entry->mu);
  return entry->policy;
}

Decision Authorizer::Authorize(const std::string& cluster, const UserInfo& raw_user,
                               const Attributes& a) {
  auto policy = PolicyOf(cluster);  // also materialises the bootstrap policy on first use
  const UserInfo user = WithImplicitGroups(raw_user);
  if (user.InGroup("system:masters")) return {true, ""};
  if (auto node = NodeNameOf(user)) {
    if (NodeAllows(impl_->store, cluster, *node, a))
      return {true, "allowed by the node authorizer"};
  }
  for (const auto& b : policy->cluster_bindings) {
    if (b.ref.kind != "ClusterRole" || !BindingMatches(b, user)) continue;
    const auto* rules = policy->Resolve(b.ref, "");
    if (rules && RulesAllow(*rules, a)) return {true, ""};
  }
  if (!a.namespace_.empty()) {
    auto [begin, end] = policy->bindings.equal_range(a.namespace_);
    for (auto it = begin; it != end; ++it) {
      if (!BindingMatches(it->second, user)) continue;
      const auto* rules = policy->Resolve(it->second.ref, a.namespace_);
      if (rules && RulesAllow(*rules, a)) return {true, ""};
    }
  }
  return {false, ""};
}

std::vector<PolicyRule> Authorizer::RulesFor(const std::string& cluster, const UserInfo& raw_user,
                                             const std::string& ns) {
  auto policy = PolicyOf(cluster);
  const UserInfo user = WithImplicitGroups(raw_user);
  std::vector<PolicyRule> out;
  auto add = [&](const std::vector<PolicyRule>* rules) {
    if (!rules) return;
    for (const auto& r : *rules) {
      if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
    }
  };
  if (user.InGroup("system:masters")) {
    add(policy->Resolve({"ClusterRole", "cluster-admin"}, ""));
    if (out.empty()) out.push_back({{"*"}, {"*"}, {"*"}, {}, {}});
  }
  for (const auto& b : policy->cluster_bindings) {
    if (b.ref.kind == "ClusterRole" && BindingMatches(b, user)) add(policy->Resolve(b.ref, ""));
  }
  if (!ns.empty()) {
    auto [begin, end] = policy->bindings.equal_range(ns);
    for (auto it = begin; it != end; ++it) {
      if (BindingMatches(it->second, user)) add(policy->Resolve(it->second.ref, ns));
    }
  }
  return out;
}

std::optional<std::vector<PolicyRule>> Authorizer::RoleRules(const std::string& cluster,
                                                             const RoleRef& ref,
                                                             const std::string& ns) {
  auto policy = PolicyOf(cluster);
  const auto* rules = policy->Resolve(ref, ns);
  if (!rules) return std::nullopt;
  return *rules;
}

Attributes ImpersonationAttributes(const std::string& kind, const std::string& name,
                                   const std::string& ns) {
  Attributes a;
  a.verb = "impersonate";
  a.resource_request = true;
  a.name = name;
  if (kind == "uids") {
    a.group = "authentication.k8s.io";
    a.resource = "uids";
  } else if (kind.rfind("userextras/", 0) == 0) {
    a.group = "authentication.k8s.io";
    a.resource = "userextras";
    a.subresource = kind.substr(11);
  } else {
    a.resource = kind;
    if (kind == "serviceaccounts") a.namespace_ = ns;
  }
  return a;
}

Status Authorizer::AuthorizeImpersonation(const std::string& cluster, const UserInfo& user,
                                          const std::string& kind, const std::string& name,
                                          const std::string& ns) {
  Attributes a = ImpersonationAttributes(kind, name, ns);
  if (Authorize(cluster, user, a).allowed) return {};
  return ForbiddenError(user, a).status;
}

api::ApiError ForbiddenError(const UserInfo& user, const Attributes& a, const std::string& reason) {
  std::string message = "User \"" + user.name + "\" cannot " + a.verb;
  if (a.resource_request) {
    message += " resource \"" + a.ResourceWithSubresource() + "\" in API group \"" + a.group + "\"";
    message += a.namespace_.empty() ? " at the cluster scope"
                                    : " in the namespace \"" + a.namespace_ + "\"";
  } else {
    message += " path \"" + a.path + "\"";
  }
  if (!reason.empty()) message += ": " + reason;
  api::ApiError e;
  std::string qualified = a.resource;
  if (!a.group.empty() && !qualified.empty()) qualified += "." + a.group;
  if (!a.resource_request || qualified.empty()) {
    message = "forbidden: " + message;
  } else if (a.name.empty()) {
    message = qualified + " is forbidden: " + message;
  } else {
    message = qualified + " \"" + a.name + "\" is forbidden: " + message;
  }
  e.status = Status(Code::kForbidden, message);
  if (a.resource_request) {
    e.details.name = a.name;
    e.details.group = a.group;
    e.details.kind = a.resource;
  }
  return e;
}

}  // namespace carrier::apiserver::authz
