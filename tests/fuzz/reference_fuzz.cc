// libFuzzer target: image references, repository names, tags and registry hosts.
// Beyond "never crashes", it checks that whatever parses has valid parts and a canonical
// form that parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "registry/reference.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::registry;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  IsValidRepositoryName(text);
  IsValidTag(text);
  IsValidRegistryHost(text);

  auto ref = ParseImageReference(text);
  if (!ref.ok()) {
    Require(!ref.status().message().empty());
    return 0;
  }
  Require(IsValidRegistryHost(ref->registry));
  Require(IsValidRepositoryName(ref->repository));
  Require(ref->tag.empty() || IsValidTag(ref->tag));
  if (ref->digest) Require(ParseDigest(ref->digest->ToString()).ok());

  auto again = ParseImageReference(ref->ToString());
  Require(again.ok());
  Require(again->ToString() == ref->ToString());
  Require(again->registry == ref->registry && again->repository == ref->repository);
  return 0;
}
