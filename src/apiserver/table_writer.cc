#include "apiserver/table_writer.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"

namespace carrier::apiserver {

namespace json = boost::json;

IncludeObject ParseIncludeObject(std::string_view value) {
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return IncludeObject::kMetadata;
}

namespace {

json::object ColumnDefinition(std::string_view name, std::string_view type,
                              std::string_view format, std::string_view description,
                              int priority) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

// The value at a dotted path, as a Table cell: strings and numbers as they are, others as
// their JSON text, missing as "<none>" like kubectl prints.
json::value CellAt(const json::object& obj, std::string_view path) {
  const json::value* v = nullptr;
  const json::object* o = &obj;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (o == nullptr) return "<none>";
    v = o->if_contains(key);
    if (v == nullptr) return "<none>";
    o = v->if_object();
  }
  if (v == nullptr || v->is_null()) return "<none>";
  if (v->is_string() || v->is_number()) return *v;
  return json::string(json::serialize(*v));
}

}  // namespace

json::object MakeTable(const ResourceType& type, std::string_view table_version,
                       const std::vector<const json::object*>& objects,
                       const json::object& list_meta, IncludeObject include) {
  json::array columns;
  if (type.name_column) {
    columns.push_back(ColumnDefinition(
        "Name", "string", "name",
        "Name must be unique within a namespace. It is required when creating resources.", 0));
  }
  for (const auto& c : type.columns) {
    columns.push_back(ColumnDefinition(c.name, c.type, "", c.description, c.priority));
  }
  if (type.age_column) {
    columns.push_back(ColumnDefinition(
        "Age", "string", "",
        "CreationTimestamp is a timestamp representing the server time when this object was "
        "created.",
        0));
  }

  const auto now = std::chrono::system_clock::now();
  json::array rows;
  for (const json::object* obj : objects) {
    json::array cells;
    if (type.name_column) cells.emplace_back(MetaString(*obj, "name"));
    for (const auto& c : type.columns) {
      if (c.value_cell) {
        cells.push_back(c.value_cell(*obj));
      } else if (c.cell) {
        cells.emplace_back(c.cell(*obj));
      } else {
        cells.push_back(CellAt(*obj, c.path));
      }
    }
    if (type.age_column) cells.emplace_back(HumanAgeSince(MetaString(*obj, "creationTimestamp"), now));
    json::object row{{"cells", std::move(cells)}};
    if (include == IncludeObject::kObject) {
      row["object"] = *obj;
    } else if (include == IncludeObject::kMetadata) {
      json::object partial{{"kind", "PartialObjectMetadata"},
                           {"apiVersion", "meta.k8s.io/" + std::string(table_version)}};
      if (auto* meta = obj->if_contains("metadata")) partial["metadata"] = *meta;
      row["object"] = std::move(partial);
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/" + std::string(table_version)},
          {"metadata", list_meta},
          {"columnDefinitions", std::move(columns)},
          {"rows", std::move(rows)}};
}

}  // namespace carrier::apiserver
