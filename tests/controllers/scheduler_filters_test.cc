#include "controllers/scheduler_filters.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "controllers/objects.h"
#include "controllers/scheduler.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers::scheduling {
namespace {

namespace json = boost::json;

json::object Obj(std::string_view text) {
  auto v = api::DecodeJson(text);
  EXPECT_TRUE(v.ok() && v->is_object()) << text;
  return v.ok() && v->is_object() ? v->get_object() : json::object();
}

json::object ReadyNode(std::string_view name, std::string_view extra_labels = "", std::string_view spec = "{}") {
  return Obj(std::string(R"({"metadata":{"name":")") + std::string(name) +
             R"(","labels":{"kubernetes.io/hostname":")" + std::string(name) + "\"" + std::string(extra_labels) +
             R"(}},"spec":)" + std::string(spec) +
             R"(,"status":{"allocatable":{"cpu":"2","memory":"4Gi","pods":"3"},
                 "conditions":[{"type":"Ready","status":"True"}]}})");
}

std::shared_ptr<const json::object> Bound(std::string_view text) {
  return std::make_shared<const json::object>(Obj(text));
}

TEST(SchedulerTest, FeasibleNodesToFindFollowsTheAdaptiveDefault) {
  EXPECT_EQ(FeasibleNodesToFind(0), 0u);
  EXPECT_EQ(FeasibleNodesToFind(80), 80u);
  EXPECT_EQ(FeasibleNodesToFind(100), 100u);
  EXPECT_EQ(FeasibleNodesToFind(200), 100u);    // 49% of 200 is below the minimum
  EXPECT_EQ(FeasibleNodesToFind(1000), 420u);   // 50 - 8 = 42%
  EXPECT_EQ(FeasibleNodesToFind(5000), 500u);   // 50 - 40 = 10%
  EXPECT_EQ(FeasibleNodesToFind(10000), 500u);  // at least 5%
}

TEST(SchedulerFiltersTest, NodeReadyAndUnschedulable) {
  const json::object pod = Obj(R"({"spec":{}})");
  EXPECT_EQ(FilterNodeReady(ReadyNode("a")), "");
  EXPECT_EQ(FilterNodeReady(Obj(R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})")),
            "node(s) were not ready");
  const json::object cordoned = ReadyNode("a", "", R"({"unschedulable":true})");
  EXPECT_EQ(FilterNodeUnschedulable(pod, ReadyNode("a")), "");
  EXPECT_EQ(FilterNodeUnschedulable(pod, cordoned), "node(s) were unschedulable");
  const json::object tolerant = Obj(
      R"({"spec":{"tolerations":[{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}]}})");
  EXPECT_EQ(FilterNodeUnschedulable(tolerant, cordoned), "");
}

TEST(SchedulerFiltersTest, Taints) {
  const json::object node = ReadyNode("a", "", R"({"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]})");
  EXPECT_EQ(FilterTaints(Obj(R"({"spec":{}})"), node), "node(s) had untolerated taint {dedicated: db}");
  EXPECT_EQ(FilterTaints(Obj(R"({"spec":{"tolerations":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]}})"), node), "");
  EXPECT_EQ(FilterTaints(Obj(R"({"spec":{"tolerations":[{"key":"dedicated","value":"web"}]}})"), node),
            "node(s) had untolerated taint {dedicated: db}");
  // PreferNoSchedule does not filter.
  EXPECT_EQ(FilterTaints(Obj(R"({"spec":{}})"),
                         ReadyNode("a", "", R"({"taints":[{"key":"k","effect":"PreferNoSchedule"}]})")),
            "");
}

TEST(SchedulerFiltersTest, NodeSelectorAndRequiredNodeAffinity) {
  const json::object node = ReadyNode("a", R"(,"zone":"z1","cores":"8")");
  const std::string mismatch = "node(s) didn't match Pod's node affinity/selector";
  EXPECT_EQ(FilterNodeAffinity(Obj(R"({"spec":{"nodeSelector":{"zone":"z1"}}})"), node), "");
  EXPECT_EQ(FilterNodeAffinity(Obj(R"({"spec":{"nodeSelector":{"zone":"z2"}}})"), node), mismatch);
  auto affinity = [](std::string_view terms) {
    return Obj(std::string(R"({"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":)") +
               std::string(terms) + "}}}}}");
  };
  struct Case {
    const char* terms;
    bool fits;
  } cases[] = {
      {R"([{"matchExpressions":[{"key":"zone","operator":"In","values":["z1","z3"]}]}])", true},
      {R"([{"matchExpressions":[{"key":"zone","operator":"In","values":["z2"]}]}])", false},
      {R"([{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["z2"]}]}])", true},
      {R"([{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["z1"]}]}])", false},
      {R"([{"matchExpressions":[{"key":"zone","operator":"Exists"}]}])", true},
      {R"([{"matchExpressions":[{"key":"gpu","operator":"Exists"}]}])", false},
      {R"([{"matchExpressions":[{"key":"gpu","operator":"DoesNotExist"}]}])", true},
      {R"([{"matchExpressions":[{"key":"zone","operator":"DoesNotExist"}]}])", false},
      {R"([{"matchExpressions":[{"key":"cores","operator":"Gt","values":["4"]}]}])", true},
      {R"([{"matchExpressions":[{"key":"cores","operator":"Gt","values":["8"]}]}])", false},
      {R"([{"matchExpressions":[{"key":"cores","operator":"Lt","values":["16"]}]}])", true},
      {R"([{"matchExpressions":[{"key":"zone","operator":"Lt","values":["16"]}]}])", false},  // not a number
      {R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":["a"]}]}])", true},
      {R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":["b"]}]}])", false},
      // Terms are ORed, requirements within a term ANDed; an empty term matches nothing.
      {R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":["b"]}]},
           {"matchExpressions":[{"key":"zone","operator":"In","values":["z1"]}]}])", true},
      {R"([{"matchExpressions":[{"key":"zone","operator":"In","values":["z1"]},{"key":"gpu","operator":"Exists"}]}])", false},
      {R"([{}])", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FilterNodeAffinity(affinity(c.terms), node), c.fits ? "" : mismatch) << c.terms;
  }
}

TEST(SchedulerFiltersTest, HostPortsConflictPerProtocolAndHostIp) {
  Snapshot snapshot;
  snapshot.AddNode(ReadyNode("a"));
  snapshot.AddBoundPod(Bound(
      R"({"metadata":{"name":"p"},"spec":{"nodeName":"a","containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":8080}]}]}})"));
  const NodeState& node = snapshot.nodes()[0];
  auto wanting = [](std::string_view port) {
    return Obj(std::string(R"({"spec":{"containers":[{"name":"c","ports":[)") + std::string(port) + "]}]}}");
  };
  const std::string busy = "node(s) didn't have free ports for the requested pod ports";
  EXPECT_EQ(FilterNodePorts(wanting(R"({"containerPort":80,"hostPort":8080})"), node), busy);
  EXPECT_EQ(FilterNodePorts(wanting(R"({"containerPort":80,"hostPort":8080,"hostIP":"10.0.0.1"})"), node), busy);
  EXPECT_EQ(FilterNodePorts(wanting(R"({"containerPort":80,"hostPort":8080,"protocol":"UDP"})"), node), "");
  EXPECT_EQ(FilterNodePorts(wanting(R"({"containerPort":80,"hostPort":8081})"), node), "");
  EXPECT_EQ(FilterNodePorts(wanting(R"({"containerPort":80})"), node), "");
}

TEST(SchedulerFiltersTest, ResourcesFit) {
  Snapshot snapshot;
  snapshot.AddNode(ReadyNode("a"));
  snapshot.AddBoundPod(Bound(
      R"({"spec":{"nodeName":"a","containers":[{"name":"c","resources":{"requests":{"cpu":"1500m","memory":"1Gi"}}}]}})"));
  const NodeState& node = snapshot.nodes()[0];
  auto requesting = [](std::string_view requests) {
    return Obj(std::string(R"({"spec":{"containers":[{"name":"c","resources":{"requests":)") + std::string(requests) + "}}]}}");
  };
  EXPECT_EQ(FilterResources(requesting(R"({"cpu":"500m","memory":"3Gi"})"), node), "");
  EXPECT_EQ(FilterResources(requesting(R"({"cpu":"600m"})"), node), "Insufficient cpu");
  EXPECT_EQ(FilterResources(requesting(R"({"memory":"3100Mi"})"), node), "Insufficient memory");
  snapshot.AddBoundPod(Bound(R"({"spec":{"nodeName":"a"}})"));
  snapshot.AddBoundPod(Bound(R"({"spec":{"nodeName":"a"}})"));  // allocatable pods: 3
  EXPECT_EQ(FilterResources(requesting("{}"), snapshot.nodes()[0]), "Too many pods");
}

TEST(SchedulerFiltersTest, InterPodAffinityAndAntiAffinity) {
  Snapshot snapshot;
  snapshot.AddNode(ReadyNode("a", R"(,"zone":"z1")"));
  snapshot.AddNode(ReadyNode("b", R"(,"zone":"z2")"));
  snapshot.AddBoundPod(Bound(R"({"metadata":{"name":"db","namespace":"ns","labels":{"app":"db"}},"spec":{"nodeName":"a"}})"));
  auto pod = [](std::string_view kind, std::string_view selector, std::string_view ns = "ns",
                std::string_view extra = "") {
    return Obj(std::string(R"({"metadata":{"name":"x","namespace":")") + std::string(ns) +
               R"(","labels":{"app":"web"}},"spec":{"affinity":{")" + std::string(kind) +
               R"(":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":)" + std::string(selector) +
               R"(,"topologyKey":"zone")" + std::string(extra) + "}]}}}}");
  };
  const NodeState& a = snapshot.nodes()[0];
  const NodeState& b = snapshot.nodes()[1];
  const json::object near_db = pod("podAffinity", R"({"matchLabels":{"app":"db"}})");
  EXPECT_EQ(FilterInterPodAffinity(near_db, a, snapshot), "");
  EXPECT_EQ(FilterInterPodAffinity(near_db, b, snapshot), "node(s) didn't match pod affinity rules");
  // The namespaces of a term default to the pod's own.
  EXPECT_EQ(FilterInterPodAffinity(pod("podAffinity", R"({"matchLabels":{"app":"db"}})", "other"), a, snapshot),
            "node(s) didn't match pod affinity rules");
  EXPECT_EQ(FilterInterPodAffinity(pod("podAffinity", R"({"matchLabels":{"app":"db"}})", "other", R"(,"namespaces":["ns"])"),
                                   a, snapshot),
            "");
  const json::object away = pod("podAntiAffinity", R"({"matchLabels":{"app":"db"}})");
  EXPECT_EQ(FilterInterPodAffinity(away, a, snapshot), "node(s) didn't match pod anti-affinity rules");
  EXPECT_EQ(FilterInterPodAffinity(away, b, snapshot), "");
  // The first pod of a group that selects itself goes anywhere.
  EXPECT_EQ(FilterInterPodAffinity(pod("podAffinity", R"({"matchLabels":{"app":"web"}})"), b, snapshot), "");
  // Existing pods' anti-affinity keeps matching pods out of their domain.
  snapshot.AddBoundPod(Bound(R"({"metadata":{"name":"lonely","namespace":"ns","labels":{"app":"lonely"}},
      "spec":{"nodeName":"b","affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"zone"}]}}}})"));
  const json::object plain = Obj(R"({"metadata":{"name":"w","namespace":"ns","labels":{"app":"web"}},"spec":{}})");
  EXPECT_EQ(FilterInterPodAffinity(plain, snapshot.nodes()[1], snapshot),
            "node(s) didn't satisfy existing pods anti-affinity rules");
  EXPECT_EQ(FilterInterPodAffinity(plain, snapshot.nodes()[0], snapshot), "");
}

TEST(SchedulerScoresTest, LeastAllocatedBalancedAndPreferredAffinity) {
  Snapshot snapshot;
  snapshot.AddNode(ReadyNode("a", R"(,"disk":"ssd")"));
  snapshot.AddNode(ReadyNode("b"));
  snapshot.AddBoundPod(Bound(
      R"({"spec":{"nodeName":"b","containers":[{"name":"c","resources":{"requests":{"cpu":"1","memory":"100Mi"}}}]}})"));
  const json::object pod = Obj(R"({"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"100m","memory":"100Mi"}}}],
      "affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[
        {"weight":30,"preference":{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}},
        {"weight":5,"preference":{"matchExpressions":[{"key":"disk","operator":"DoesNotExist"}]}}]}}}})");
  const NodeState& a = snapshot.nodes()[0];
  const NodeState& b = snapshot.nodes()[1];
  EXPECT_GT(LeastAllocatedScore(pod, a), LeastAllocatedScore(pod, b));
  // b's cpu share (0.55) is far from its memory share (~0.05): less balanced.
  EXPECT_GT(BalancedAllocationScore(pod, a), BalancedAllocationScore(pod, b));
  EXPECT_LE(BalancedAllocationScore(pod, a), 100.0);
  EXPECT_EQ(PreferredNodeAffinityWeight(pod, *a.node), 30);
  EXPECT_EQ(PreferredNodeAffinityWeight(pod, *b.node), 5);
}

// The scheduler against a real store: one pass binds every pending pod from one snapshot
// (the second pod sees the first one's host port), and the pod that fits nowhere gets
// Kubernetes' message, reasons sorted.
TEST(SchedulerTest, OnePassBindsFromOneSnapshotAndExplainsFailures) {
  storage::testing::ScratchStore store;
  storage::Store& s = *store;
  const auto& nodes = BuiltInType("", "nodes");
  const auto& pods = BuiltInType("", "pods");
  ASSERT_TRUE(CreateObject(s, StoreKey("c1", nodes, "", "a"), ReadyNode("a")).ok());
  ASSERT_TRUE(CreateObject(s, StoreKey("c1", nodes, "", "b"), ReadyNode("b", R"(,"zone":"z1")")).ok());
  const std::string port_pod = R"(,"namespace":"default"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":80}]}]}})";
  for (const char* name : {"p1", "p2", "p3"}) {
    ASSERT_TRUE(CreateObject(s, StoreKey("c1", pods, "default", name),
                             Obj(std::string(R"({"kind":"Pod","metadata":{"name":")") + name + "\"" + port_pod))
                    .ok());
  }
  Scheduler scheduler(s);
  std::chrono::milliseconds requeue{0};
  ASSERT_TRUE(scheduler.Reconcile("c1/*", requeue).ok());
  std::set<std::string> used;
  std::string message;
  for (const char* name : {"p1", "p2", "p3"}) {
    auto got = GetObject(s, StoreKey("c1", pods, "default", name));
    ASSERT_TRUE(got.ok() && *got);
    const json::object& spec = (*got)->object->at("spec").as_object();
    if (spec.contains("nodeName")) {
      used.insert(std::string(spec.at("nodeName").as_string()));
    } else {
      for (const auto& c : (*got)->object->at("status").at("conditions").as_array()) {
        if (c.at("type") == "PodScheduled") message = std::string(c.at("message").as_string());
      }
    }
  }
  EXPECT_EQ(used, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(message, "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");

  ASSERT_TRUE(CreateObject(s, StoreKey("c1", pods, "default", "p4"),
                           Obj(R"({"kind":"Pod","metadata":{"name":"p4","namespace":"default"},
                                   "spec":{"nodeSelector":{"zone":"z1"},"containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":80}]}]}})"))
                  .ok());
  ASSERT_TRUE(scheduler.Reconcile("c1/default/p4", requeue).ok());
  auto p4 = GetObject(s, StoreKey("c1", pods, "default", "p4"));
  ASSERT_TRUE(p4.ok() && *p4);
  EXPECT_NE(json::serialize((*p4)->object->at("status")).find(
                "0/2 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, "
                "1 node(s) didn't match Pod's node affinity/selector."),
            std::string::npos)
      << json::serialize((*p4)->object->at("status"));
}

}  // namespace
}  // namespace carrier::controllers::scheduling
