#include "controllers/daemonset_controller.h"

#include <gtest/gtest.h>

#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/scheduler_filters.h"
#include "controllers/workload_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using testing::Obj;
using testing::WorkloadStore;

std::string Node(std::string_view name, std::string_view labels = "", std::string_view spec = "{}") {
  return std::string(R"({"kind":"Node","metadata":{"name":")") + std::string(name) + R"(","labels":{"role":"worker")" +
         std::string(labels) + R"(}},"spec":)" + std::string(spec) +
         R"(,"status":{"conditions":[{"type":"Ready","status":"True"}]}})";
}

TEST(DaemonEligibilityTest, SelectorAffinityAndTaints) {
  const json::object plain = Obj(R"({"containers":[{"name":"c"}]})");
  auto on = [](const json::object& spec, const std::string& node) { return daemon::OnNode(spec, Obj(node)); };
  EXPECT_TRUE(on(plain, Node("a")).should_run);
  // nodeSelector and required node affinity.
  const json::object selective = Obj(R"({"nodeSelector":{"role":"worker"}})");
  EXPECT_TRUE(on(selective, Node("a")).should_run);
  EXPECT_FALSE(on(Obj(R"({"nodeSelector":{"role":"infra"}})"), Node("a")).should_run);
  const json::object affine = Obj(R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}]}}}})");
  EXPECT_FALSE(on(affine, Node("a")).should_run);
  EXPECT_TRUE(on(affine, Node("a", R"(,"gpu":"yes")")).should_run);
  // An untolerated NoSchedule taint: no new pod, an existing one stays; NoExecute: neither.
  const std::string no_schedule = Node("a", "", R"({"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]})");
  EXPECT_FALSE(on(plain, no_schedule).should_run);
  EXPECT_TRUE(on(plain, no_schedule).should_continue);
  const std::string no_execute = Node("a", "", R"({"taints":[{"key":"dedicated","value":"db","effect":"NoExecute"}]})");
  EXPECT_FALSE(on(plain, no_execute).should_run);
  EXPECT_FALSE(on(plain, no_execute).should_continue);
  EXPECT_TRUE(on(Obj(R"({"tolerations":[{"key":"dedicated","operator":"Exists"}]})"), no_execute).should_run);
  // The automatic tolerations of daemon pods.
  EXPECT_TRUE(on(plain, Node("a", "", R"({"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoExecute"}]})")).should_run);
  EXPECT_TRUE(on(plain, Node("a", "", R"({"unschedulable":true,"taints":[{"key":"node.kubernetes.io/unschedulable","effect":"NoSchedule"}]})"))
                  .should_run);
  EXPECT_TRUE(on(plain, Node("a", "", R"({"taints":[{"key":"node.kubernetes.io/memory-pressure","effect":"NoSchedule"}]})")).should_run);
  EXPECT_FALSE(on(plain, Node("a", "", R"({"taints":[{"key":"node.kubernetes.io/memory-pressure","effect":"NoExecute"}]})")).should_run);
}

TEST(DaemonPodSpecTest, PinnedToItsNodeWithAutomaticTolerations) {
  const json::object spec = daemon::PodSpecFor(
      Obj(R"({"tolerations":[{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":5}],
              "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                {"matchExpressions":[{"key":"gpu","operator":"Exists"}]}]}}}})"),
      "node-a");
  EXPECT_EQ(json::serialize(spec.at("affinity").at("nodeAffinity")),
            R"({"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a"]}]}]}})");
  const json::array& tolerations = spec.at("tolerations").as_array();
  EXPECT_EQ(tolerations.size(), 6u);  // the template's unreachable one is kept, not doubled
  EXPECT_EQ(tolerations.at(0).at("tolerationSeconds"), 5);
  json::object pod{{"spec", spec}};
  EXPECT_EQ(daemon::TargetNode(pod), "node-a");
  EXPECT_TRUE(scheduling::MatchesNodeSelectorAndAffinity(spec, Obj(Node("node-a"))));
  EXPECT_FALSE(scheduling::MatchesNodeSelectorAndAffinity(spec, Obj(Node("node-b"))));
}

class DaemonSetTest : public ::testing::Test {
 protected:
  void Reconcile(const std::string& key = "c1/*") {
    std::chrono::milliseconds requeue{0};
    ASSERT_TRUE(controller_.Reconcile(key, requeue).ok());
  }
  // Pod name → target node.
  std::map<std::string, std::string> Pods() {
    std::map<std::string, std::string> out;
    for (const std::string& name : store_.Names("", "pods", "ns")) {
      out[name] = daemon::TargetNode(*store_.Get("", "pods", "ns", name)->object);
    }
    return out;
  }
  std::set<std::string> Nodes() {
    std::set<std::string> out;
    for (const auto& [pod, node] : Pods()) out.insert(node);
    return out;
  }
  json::object Status() { return store_.Get("apps", "daemonsets", "ns", "agent")->object->at("status").as_object(); }

  WorkloadStore store_;
  DaemonSetController controller_{*store_};
};

TEST_F(DaemonSetTest, OnePodPerEligibleNodeFollowingTheNodes) {
  store_.Create("", "nodes", "", "a", Node("a"));
  store_.Create("", "nodes", "", "b", Node("b"));
  store_.Create("", "nodes", "", "tainted", Node("tainted", "", R"({"taints":[{"key":"dedicated","effect":"NoSchedule"}]})"));
  store_.Create("apps", "daemonsets", "ns", "agent", R"({"apiVersion":"apps/v1","kind":"DaemonSet",
      "metadata":{"name":"agent","namespace":"ns","generation":1},
      "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},
        "spec":{"containers":[{"name":"c","image":"agent:1"}]}}}})");
  Reconcile("c1/ns/agent");
  EXPECT_EQ(Nodes(), (std::set<std::string>{"a", "b"}));
  Reconcile("c1/ns/agent");  // nothing more
  EXPECT_EQ(Pods().size(), 2u);
  const json::object status = Status();
  EXPECT_EQ(status.at("desiredNumberScheduled"), 2);
  EXPECT_EQ(status.at("currentNumberScheduled"), 2);
  EXPECT_EQ(status.at("updatedNumberScheduled"), 2);
  EXPECT_EQ(status.at("numberReady"), 0);
  for (const auto& [pod, node] : Pods()) store_.MarkRunning("ns", pod);
  Reconcile();
  EXPECT_EQ(Status().at("numberAvailable"), 2);
  auto any = store_.Get("", "pods", "ns", Pods().begin()->first);
  EXPECT_EQ(LabelOf(*any->object, "pod-template-generation"), "1");
  EXPECT_FALSE(LabelOf(*any->object, "controller-revision-hash").empty());

  store_.Create("", "nodes", "", "c", Node("c"));
  Reconcile();
  EXPECT_EQ(Nodes(), (std::set<std::string>{"a", "b", "c"}));
  auto node_b = store_.Get("", "nodes", "", "b");
  ASSERT_TRUE(DeleteObject(*store_, *node_b).ok());
  Reconcile();
  EXPECT_EQ(Nodes(), (std::set<std::string>{"a", "c"}));
}

TEST_F(DaemonSetTest, RollingUpdateReplacesOneNodeAtATime) {
  for (const char* n : {"a", "b"}) store_.Create("", "nodes", "", n, Node(n));
  const std::string set = R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"ns","generation":1},
      "spec":{"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"type":"RollingUpdate"},
        "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"c","image":"IMAGE"}]}}}})";
  auto with_image = [&](std::string image) {
    std::string s = set;
    s.replace(s.find("IMAGE"), 5, image);
    return s;
  };
  store_.Create("apps", "daemonsets", "ns", "agent", with_image("agent:1"));
  Reconcile();
  for (const auto& [pod, node] : Pods()) store_.MarkRunning("ns", pod);
  auto ds = store_.Get("apps", "daemonsets", "ns", "agent");
  (*ds->object)["spec"] = Obj(with_image("agent:2")).at("spec");
  ASSERT_TRUE(UpdateObject(*store_, *ds).ok());
  Reconcile();
  EXPECT_EQ(Pods().size(), 1u);  // maxUnavailable 1: one old pod went
  Reconcile();
  auto images = [&] {
    std::multiset<std::string> out;
    for (const auto& [pod, node] : Pods()) {
      out.insert(std::string(store_.Get("", "pods", "ns", pod)->object->at("spec").at("containers").at(0).at("image").as_string()));
    }
    return out;
  };
  EXPECT_EQ(images(), (std::multiset<std::string>{"agent:1", "agent:2"}));
  Reconcile();  // the new pod is not available: the other old one stays
  EXPECT_EQ(images(), (std::multiset<std::string>{"agent:1", "agent:2"}));
  for (const auto& [pod, node] : Pods()) store_.MarkRunning("ns", pod);
  Reconcile();
  Reconcile();
  EXPECT_EQ(images(), (std::multiset<std::string>{"agent:2", "agent:2"}));
  EXPECT_EQ(Nodes(), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(store_.Names("apps", "controllerrevisions", "ns").size(), 2u);
}

}  // namespace
}  // namespace carrier::controllers
