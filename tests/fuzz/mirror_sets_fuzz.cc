// libFuzzer target: IDMS/ITMS/ICSP documents (YAML or JSON) through parsing, rendering and
// resolution. Rendering is deterministic and every resolved location is a valid reference.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "registry/mirror/mirror_sets.h"
#include "registry/mirror/registries_conf.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::registry;
  using namespace carrier::registry::mirror;
  if (size > 64 << 10) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto sets = ParseMirrorSets(text);
  if (!sets.ok()) return 0;
  auto config = BuildRegistriesConfig(*sets);
  Require(config.ok());
  Require(RenderRegistriesConf(*config) == RenderRegistriesConf(*config));
  for (const MirrorSet& set : *sets) {
    for (const MirrorRule& rule : set.rules) {
      for (const char* suffix :
           {"/x:latest",
            "/x@sha256:5cfbaf45ca96806917830c183e9f37df2e913b187adb32e89fd83fa455ebaa6d"}) {
        auto ref = ParseImageReference(rule.source + suffix);
        if (!ref.ok()) continue;
        for (const PullLocation& l : ResolvePullLocations(*config, *ref)) {
          Require(!l.reference.empty());
        }
      }
    }
  }
  return 0;
}
