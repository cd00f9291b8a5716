#include "api/cel.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api::cel {
namespace {

namespace json = boost::json;

// The value of `expression` with self (and oldSelf when given) bound, or the error text.
std::string Eval(std::string_view expression, std::string_view self = "null",
                 std::optional<std::string_view> old_self = std::nullopt) {
  auto program = Program::Compile(expression);
  if (!program.ok()) return "compile: " + program.status().message();
  const json::value self_value = json::parse(self);
  const json::value old_value = old_self ? json::parse(*old_self) : json::value();
  auto result = (*program)->Evaluate(self_value, old_self ? &old_value : nullptr);
  if (!result.ok()) return "error: " + result.status().message();
  return json::serialize(*result);
}

TEST(CelTest, ArithmeticComparisonAndLogic) {
  EXPECT_EQ(Eval("1 + 2 * 3"), "7");
  EXPECT_EQ(Eval("(1 + 2) * 3 - -1"), "10");
  EXPECT_EQ(Eval("7 / 2 == 3 && 7 % 2 == 1"), "true");
  EXPECT_EQ(Eval("1.5 < 2 ? 'yes' : 'no'"), "\"yes\"");
  EXPECT_EQ(Eval("!(1 > 2) || false"), "true");
  EXPECT_EQ(Eval("'ab' + 'c' == 'abc'"), "true");
  EXPECT_EQ(Eval("[1, 2] + [3]"), "[1,2,3]");
  EXPECT_EQ(Eval("1 / 0"), "error: division by zero");
  EXPECT_EQ(Eval("9223372036854775807 + 1"), "error: integer overflow");
  EXPECT_EQ(Eval("1 < 'a'"), "error: no such overload: int compared with string");
}

TEST(CelTest, SelectionHasAndErrorAbsorption) {
  const std::string_view self = R"({"a": {"b": [10, 20]}, "n": "x"})";
  EXPECT_EQ(Eval("self.a.b[1]", self), "20");
  EXPECT_EQ(Eval("self['n']", self), "\"x\"");
  EXPECT_EQ(Eval("has(self.a) && !has(self.missing)", self), "true");
  EXPECT_EQ(Eval("self.missing == 1", self), "error: no such key: missing");
  // An error on one side is absorbed when the other side decides.
  EXPECT_EQ(Eval("self.missing == 1 || true", self), "true");
  EXPECT_EQ(Eval("false && self.missing == 1", self), "false");
  EXPECT_EQ(Eval("self.a.b[5]", self), "error: index out of range: 5");
  EXPECT_EQ(Eval("'n' in self && 20 in self.a.b", self), "true");
}

TEST(CelTest, MacrosAndFunctions) {
  const std::string_view self = R"({"items": [1, 2, 3], "name": "api.demo.example.com"})";
  EXPECT_EQ(Eval("self.items.all(i, i > 0)", self), "true");
  EXPECT_EQ(Eval("self.items.exists(i, i == 2)", self), "true");
  EXPECT_EQ(Eval("self.items.exists_one(i, i > 1)", self), "false");
  EXPECT_EQ(Eval("self.items.map(i, i * 10)", self), "[10,20,30]");
  EXPECT_EQ(Eval("self.items.filter(i, i % 2 == 1).size()", self), "2");
  EXPECT_EQ(Eval("size(self.name) == 20 && self.name.startsWith('api.')", self), "true");
  EXPECT_EQ(Eval("self.name.endsWith('.com') && self.name.contains('demo')", self), "true");
  EXPECT_EQ(Eval("self.name.matches('^api\\\\.[a-z]+\\\\.')", self), "true");
  EXPECT_EQ(Eval("'AbC'.lowerAscii() + 'x'.upperAscii()"), "\"abcX\"");
  EXPECT_EQ(Eval("int('42') + 1 == 43 && string(7) == '7'"), "true");
}

TEST(CelTest, TransitionRulesSeeOldSelf) {
  auto program = Program::Compile("self == oldSelf");
  ASSERT_TRUE(program.ok());
  EXPECT_TRUE((*program)->references_old_self());
  EXPECT_EQ(Eval("self == oldSelf", "\"Replace\"", "\"Replace\""), "true");
  EXPECT_EQ(Eval("self == oldSelf", "\"InPlace\"", "\"Replace\""), "false");
  EXPECT_EQ(Eval("self == oldSelf", R"({"a": [1, {"b": 2}]})", R"({"a": [1, {"b": 2}]})"), "true");
  EXPECT_FALSE((*Program::Compile("self > 1"))->references_old_self());
}

TEST(CelTest, CompileErrorsNameTheProblem) {
  EXPECT_EQ(Eval("self.a +"), "compile: unexpected end of expression at position 9");
  EXPECT_EQ(Eval("unknown.a"), "compile: undeclared reference to 'unknown'");
  EXPECT_EQ(Eval("self.frobnicate()"), "compile: undeclared reference to 'frobnicate'");
  EXPECT_EQ(Eval("self.startsWith()"),
            "compile: found no matching overload for 'startsWith' with 0 argument(s) as a method");
  EXPECT_EQ(Eval("has(self)"), "compile: has() needs a field selection such as has(self.field) at position 10");
  EXPECT_EQ(Eval("'open"), "compile: unterminated string at position 6");
  EXPECT_EQ(Eval("self.items.all(i, i > x)"), "compile: undeclared reference to 'x'");
}

}  // namespace
}  // namespace carrier::api::cel
