#pragma once
// The built-in resource types every logical cluster serves: names, kinds, scope, verbs,
// short names, subresources and the columns of its Table (the fields each supports in field
// selectors are api::FieldSet::ForKind). The catalog is built once and shared by every logical cluster (an idle hosted
// cluster costs nothing for it).

#include <boost/json/fwd.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace carrier::apiserver {

struct CustomVersion;  // custom_resources.h

struct TableColumn {
  std::string name;
  std::string type;  // "string", "integer", "date", ...
  std::string description;
  int priority = 0;  // 0: shown by default; 1: with -o wide
  // The cell for an object; a dotted path into the object when `cell` is empty.
  std::string path;
  std::function<std::string(const boost::json::object&)> cell;
  // A typed cell (numbers, booleans, null for "no value"); used when set.
  std::function<boost::json::value(const boost::json::object&)> value_cell;
};

struct ResourceType {
  std::string group;  // "" for core
  std::string version;
  std::string resource;  // plural, lower case
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool has_status = false;  // a status subresource: spec and status written separately
  bool has_scale = false;
  // Further subresources that read and write the whole object (get, patch, update), with
  // the type's strategy deciding what each may change: a CSR's "approval".
  std::vector<std::string> subresources;
  // Columns after NAME (AGE is added last by the table writer unless listed).
  std::vector<TableColumn> columns;
  bool age_column = true;   // false: `columns` are the whole table after NAME
  bool name_column = true;  // false: `columns` place NAME themselves (events)
  // Verbs in discovery when not the standard ones. Types with their own verbs are not
  // stored: their handlers (e.g. authn/authentication_api.h) answer them.
  std::vector<std::string> verbs;
  // Set for the types CustomResourceDefinitions define (schema, storage version).
  std::shared_ptr<const CustomVersion> custom;

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ListKind() const { return kind + "List"; }
};

class ResourceCatalog {
 public:
  // The catalog of built-in types (immutable, shared).
  static const ResourceCatalog& BuiltIn();

  const ResourceType* Find(std::string_view group, std::string_view version,
                           std::string_view resource) const;
  const std::vector<ResourceType>& types() const { return types_; }
  // Group versions in discovery order: ("", "v1") first, then groups as registered.
  std::vector<std::pair<std::string, std::string>> GroupVersions() const;

 private:
  std::vector<ResourceType> types_;
};

// The standard verbs of a resource collection.
const std::vector<std::string>& StandardVerbs();

}  // namespace carrier::apiserver
