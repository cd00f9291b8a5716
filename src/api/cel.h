#pragma once
// The part of CEL (the Common Expression Language) that CustomResourceDefinition validation
// rules (`x-kubernetes-validations`) are written in, evaluated over JSON values:
//
//   literals      1, -2, 3u, 1.5, 'text', "text", true, false, null, [a, b], {'k': v}
//   variables     self, oldSelf (transition rules), and the variables of macros
//   selection     a.b, a['b'], a[0]
//   operators     ! - * / % + < <= > >= == != in && || ?:
//                 (&& and || absorb an error on one side when the other decides)
//   macros        has(a.b), e.all(x, p), e.exists(x, p), e.exists_one(x, p),
//                 e.map(x, f), e.filter(x, p)
//   functions     size, startsWith, endsWith, contains, matches, lowerAscii, upperAscii,
//                 trim, int, uint, double, string, bool
//
// Anything else is a compile error, so a CRD with a rule Carrier cannot evaluate is refused
// when it is written rather than ignored.

#include <boost/json/fwd.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace carrier::api::cel {

class Program {
 public:
  struct Node;

  // kInvalidArgument with the position and what was expected.
  static Result<std::shared_ptr<const Program>> Compile(std::string_view expression);

  // The value of the expression with `self` (and `oldSelf` when not null) bound.
  // kInvalidArgument on a runtime error ("no such key: x", a type mismatch).
  Result<boost::json::value> Evaluate(const boost::json::value& self,
                                      const boost::json::value* old_self) const;

  // A transition rule: it reads oldSelf, so it only applies to updates.
  bool references_old_self() const { return references_old_self_; }
  const std::string& expression() const { return expression_; }

  ~Program();

 private:
  Program() = default;
  std::string expression_;
  std::unique_ptr<Node> root_;
  bool references_old_self_ = false;
};

}  // namespace carrier::api::cel
