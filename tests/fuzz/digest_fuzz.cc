// libFuzzer target: digests. Whatever parses prints back byte for byte; hashing the input in
// uneven chunks gives the same digest as hashing it at once.
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

  auto digest = ParseDigest(text);
  if (digest.ok()) {
    Require(digest->ToString() == text);
    Require(IsSupportedDigestAlgorithm(digest->algorithm));
  } else {
    Require(!digest.status().message().empty());
  }

  for (std::string_view algorithm : {"sha256", "sha512"}) {
    auto hasher = DigestHasher::Create(algorithm);
    Require(hasher.ok());
    size_t chunk = 1 + (size % 7);
    for (size_t pos = 0; pos < size; pos += chunk) hasher->Update(text.substr(pos, chunk));
    Digest streamed = hasher->Finish();
    Require(streamed == ComputeDigest(algorithm, text));
    Require(ParseDigest(streamed.ToString()).ok());
  }
  return 0;
}
