// libFuzzer target: label selectors, field selectors and JSONPath. A label selector that
// parses, and a field selector over known fields, print back to text that parses to the same
// selector; matching never crashes; a JSONPath that parses evaluates over a fixed object.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/field_selector.h"
#include "api/json_path.h"
#include "api/label_selector.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

const boost::json::value& Sample() {
  static const boost::json::value sample = boost::json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "front"}},
    "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
  })");
  return sample;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace carrier::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const boost::json::value& sample = Sample();

  auto labels = LabelSelector::Parse(text);
  if (labels.ok()) {
    std::string printed = labels->ToString();
    auto again = LabelSelector::Parse(printed);
    Require(again.ok());
    Require(again->ToString() == printed);
    Require(labels->Matches(sample.at("metadata").at("labels")) ==
            again->Matches(sample.at("metadata").at("labels")));
  } else {
    Require(!labels.status().message().empty());
  }

  // Field selectors round-trip when their fields exist (an unknown key such as "a!" is
  // refused before it is ever printed: "field label not supported").
  auto fields = FieldSelector::Parse(text);
  const FieldSet& pod_fields = FieldSet::ForKind("", "Pod");
  if (fields.ok() && fields->CheckSupported(pod_fields).ok()) {
    std::string printed = fields->ToString();
    auto again = FieldSelector::Parse(printed);
    Require(again.ok());
    Require(again->ToString() == printed);
    Require(fields->Matches(pod_fields, sample) == again->Matches(pod_fields, sample));
  }

  auto path = JsonPath::Parse(text);
  if (path.ok()) {
    for (const boost::json::value* v : path->Evaluate(sample)) Require(v != nullptr);
  } else {
    Require(path.status().code() == carrier::Code::kInvalidArgument);
  }
  return 0;
}
