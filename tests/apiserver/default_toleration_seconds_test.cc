// The DefaultTolerationSeconds admission plugin: pods get 300 s tolerations for the
// not-ready and unreachable NoExecute taints unless they already tolerate them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/admission/builtin_plugins.h"

namespace carrier::apiserver::admission {
namespace {

namespace json = boost::json;

// The tolerations after admitting a create (or `subresource` update) of a pod with `spec`.
std::string Admitted(std::string_view spec, Operation op = Operation::kCreate,
                     std::string subresource = "") {
  auto v = api::DecodeJson(R"({"metadata":{"name":"p"},"spec":)" + std::string(spec) + "}");
  EXPECT_TRUE(v.ok()) << spec;
  json::object pod = v->as_object();
  Request r;
  r.operation = op;
  r.cluster = "c";
  r.type = ResourceCatalog::BuiltIn().Find("", "v1", "pods");
  r.namespace_ = "default";
  r.name = "p";
  r.subresource = std::move(subresource);
  r.object = &pod;
  auto plugin = NewDefaultTolerationSeconds();
  EXPECT_FALSE(plugin->Admit(r));
  const json::value* t = pod["spec"].as_object().if_contains("tolerations");
  return t ? json::serialize(*t) : "";
}

constexpr std::string_view kNotReady =
    R"({"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300})";
constexpr std::string_view kUnreachable =
    R"({"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300})";

TEST(DefaultTolerationSecondsTest, APodWithoutTolerationsGetsBoth) {
  EXPECT_EQ(Admitted(R"({"containers":[{"name":"c"}]})"),
            "[" + std::string(kNotReady) + "," + std::string(kUnreachable) + "]");
  EXPECT_EQ(Admitted(R"({"containers":[{"name":"c"}]})", Operation::kUpdate),
            "[" + std::string(kNotReady) + "," + std::string(kUnreachable) + "]");
}

TEST(DefaultTolerationSecondsTest, ExistingTolerationsAreKept) {
  const std::string own =
      R"({"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":5})";
  EXPECT_EQ(Admitted(R"({"tolerations":[)" + own + "]}"), "[" + own + "," + std::string(kNotReady) + "]");
  // No effect: covers NoExecute too.
  const std::string any_effect = R"({"key":"node.kubernetes.io/not-ready","operator":"Exists"})";
  EXPECT_EQ(Admitted(R"({"tolerations":[)" + any_effect + "]}"),
            "[" + any_effect + "," + std::string(kUnreachable) + "]");
  // An empty key with Exists tolerates every taint.
  EXPECT_EQ(Admitted(R"({"tolerations":[{"operator":"Exists"}]})"), R"([{"operator":"Exists"}])");
  // A NoSchedule toleration of the same key does not count.
  const std::string no_schedule = R"({"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"})";
  EXPECT_EQ(Admitted(R"({"tolerations":[)" + no_schedule + "]}"),
            "[" + no_schedule + "," + std::string(kNotReady) + "," + std::string(kUnreachable) + "]");
}

TEST(DefaultTolerationSecondsTest, SubresourcesAreLeftAlone) {
  EXPECT_EQ(Admitted(R"({"containers":[]})", Operation::kUpdate, "status"), "");
}

}  // namespace
}  // namespace carrier::apiserver::admission
