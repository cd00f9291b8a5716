#include "api/strategic_merge_patch.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "api/json_patch.h"
#include "api/merge_patch.h"

namespace carrier::api {

namespace json = boost::json;

// How one field of a type patches. Lists not marked `merge` are atomic (replaced).
struct PatchField {
  bool merge_list = false;
  std::string merge_key;            // empty for a merged list of scalars
  const PatchType* type = nullptr;  // the field's object type, or its list elements' type
};

struct PatchType {
  std::map<std::string, PatchField, std::less<>> fields;

  const PatchField* Find(std::string_view name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  }
};

namespace {

constexpr std::string_view kPatchDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

// The built-in schema table: a handful of shared types composed into the kinds.
class Schemas {
 public:
  Schemas() {
    PatchType* meta = New();
    meta->fields["ownerReferences"] = Merge("uid");
    meta->fields["finalizers"] = Merge("");

    PatchType* container = New();
    container->fields["ports"] = Merge("containerPort");
    container->fields["env"] = Merge("name");
    container->fields["volumeMounts"] = Merge("mountPath");
    container->fields["volumeDevices"] = Merge("devicePath");

    PatchType* pod_spec = New();
    for (const char* f : {"containers", "initContainers", "ephemeralContainers"})
      pod_spec->fields[f] = Merge("name", container);
    pod_spec->fields["volumes"] = Merge("name");
    pod_spec->fields["imagePullSecrets"] = Merge("name");
    pod_spec->fields["hostAliases"] = Merge("ip");
    pod_spec->fields["topologySpreadConstraints"] = Merge("topologyKey");
    pod_spec->fields["resourceClaims"] = Merge("name");
    pod_spec->fields["schedulingGates"] = Merge("name");

    PatchType* with_conditions = New();
    with_conditions->fields["conditions"] = Merge("type");

    PatchType* pod_status = New();
    pod_status->fields["conditions"] = Merge("type");
    pod_status->fields["podIPs"] = Merge("ip");
    pod_status->fields["hostIPs"] = Merge("ip");

    PatchType* template_spec = Object({{"metadata", meta}, {"spec", pod_spec}});
    PatchType* workload_spec = Object({{"template", template_spec}});

    // Kinds with nothing but ObjectMeta to merge by key.
    PatchType* plain = Object({{"metadata", meta}});
    for (const char* kind : {"ConfigMap", "Secret", "Endpoints", "PersistentVolume", "ResourceQuota",
                             "LimitRange", "Event", "Binding"})
      kinds_[Key("", kind)] = plain;
    for (auto [group, kind] : std::initializer_list<std::pair<const char*, const char*>>{
             {"apps", "ControllerRevision"},
             {"coordination.k8s.io", "Lease"},
             {"events.k8s.io", "Event"},
             {"discovery.k8s.io", "EndpointSlice"},
             {"rbac.authorization.k8s.io", "Role"},
             {"rbac.authorization.k8s.io", "ClusterRole"},
             {"rbac.authorization.k8s.io", "RoleBinding"},
             {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
             {"apiextensions.k8s.io", "CustomResourceDefinition"},
             {"certificates.k8s.io", "CertificateSigningRequest"}})
      kinds_[Key(group, kind)] = plain;

    kinds_[Key("", "Pod")] = Object({{"metadata", meta}, {"spec", pod_spec}, {"status", pod_status}});
    kinds_[Key("", "PodTemplate")] = Object({{"metadata", meta}, {"template", template_spec}});
    PatchType* workload =
        Object({{"metadata", meta}, {"spec", workload_spec}, {"status", with_conditions}});
    kinds_[Key("", "ReplicationController")] = workload;
    for (const char* kind : {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
      kinds_[Key("apps", kind)] = workload;
    kinds_[Key("batch", "Job")] = workload;
    PatchType* job_template = Object({{"metadata", meta}, {"spec", workload_spec}});
    kinds_[Key("batch", "CronJob")] =
        Object({{"metadata", meta}, {"spec", Object({{"jobTemplate", job_template}})}});

    PatchType* service_spec = New();
    service_spec->fields["ports"] = Merge("port");
    kinds_[Key("", "Service")] =
        Object({{"metadata", meta}, {"spec", service_spec}, {"status", with_conditions}});

    PatchType* node_spec = New();
    node_spec->fields["podCIDRs"] = Merge("");
    PatchType* node_status = New();
    node_status->fields["conditions"] = Merge("type");
    node_status->fields["addresses"] = Merge("type");
    kinds_[Key("", "Node")] = Object({{"metadata", meta}, {"spec", node_spec}, {"status", node_status}});

    PatchType* with_status_conditions = Object({{"metadata", meta}, {"status", with_conditions}});
    kinds_[Key("", "Namespace")] = with_status_conditions;
    kinds_[Key("", "PersistentVolumeClaim")] = with_status_conditions;
    kinds_[Key("policy", "PodDisruptionBudget")] = with_status_conditions;

    PatchType* service_account = Object({{"metadata", meta}});
    service_account->fields["secrets"] = Merge("name");
    kinds_[Key("", "ServiceAccount")] = service_account;

    PatchType* webhooks = Object({{"metadata", meta}});
    webhooks->fields["webhooks"] = Merge("name");
    kinds_[Key("admissionregistration.k8s.io", "MutatingWebhookConfiguration")] = webhooks;
    kinds_[Key("admissionregistration.k8s.io", "ValidatingWebhookConfiguration")] = webhooks;
  }

  const PatchType* Find(std::string_view group, std::string_view kind) const {
    auto it = kinds_.find(Key(group, kind));
    return it == kinds_.end() ? nullptr : it->second;
  }

 private:
  PatchType* New() { return &types_.emplace_back(); }
  PatchType* Object(std::initializer_list<std::pair<const char*, const PatchType*>> fields) {
    PatchType* t = New();
    for (auto [name, type] : fields) t->fields[name] = PatchField{false, "", type};
    return t;
  }
  static PatchField Merge(std::string key, const PatchType* type = nullptr) {
    return PatchField{true, std::move(key), type};
  }

  std::deque<PatchType> types_;  // stable addresses
  static std::string Key(std::string_view group, std::string_view kind) {
    std::string key(group);
    key += '/';
    key += kind;
    return key;
  }
  std::map<std::string, const PatchType*, std::less<>> kinds_;  // by "<group>/<kind>"
};

const Schemas& BuiltinSchemas() {
  static const Schemas* schemas = new Schemas();
  return *schemas;
}

Status Bad(std::string message) {
  return Status(Code::kBadRequest, "strategic merge patch: " + std::move(message));
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

PatchFieldInfo PatchFieldOf(const PatchType* type, std::string_view name) {
  const PatchField* f = type ? type->Find(name) : nullptr;
  if (f == nullptr) return {};
  return PatchFieldInfo{f->merge_list, f->merge_key, f->type};
}

namespace {

const PatchType* FieldType(const PatchType* type, std::string_view name) {
  const PatchField* f = type ? type->Find(name) : nullptr;
  return f ? f->type : nullptr;
}

// ---- Checking the patch before anything changes -------------------------------------

Status CheckObject(const json::object& patch, const PatchType* type);

Status CheckList(const json::array& list, const PatchField& field, std::string_view name) {
  if (field.merge_key.empty()) return Status::Ok();
  for (const json::value& el : list) {
    const json::object* obj = el.if_object();
    if (obj == nullptr)
      return Bad("list \"" + std::string(name) + "\" merges by \"" + field.merge_key +
                 "\" and needs objects as elements");
    const json::value* directive = obj->if_contains(kPatchDirective);
    bool replace = directive && directive->is_string() && directive->get_string() == "replace";
    if (!replace && !obj->contains(field.merge_key))
      return Bad("an element of \"" + std::string(name) + "\" does not contain its merge key \"" +
                 field.merge_key + "\"");
    CARRIER_RETURN_IF_ERROR(CheckObject(*obj, field.type));
  }
  return Status::Ok();
}

Status CheckObject(const json::object& patch, const PatchType* type) {
  for (const auto& [key, value] : patch) {
    if (key == kPatchDirective) {
      const json::string* s = value.if_string();
      if (s == nullptr || (*s != "replace" && *s != "delete" && *s != "merge"))
        return Bad("unknown $patch directive " + json::serialize(value) +
                   " (expected replace, delete or merge)");
    } else if (key == kRetainKeys) {
      const json::array* keys = value.if_array();
      if (keys == nullptr ||
          !std::all_of(keys->begin(), keys->end(), [](const json::value& k) { return k.is_string(); }))
        return Bad("$retainKeys must be a list of strings");
    } else if (StartsWith(key, kSetElementOrder) || StartsWith(key, kDeleteFromPrimitiveList)) {
      if (!value.is_array()) return Bad(std::string(key) + " must be a list");
      if (StartsWith(key, kSetElementOrder)) {
        std::string_view field_name = std::string_view(key).substr(kSetElementOrder.size());
        const PatchField* f = type ? type->Find(field_name) : nullptr;
        if (f && f->merge_list && !f->merge_key.empty()) {
          for (const json::value& el : value.get_array()) {
            const json::object* o = el.if_object();
            if (o == nullptr || !o->contains(f->merge_key))
              return Bad("an element of " + std::string(key) + " does not contain the merge key \"" +
                         f->merge_key + "\"");
          }
        }
      }
    } else if (const json::object* child = value.if_object()) {
      CARRIER_RETURN_IF_ERROR(CheckObject(*child, FieldType(type, key)));
    } else if (const json::array* list = value.if_array()) {
      const PatchField* f = type ? type->Find(key) : nullptr;
      if (f && f->merge_list) CARRIER_RETURN_IF_ERROR(CheckList(*list, *f, key));
    }
  }
  return Status::Ok();
}

// ---- Applying a checked patch --------------------------------------------------------

enum class Outcome { kKeep, kDelete };

Outcome MergeObject(json::object& orig, const json::object& patch, const PatchType* type);

// The identity of a list element: its merge key's value, or the element itself.
const json::value* Identity(const json::value& el, const std::string& merge_key) {
  if (merge_key.empty()) return &el;
  const json::object* obj = el.if_object();
  return obj ? obj->if_contains(merge_key) : nullptr;
}

std::ptrdiff_t IndexOf(const std::vector<const json::value*>& ids, const json::value* id) {
  if (id == nullptr) return -1;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] && JsonEqual(*ids[i], *id)) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

// A patch value put where the original has nothing mergeable: directives are resolved
// (and nulls dropped) by merging into an empty value of the same shape.
json::value Fresh(const json::value& patch, const PatchType* type, const json::storage_ptr& sp) {
  if (const json::object* p = patch.if_object()) {
    json::object out(sp);
    MergeObject(out, *p, type);
    return out;
  }
  return json::value(patch, sp);
}

void MergeList(json::array& orig, const json::array& patch, const PatchField& field) {
  const json::storage_ptr& sp = orig.storage();
  if (field.merge_key.empty()) {
    // Scalars: a set union, original order first.
    for (const json::value& v : patch) orig.push_back(json::value(v, sp));
    json::array unique(sp);
    for (json::value& v : orig)
      if (std::none_of(unique.begin(), unique.end(), [&](const json::value& u) { return JsonEqual(u, v); }))
        unique.push_back(std::move(v));
    orig = std::move(unique);
    return;
  }
  // `$patch: replace` as an element replaces the whole list with the other elements.
  for (const json::value& el : patch) {
    const json::value* d = el.get_object().if_contains(kPatchDirective);
    if (d && d->get_string() == "replace") {
      json::array out(sp);
      for (const json::value& other : patch) {
        const json::value* od = other.get_object().if_contains(kPatchDirective);
        if (od && od->get_string() == "replace") continue;
        out.push_back(Fresh(other, field.type, sp));
      }
      orig = std::move(out);
      return;
    }
  }
  for (const json::value& el : patch) {
    const json::object& p = el.get_object();
    const json::value& key = p.at(field.merge_key);
    auto match = std::find_if(orig.begin(), orig.end(), [&](const json::value& o) {
      const json::value* id = Identity(o, field.merge_key);
      return id && JsonEqual(*id, key);
    });
    const json::value* d = p.if_contains(kPatchDirective);
    if (d && d->get_string() == "delete") {
      // Deletes every element with this key.
      json::array kept(sp);
      for (json::value& o : orig) {
        const json::value* id = Identity(o, field.merge_key);
        if (!(id && JsonEqual(*id, key))) kept.push_back(std::move(o));
      }
      orig = std::move(kept);
      continue;
    }
    if (match == orig.end()) {
      orig.push_back(Fresh(el, field.type, sp));
    } else if (match->is_object()) {
      if (MergeObject(match->get_object(), p, field.type) == Outcome::kDelete) orig.erase(match);
    } else {
      *match = Fresh(el, field.type, sp);
    }
  }
}

// Orders `list` as Kubernetes does for $setElementOrder: elements named in `order` follow
// it; the others keep their relative original order and are interleaved by their original
// position.
void ApplyElementOrder(json::array& list, const json::array& order,
                       const std::vector<json::value>& original_ids, const std::string& merge_key) {
  std::vector<const json::value*> order_ids;
  for (const json::value& o : order) order_ids.push_back(Identity(o, merge_key));
  std::vector<const json::value*> orig_ids;
  for (const json::value& id : original_ids) orig_ids.push_back(&id);

  struct Item {
    json::value* value;
    std::ptrdiff_t order_index;
    std::ptrdiff_t orig_index;
  };
  std::vector<Item> listed, others;
  for (json::value& v : list) {
    const json::value* id = Identity(v, merge_key);
    Item item{&v, IndexOf(order_ids, id), IndexOf(orig_ids, id)};
    (item.order_index >= 0 ? listed : others).push_back(item);
  }
  std::stable_sort(listed.begin(), listed.end(),
                   [](const Item& a, const Item& b) { return a.order_index < b.order_index; });
  json::array out(list.storage());
  out.reserve(list.size());
  std::size_t i = 0, j = 0;
  while (i < others.size() || j < listed.size()) {
    bool take_other;
    if (j >= listed.size()) {
      take_other = true;
    } else if (i >= others.size()) {
      take_other = false;
    } else {
      const Item& o = others[i];
      const Item& l = listed[j];
      take_other = o.orig_index >= 0 && l.orig_index >= 0 && o.orig_index < l.orig_index;
    }
    out.push_back(std::move(*(take_other ? others[i++] : listed[j++]).value));
  }
  list = std::move(out);
}

Outcome MergeObject(json::object& orig, const json::object& patch, const PatchType* type) {
  const json::storage_ptr& sp = orig.storage();
  if (const json::value* d = patch.if_contains(kPatchDirective)) {
    std::string_view directive = d->get_string();
    if (directive == "delete") return Outcome::kDelete;
    if (directive == "replace") {
      orig.clear();
      json::object rest(patch, sp);
      rest.erase(kPatchDirective);
      MergeObject(orig, rest, type);
      return Outcome::kKeep;
    }
  }
  if (const json::value* retain = patch.if_contains(kRetainKeys)) {
    const json::array& keep = retain->get_array();
    std::vector<std::string> drop;
    for (const auto& kv : orig)
      if (std::none_of(keep.begin(), keep.end(), [&](const json::value& k) { return k.get_string() == kv.key(); }))
        drop.emplace_back(kv.key());
    for (const std::string& k : drop) orig.stable_erase(k);
  }
  // Scalars removed from merged lists before the patch's own elements are added.
  for (const auto& [key, value] : patch) {
    if (!StartsWith(key, kDeleteFromPrimitiveList)) continue;
    auto it = orig.find(std::string_view(key).substr(kDeleteFromPrimitiveList.size()));
    if (it == orig.end() || !it->value().is_array()) continue;
    json::array& list = it->value().get_array();
    const json::array& remove = value.get_array();
    json::array kept(sp);
    for (json::value& v : list)
      if (std::none_of(remove.begin(), remove.end(), [&](const json::value& r) { return JsonEqual(r, v); }))
        kept.push_back(std::move(v));
    list = std::move(kept);
  }
  // The original identities of every list that gets an element order.
  std::vector<std::pair<std::string, std::vector<json::value>>> original_orders;
  for (const auto& [key, value] : patch) {
    if (!StartsWith(key, kSetElementOrder)) continue;
    std::string field(std::string_view(key).substr(kSetElementOrder.size()));
    const PatchField* f = type ? type->Find(field) : nullptr;
    std::string merge_key = f ? f->merge_key : std::string();
    std::vector<json::value> ids;
    if (auto it = orig.find(field); it != orig.end() && it->value().is_array())
      for (const json::value& el : it->value().get_array())
        if (const json::value* id = Identity(el, merge_key)) ids.push_back(*id);
    original_orders.emplace_back(std::move(field), std::move(ids));
  }

  for (const auto& [key, value] : patch) {
    if (!key.empty() && key.front() == '$' &&
        (key == kPatchDirective || key == kRetainKeys || StartsWith(key, kSetElementOrder) ||
         StartsWith(key, kDeleteFromPrimitiveList)))
      continue;
    if (value.is_null()) {
      orig.stable_erase(key);
      continue;
    }
    const PatchField* field = type ? type->Find(key) : nullptr;
    const PatchType* field_type = field ? field->type : nullptr;
    auto it = orig.find(key);
    if (const json::object* p = value.if_object()) {
      if (it != orig.end() && it->value().is_object()) {
        if (MergeObject(it->value().get_object(), *p, field_type) == Outcome::kDelete)
          orig.stable_erase(it);
        continue;
      }
      json::object fresh(sp);
      if (MergeObject(fresh, *p, field_type) == Outcome::kDelete) {
        if (it != orig.end()) orig.stable_erase(it);
        continue;
      }
      if (it != orig.end()) {
        it->value() = std::move(fresh);
      } else {
        orig.emplace(key, std::move(fresh));
      }
      continue;
    }
    if (value.is_array() && field && field->merge_list) {
      if (it == orig.end() || !it->value().is_array()) {
        json::array empty(sp);
        if (it != orig.end()) {
          it->value() = std::move(empty);
        } else {
          it = orig.emplace(key, std::move(empty)).first;
        }
      }
      MergeList(it->value().get_array(), value.get_array(), *field);
      continue;
    }
    if (it != orig.end()) {
      it->value() = json::value(value, sp);
    } else {
      orig.emplace(key, json::value(value, sp));
    }
  }

  for (auto& [field, ids] : original_orders) {
    auto it = orig.find(field);
    if (it == orig.end() || !it->value().is_array()) continue;
    const PatchField* f = type ? type->Find(field) : nullptr;
    std::string merge_key = f ? f->merge_key : std::string();
    ApplyElementOrder(it->value().get_array(),
                      patch.at(std::string(kSetElementOrder) + field).get_array(), ids, merge_key);
  }
  return Outcome::kKeep;
}

}  // namespace

const PatchType* StrategicPatchSchema(std::string_view group, std::string_view kind) {
  return BuiltinSchemas().Find(group, kind);
}

Status ApplyStrategicMergePatch(json::value& doc, const json::value& patch,
                                const PatchType* schema) {
  const json::object* p = patch.if_object();
  if (p == nullptr) return Bad("the patch must be a JSON object");
  CARRIER_RETURN_IF_ERROR(CheckObject(*p, schema));
  if (!doc.is_object()) doc = json::object(doc.storage());
  if (MergeObject(doc.get_object(), *p, schema) == Outcome::kDelete)
    return Bad("$patch: delete cannot remove the whole object");
  return Status::Ok();
}

Status ApplyStrategicMergePatch(json::value& doc, const json::value& patch,
                                std::string_view group, std::string_view kind) {
  const PatchType* schema = StrategicPatchSchema(group, kind);
  if (schema != nullptr) return ApplyStrategicMergePatch(doc, patch, schema);
  if (!patch.is_object()) return Bad("the patch must be a JSON object");
  ApplyMergePatch(doc, patch);
  return Status::Ok();
}

}  // namespace carrier::api
