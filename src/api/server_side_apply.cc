#include "api/server_side_apply.h"

#include <algorithm>
#include <map>
#include <optional>

#include <boost/json.hpp>

#include "api/json_patch.h"
#include "api/validation.h"

namespace carrier::api {

namespace json = boost::json;

namespace {

constexpr size_t kMaxManagerLength = 128;

// The part of a field set a manager can own through this endpoint.
FieldPathSet Tracked(FieldPathSet set, const FieldManagerContext& who) {
  set.children.erase("f:apiVersion");
  set.children.erase("f:kind");
  if (auto meta = set.children.find("f:metadata"); meta != set.children.end()) {
    for (const char* f : {"name", "namespace", "uid", "resourceVersion", "generation",
                          "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                          "managedFields", "selfLink"})
      meta->second.children.erase(std::string("f:") + f);
    if (meta->second.empty()) set.children.erase(meta);
  }
  if (who.subresource == "status") {
    FieldPathSet only;
    if (auto s = set.children.find("f:status"); s != set.children.end())
      only.children.insert(*s);
    return only;
  }
  if (who.has_status) set.children.erase("f:status");
  return set;
}

json::value* MetadataOf(json::object& obj) {
  json::value& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  return &meta;
}

const json::value* ManagedFieldsOf(const json::object* obj) {
  if (obj == nullptr) return nullptr;
  const json::value* meta = obj->if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return nullptr;
  return meta->get_object().if_contains("managedFields");
}

void SetManagedFields(json::object& obj, const std::vector<ManagedFieldsEntry>& entries) {
  json::object& meta = MetadataOf(obj)->get_object();
  if (entries.empty()) {
    meta.erase("managedFields");
  } else {
    meta["managedFields"] = ManagedFieldsToJson(entries);
  }
}

void DropEmpty(std::vector<ManagedFieldsEntry>& entries) {
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const ManagedFieldsEntry& e) { return e.fields.empty(); }),
                entries.end());
}

// Whether two entry lists say the same thing apart from timestamps.
bool SameOwnership(const std::vector<ManagedFieldsEntry>& a,
                   const std::vector<ManagedFieldsEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].SameOwner(b[i]) || a[i].api_version != b[i].api_version ||
        !(a[i].fields == b[i].fields))
      return false;
  }
  return true;
}

json::object WithoutManagedFields(const json::object& obj) {
  json::object copy = obj;
  if (json::value* meta = copy.if_contains("metadata"); meta && meta->is_object())
    meta->get_object().erase("managedFields");
  return copy;
}

// Go's %q of the manager, as conflicts name them.
std::string Describe(const ManagedFieldsEntry& e) {
  std::string out = QuoteGo(e.manager);
  if (!e.subresource.empty()) out += " with subresource " + QuoteGo(e.subresource);
  if (e.operation == "Update") out += " using " + e.api_version;
  return out;
}

// Members of `overlap` whose value in `applied` differs from the one in `live`.
void FindConflicts(const FieldPathSet& overlap, const json::value* applied, const json::value* live,
                   const std::string& path, FieldPathSet& conflicted, std::vector<std::string>& paths) {
  for (const auto& [key, child] : overlap.children) {
    const json::value* a = ResolveElement(applied, key);
    const json::value* l = ResolveElement(live, key);
    const std::string child_path = path + PrintPathElement(key);
    FieldPathSet sub;
    // List elements (k:, v:, i:) are owned as elements: only fields inside them conflict.
    if (child.member && key.starts_with("f:") &&
        (a == nullptr || l == nullptr || !JsonEqual(*a, *l))) {
      sub.member = true;
      paths.push_back(child_path);
    }
    FindConflicts(child, a, l, child_path, sub, paths);
    if (!sub.empty()) conflicted.children[key] = std::move(sub);
  }
}

json::value StripNulls(const json::value& v) {
  if (const json::object* o = v.if_object()) {
    json::object out;
    for (const auto& kv : *o)
      if (!kv.value().is_null()) out[kv.key()] = StripNulls(kv.value());
    return out;
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const json::value& e : *a) out.push_back(StripNulls(e));
    return out;
  }
  return v;
}

std::optional<size_t> IndexOf(const json::array& a, std::string_view key) {
  return FindElement(a, key);
}

bool IsEmptyContainer(const json::value& v) {
  return (v.is_object() && v.get_object().empty()) || (v.is_array() && v.get_array().empty());
}

// Removes the members of `remove` from `v`, keeping whatever `keep` (the other managers'
// fields) holds beneath them; containers emptied by the removal go too.
void RemoveFields(json::value& v, const FieldPathSet& remove, const FieldPathSet* keep) {
  std::vector<size_t> erase_indexes;
  for (const auto& [key, child] : remove.children) {
    const FieldPathSet* keep_child = nullptr;
    if (keep) {
      auto it = keep->children.find(key);
      if (it != keep->children.end()) keep_child = &it->second;
    }
    json::value* target = nullptr;
    std::optional<size_t> index;
    if (key.starts_with("f:")) {
      if (json::object* o = v.if_object()) target = o->if_contains(std::string_view(key).substr(2));
    } else if (json::array* a = v.if_array()) {
      index = IndexOf(*a, key);
      if (index) target = &(*a)[*index];
    }
    if (target == nullptr) continue;
    bool erase = false;
    if (child.member && keep_child == nullptr) {
      erase = true;
    } else if (!child.children.empty()) {
      const bool was_empty = IsEmptyContainer(*target);
      RemoveFields(*target, child, keep_child);
      erase = !was_empty && IsEmptyContainer(*target) && !(keep_child && keep_child->member);
    }
    if (!erase) continue;
    if (index) {
      erase_indexes.push_back(*index);
    } else {
      v.get_object().erase(std::string_view(key).substr(2));
    }
  }
  if (!erase_indexes.empty()) {
    std::sort(erase_indexes.rbegin(), erase_indexes.rend());
    json::array& a = v.get_array();
    for (size_t i : erase_indexes) a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

// Merges an applied configuration into the live value.
void Merge(json::value& live, const json::value& applied, const Shape& shape) {
  if (applied.is_object() && live.is_object() && !shape.atomic_map()) {
    json::object& l = live.get_object();
    for (const auto& kv : applied.get_object()) {
      if (json::value* existing = l.if_contains(kv.key())) {
        Merge(*existing, kv.value(), shape.Member(kv.key()));
      } else {
        l[kv.key()] = kv.value();
      }
    }
    return;
  }
  const ListType type = shape.list_type();
  if (applied.is_array() && live.is_array() && type != ListType::kAtomic) {
    const std::vector<std::string> keys = shape.list_keys();
    const Shape items = shape.Items();
    json::array& l = live.get_array();
    const json::array& a = applied.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string key = ListElementKey(a[i], i, type, keys);
      std::optional<size_t> at = IndexOf(l, key);
      if (!at) {
        l.push_back(a[i]);
      } else if (type == ListType::kMap) {
        Merge(l[*at], a[i], items);
      }
    }
    return;
  }
  live = applied;
}

}  // namespace

Result<ApplyOutcome> ServerSideApply(const json::object* live, const json::object& config,
                                     const Shape& shape, const FieldManagerContext& who,
                                     bool force) {
  if (const json::value* mf = ManagedFieldsOf(&config); mf && !mf->is_null())
    return Status(Code::kBadRequest, "metadata.managedFields must be nil");
  const json::value applied_config = StripNulls(config);
  const FieldPathSet applied = Tracked(FieldsOf(applied_config, shape), who);

  auto parsed = ParseManagedFields(ManagedFieldsOf(live));
  if (!parsed.ok()) return parsed.status();
  const std::vector<ManagedFieldsEntry> before = *parsed;
  std::vector<ManagedFieldsEntry> entries = std::move(*parsed);

  ManagedFieldsEntry me;
  me.manager = who.manager;
  me.operation = "Apply";
  me.subresource = who.subresource;
  me.api_version = who.api_version;
  me.time = who.time;
  FieldPathSet previously;
  std::optional<size_t> my_index;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].SameOwner(me)) {
      my_index = i;
      previously = entries[i].fields;
    }
  }

  // Conflicts with every other manager.
  ApplyOutcome outcome;
  const json::value live_value = live ? json::value(*live) : json::value();
  std::vector<FieldPathSet> conflicted(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (my_index && i == *my_index) continue;
    FieldPathSet overlap = applied.Intersect(entries[i].fields);
    if (overlap.empty()) continue;
    std::vector<std::string> paths;
    FindConflicts(overlap, &applied_config, live ? &live_value : nullptr, "", conflicted[i],
                  paths);
    for (std::string& p : paths) outcome.conflicts.push_back({Describe(entries[i]), std::move(p)});
  }
  if (!outcome.conflicts.empty() && !force) return outcome;
  outcome.conflicts.clear();

  FieldPathSet others;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (my_index && i == *my_index) continue;
    entries[i].fields = entries[i].fields.Minus(conflicted[i]);
    others.Insert(entries[i].fields);
  }

  json::value merged = live ? live_value : json::value(json::object());
  RemoveFields(merged, previously.Minus(applied).Minus(others), &others);
  Merge(merged, applied_config, shape);
  if (!merged.is_object()) merged = json::object();

  me.fields = applied;
  if (my_index) {
    entries[*my_index] = me;
  } else {
    entries.push_back(me);
  }
  DropEmpty(entries);

  outcome.object = std::move(merged.get_object());
  if (live && SameOwnership(entries, before) &&
      JsonEqual(json::value(WithoutManagedFields(outcome.object)),
                json::value(WithoutManagedFields(*live)))) {
    outcome.object = *live;  // nothing changed: keep the timestamps too
    return outcome;
  }
  SetManagedFields(outcome.object, entries);
  return outcome;
}

ApiError ApplyConflictError(const std::vector<ApplyConflict>& conflicts) {
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + conflicts[0].manager + ": " +
              conflicts[0].path;
  } else {
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const ApplyConflict& c : conflicts) by_manager[c.manager].push_back(c.path);
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    bool first = true;
    for (const auto& [manager, paths] : by_manager) {
      if (!first) message += "\n";
      first = false;
      message += "conflicts with " + manager + ":";
      for (const std::string& p : paths) message += "\n- " + p;
    }
  }
  ApiError error{Status(Code::kConflict, std::move(message)), {}};
  for (const ApplyConflict& c : conflicts) {
    error.details.causes.push_back(
        FieldError{CauseType::kFieldManagerConflict, c.path, "conflict with " + c.manager});
  }
  return error;
}

Status TrackUpdate(const json::object* old, json::object& next, const Shape& shape,
                   const FieldManagerContext& who) {
  const json::value* old_mf = ManagedFieldsOf(old);
  const json::value* new_mf = ManagedFieldsOf(&next);
  const bool reset = new_mf && !new_mf->is_null() &&
                     (old_mf == nullptr || !JsonEqual(*old_mf, *new_mf));
  auto parsed = ParseManagedFields(reset ? new_mf : old_mf);
  if (!parsed.ok()) return parsed.status();
  std::vector<ManagedFieldsEntry> entries = std::move(*parsed);
  const std::vector<ManagedFieldsEntry> before = entries;

  const json::value next_value = WithoutManagedFields(next);
  std::optional<json::value> old_value;
  if (old) old_value = WithoutManagedFields(*old);
  const FieldPathSet changed =
      Tracked(ChangedFields(old_value ? &*old_value : nullptr, next_value, shape), who);
  FieldPathSet removed;
  if (old_value) {
    removed = Tracked(FieldsOf(*old_value, shape), who)
                  .Minus(Tracked(FieldsOf(next_value, shape), who));
  }

  ManagedFieldsEntry me;
  me.manager = who.manager;
  me.operation = "Update";
  me.subresource = who.subresource;
  bool found = false;
  for (ManagedFieldsEntry& e : entries) {
    if (e.SameOwner(me)) {
      found = true;
      FieldPathSet fields = e.fields;
      fields.Insert(changed);
      fields = fields.Minus(removed);
      if (!changed.empty()) {
        e.api_version = who.api_version;
        e.time = who.time;
      }
      e.fields = std::move(fields);
    } else {
      e.fields = e.fields.Minus(changed).Minus(removed);
    }
  }
  if (!found && !changed.empty()) {
    me.api_version = who.api_version;
    me.time = who.time;
    me.fields = changed;
    entries.push_back(std::move(me));
  }
  DropEmpty(entries);
  bool same_times = SameOwnership(entries, before);
  for (size_t i = 0; same_times && i < entries.size(); ++i)
    same_times = entries[i].time == before[i].time;
  if (same_times && !reset) {
    // Nothing moved: keep the stored entries as they were, so a no-op stays one.
    json::object& meta = MetadataOf(next)->get_object();
    if (old_mf) {
      meta["managedFields"] = *old_mf;
    } else {
      meta.erase("managedFields");
    }
    return Status::Ok();
  }
  SetManagedFields(next, entries);
  return Status::Ok();
}

std::string ManagerFromUserAgent(std::string_view user_agent) {
  std::string_view name = user_agent.substr(0, user_agent.find('/'));
  if (name.size() > kMaxManagerLength) name = name.substr(0, kMaxManagerLength);
  return std::string(name);
}

}  // namespace carrier::api
