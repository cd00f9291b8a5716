// libFuzzer target: the JSON decoder and the three patch appliers. The input is a document
// and a patch separated by the first newline. Whatever the input, decoding either fails with
// a Status or yields a value that serializes and decodes back equal; every patch either
// fails with a message or leaves a document that still serializes and decodes back equal.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_decode.h"
#include "api/json_patch.h"
#include "api/merge_patch.h"
#include "api/strategic_merge_patch.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

// Serializing and decoding reaches a fixed point after one round. (Not at once: Boost.JSON
// 1.81 may read a number beyond 2^64 one unit in the last place away from its printed form.)
void RequireRoundTrip(const boost::json::value& v) {
  auto once = carrier::api::DecodeJson(boost::json::serialize(v));
  Require(once.ok());
  const std::string printed = boost::json::serialize(*once);
  auto twice = carrier::api::DecodeJson(printed);
  Require(twice.ok());
  Require(boost::json::serialize(*twice) == printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = text.find('\n');
  std::string_view doc_text = text.substr(0, newline);
  std::string_view patch_text = newline == std::string_view::npos ? "" : text.substr(newline + 1);

  auto doc = DecodeJson(doc_text);
  auto patch = DecodeJson(patch_text);
  if (!doc.ok()) Require(!doc.status().message().empty());
  if (!doc.ok() || !patch.ok()) return 0;
  RequireRoundTrip(*doc);
  RequireRoundTrip(*patch);

  boost::json::value json_patched = *doc;
  carrier::Status st = ApplyJsonPatch(json_patched, *patch);
  if (st.ok()) {
    RequireRoundTrip(json_patched);
  } else {
    Require(!st.message().empty());
  }

  boost::json::value merged = *doc;
  ApplyMergePatch(merged, *patch);
  RequireRoundTrip(merged);
  // A merge patch applied twice changes nothing more (it is idempotent).
  boost::json::value twice = merged;
  ApplyMergePatch(twice, *patch);
  Require(JsonEqual(twice, merged));

  for (std::string_view kind : {"Pod", "Deployment", "Service"}) {
    boost::json::value strategic = *doc;
    std::string_view group = kind == "Deployment" ? "apps" : "";
    carrier::Status sst = ApplyStrategicMergePatch(strategic, *patch, group, kind);
    if (sst.ok()) {
      RequireRoundTrip(strategic);
    } else {
      Require(!sst.message().empty());
    }
  }
  return 0;
}
