// libFuzzer target: YAML request bodies. Any input is answered, never crashes; whatever
// parses writes back as YAML that parses to the same JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "api/yaml_json.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = YamlToJson(text);
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty());
    return 0;
  }
  auto again = YamlToJson(JsonToYaml(*parsed));
  Require(again.ok());
  Require(*again == *parsed);
  return 0;
}
