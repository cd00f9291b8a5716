// libFuzzer target: Kubernetes protobuf request bodies. Any input is answered with an object
// or a 400/415 error, never a crash or an over-read; whatever decodes serializes as JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "api/protobuf/envelope.h"
#include "api/protobuf/schema.h"
#include "api/protobuf/transcode.h"

namespace {
void Require(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier;
  using namespace carrier::api::protobuf;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto decoded = DecodeObject(body);
  if (!decoded.ok()) {
    Require(decoded.status().code() == Code::kBadRequest ||
            decoded.status().code() == Code::kUnsupportedMedia);
    Require(!decoded.status().message().empty());
  } else {
    Require(decoded->contains("kind"));
    Require(!boost::json::serialize(*decoded).empty());
  }
  // The same bytes as the typed message of a deep type, without the envelope.
  if (const Message* cronjob = FindTopLevel("batch/v1", "CronJob")) {
    auto typed = TranscodeToJson(*cronjob, body);
    if (!typed.ok()) Require(typed.status().code() == Code::kBadRequest);
  }
  return 0;
}
