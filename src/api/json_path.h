#pragma once
// The part of Kubernetes JSONPath that CRD printer columns (additionalPrinterColumns) and
// their users need: `.a.b`, `['a.b']`, `[n]` (negative counts from the end), `[*]` and `.*`,
// and filters `[?(@.x.y == "v")]` / `!=` / `<` `<=` `>` `>=` against string, number and
// boolean literals, or `[?(@.x)]` for presence. An optional `{...}` wrapper is accepted.
// Evaluation yields every matching value in document order.

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace carrier::api {

class JsonPath {
 public:
  // kInvalidArgument with the position for a malformed expression.
  static Result<JsonPath> Parse(std::string_view expression);

  std::vector<const boost::json::value*> Evaluate(const boost::json::value& root) const;
  const std::string& expression() const { return expression_; }

  struct Step;

 private:
  std::string expression_;
  std::shared_ptr<const std::vector<Step>> steps_;
};

}  // namespace carrier::api
