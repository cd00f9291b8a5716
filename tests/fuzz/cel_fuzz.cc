// libFuzzer target: CEL validation rules (api/cel.h). The input is an expression and a JSON
// value separated by the first newline. An expression either fails to compile with a
// message or compiles; a compiled one evaluates against any value (as self and as oldSelf)
// to a value or an error with a message, never a crash.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/cel.h"
#include "api/json_decode.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  auto program = cel::Program::Compile(text.substr(0, newline));
  if (!program.ok()) {
    Require(!program.status().message().empty());
    return 0;
  }
  boost::json::value self;
  if (newline != std::string_view::npos) {
    auto decoded = DecodeJson(text.substr(newline + 1));
    if (decoded.ok()) self = std::move(*decoded);
  }
  const boost::json::value* olds[] = {nullptr, &self};
  for (const boost::json::value* old : olds) {
    auto result = (*program)->Evaluate(self, old);
    if (!result.ok()) Require(!result.status().message().empty());
  }
  return 0;
}
