// libFuzzer target: structural schemas. The input is a schema and an object separated by the
// first newline. A schema either fails to compile with field errors or compiles; a compiled
// schema defaults, prunes and validates any object without crashing, and pruning is
// idempotent.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/json_decode.h"
#include "api/json_patch.h"
#include "api/structural_schema.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = text.find('\n');
  auto schema_json = DecodeJson(text.substr(0, newline));
  if (!schema_json.ok()) return 0;
  FieldErrors errors;
  auto schema = StructuralSchema::Compile(*schema_json, "openAPIV3Schema", errors);
  Require((schema == nullptr) == !errors.empty());
  if (!schema || newline == std::string_view::npos) return 0;
  auto object = DecodeJson(text.substr(newline + 1));
  if (!object.ok()) return 0;
  schema->Default(*object);
  schema->Prune(*object);
  boost::json::value pruned = *object;
  schema->Prune(pruned);
  Require(JsonEqual(pruned, *object));
  for (const auto& e : schema->Validate(*object)) Require(!e.message.empty());
  return 0;
}
