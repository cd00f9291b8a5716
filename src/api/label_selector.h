#pragma once
// Label selectors with Kubernetes' semantics.
//
// Parse() reads the string syntax of `?labelSelector=`: comma-separated requirements, each
// `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`, `key`
// (exists) or `!key` (does not exist); whitespace around tokens is ignored. Keys must be
// qualified names and values valid label values; errors are 400 BadRequest with a message
// naming the offending token. FromJson() reads a metav1.LabelSelector object (matchLabels,
// matchExpressions with In/NotIn/Exists/DoesNotExist); a null selector matches nothing and
// an empty one matches everything, as in Kubernetes. Requirements are kept sorted by key.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "base/status.h"

namespace carrier::api {

enum class LabelOp { kEquals, kDoubleEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };

struct LabelRequirement {
  std::string key;
  LabelOp op;
  std::vector<std::string> values;  // sorted, unique; one for the equality operators
};

using LabelMap = std::map<std::string, std::string, std::less<>>;

class LabelSelector {
 public:
  // Matches everything.
  LabelSelector() = default;

  static Result<LabelSelector> Parse(std::string_view text);
  static Result<LabelSelector> FromJson(const boost::json::value& selector);
  static LabelSelector Nothing();

  bool MatchesEverything() const { return !nothing_ && requirements_.empty(); }
  bool MatchesNothing() const { return nothing_; }

  // `labels` is metadata.labels (null, absent or an object of strings).
  bool Matches(const boost::json::value& labels) const;
  bool Matches(const LabelMap& labels) const;

  // Canonical string form ("a=b,c in (x,y),!d"); parses back to an equal selector.
  std::string ToString() const;

  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

}  // namespace carrier::api
