#pragma once
// Field selectors with Kubernetes' semantics.
//
// Parse() reads `?fieldSelector=`: comma-separated `field=value`, `field==value` or
// `field!=value` terms; inside a value `\,` `\=` and `\\` escape ',', '=' and '\'.
// Malformed text is a 400 BadRequest. Each resource type declares the fields it supports as
// a FieldSet; CheckSupported() rejects any other field with Kubernetes' message
// "field label not supported: <field>" (400), and Matches() reads values through the set.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

enum class FieldOp { kEquals, kDoubleEquals, kNotEquals };

struct FieldRequirement {
  std::string field;
  FieldOp op;
  std::string value;  // unescaped
};

// The selectable fields of one resource type. Every type supports metadata.name and
// metadata.namespace; a type adds fields read from a dotted JSON path of the object, with
// a default when the path is absent (Kubernetes prints false bools, e.g. spec.hostNetwork).
class FieldSet {
 public:
  struct Field {
    std::string name;     // selector name, e.g. "spec.nodeName", "source"
    std::string path;     // dotted path inside the object, e.g. "source.component"
    std::string absent;   // value when the path is missing
  };

  FieldSet() : FieldSet(std::vector<Field>{}) {}
  explicit FieldSet(std::vector<Field> extra);

  bool Supports(std::string_view field) const;
  // The object's value for a supported field ("" when unsupported). Strings as they are,
  // booleans and numbers in their JSON text, anything else as absent.
  std::string Value(const boost::json::value& object, std::string_view field) const;

  // The built-in set for a kind of the given API group ("" for core); types without
  // special fields get metadata.name and metadata.namespace only.
  static const FieldSet& ForKind(std::string_view group, std::string_view kind);

 private:
  std::vector<Field> fields_;
};

class FieldSelector {
 public:
  // Matches everything.
  FieldSelector() = default;

  static Result<FieldSelector> Parse(std::string_view text);

  bool MatchesEverything() const { return requirements_.empty(); }
  Status CheckSupported(const FieldSet& fields) const;

  // `value(field)` returns the object's value for a field.
  bool Matches(const std::function<std::string(std::string_view)>& value) const;
  bool Matches(const FieldSet& fields, const boost::json::value& object) const;

  // The value required by `field=value`/`field==value`, if the selector has one (lets the
  // caller turn `metadata.name=x` into a point read).
  const std::string* RequiresExactMatch(std::string_view field) const;

  // Canonical string with values escaped; parses back to an equal selector.
  std::string ToString() const;

  const std::vector<FieldRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<FieldRequirement> requirements_;
};

}  // namespace carrier::api
