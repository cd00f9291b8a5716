// The node lifecycle controller over a real SQLite store: node health from the Lease and the
// Ready heartbeat, the conditions and taints it writes, taint-based eviction, what OnChange
// queues, and (through the ControllerManager with a 1 s grace period) that requeue_after
// alone brings a silent node to Unknown and evicts its pods when their toleration ends.
#include "controllers/node_lifecycle_controller.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "api/json_decode.h"
#include "apiserver/object_meta.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite_test_util.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

std::string Ago(std::chrono::seconds s) { return apiserver::Rfc3339(Clock::now() - s); }

class NodeLifecycleTest : public ::testing::Test {
 protected:
  static std::unique_ptr<storage::Store> Open(storage::testing::ScratchDir& dir) {
    storage::SqliteOptions options;
    options.path = dir.File("store.db");
    auto opened = storage::OpenSqliteStore(options);
    EXPECT_TRUE(opened.ok());
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  static std::string NodeKey(const std::string& name) {
    return StoreKey("c", BuiltInType("", "nodes"), "", name);
  }
  static std::string PodKey(const std::string& name) {
    return StoreKey("c", BuiltInType("", "pods"), "default", name);
  }
  static std::string LeaseKey(const std::string& name) {
    return StoreKey("c", BuiltInType("coordination.k8s.io", "leases"), "kube-node-lease", name);
  }

  void Put(const std::string& key, const std::string& json_text) {
    auto v = api::DecodeJson(json_text);
    ASSERT_TRUE(v.ok()) << json_text;
    ASSERT_TRUE(store->Put(key, json::serialize(*v)).ok());
  }

  // A node whose kubelet last posted Ready=`ready` `beat` ago.
  void PutNode(const std::string& name, std::string_view ready, std::chrono::seconds beat,
               const std::string& spec = "{}") {
    Put(NodeKey(name),
        R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
            R"(","creationTimestamp":")" + Ago(3600s) + R"("},"spec":)" + spec +
            R"(,"status":{"conditions":[{"type":"Ready","status":")" + std::string(ready) +
            R"(","reason":"KubeletReady","lastHeartbeatTime":")" + Ago(beat) +
            R"(","lastTransitionTime":")" + Ago(3600s) +
            R"("},{"type":"MemoryPressure","status":"False","lastHeartbeatTime":")" + Ago(beat) +
            R"("},{"type":"NetworkUnavailable","status":"False"}]}})");
  }

  void PutPod(const std::string& name, const std::string& node, const std::string& tolerations) {
    Put(PodKey(name), R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                          R"(","namespace":"default"},"spec":{"nodeName":")" + node +
                          R"(","tolerations":)" + tolerations +
                          R"(,"containers":[{"name":"c"}]}})");
  }

  json::object Get(const std::string& key) {
    auto got = GetObject(*store, key);
    EXPECT_TRUE(got.ok() && *got) << key;
    return got.ok() && *got ? *(*got)->object : json::object();
  }
  bool Exists(const std::string& key) {
    auto got = GetObject(*store, key);
    return got.ok() && got->has_value();
  }
  storage::Revision RevisionOf(const std::string& key) {
    auto got = store->Get(key);
    return got.ok() && got->kv ? got->kv->mod_revision : 0;
  }

  std::chrono::milliseconds Reconcile(const std::string& node) {
    std::chrono::milliseconds requeue_after{0};
    Status st = controller.Reconcile("c/" + node, requeue_after);
    EXPECT_TRUE(st.ok()) << st.message();
    return requeue_after;
  }

  // "key:effect[:timeAdded?]" of each taint, in order.
  static std::vector<std::string> Taints(const json::object& node) {
    std::vector<std::string> out;
    if (const json::array* taints = ArrayAt(ObjectAt(&node, "spec"), "taints")) {
      for (const auto& t : *taints) {
        const json::object* o = t.if_object();
        out.push_back(StringAt(o, "key") + ":" + StringAt(o, "effect") +
                      (o->contains("timeAdded") ? ":timeAdded" : ""));
      }
    }
    return out;
  }
  static const json::object* Condition(const json::object& node, std::string_view type) {
    for (const auto& c : *ArrayAt(ObjectAt(&node, "status"), "conditions")) {
      if (StringAt(c.if_object(), "type") == type) return c.if_object();
    }
    return nullptr;
  }

  storage::testing::ScratchDir dir;
  std::unique_ptr<storage::Store> store = Open(dir);
  NodeLifecycleController controller{*store, 40s};
};

TEST_F(NodeLifecycleTest, AFreshNodeIsLeftAloneAndLookedAtWhenItsGraceCanExpire) {
  PutNode("n1", "True", 10s);
  const auto before = RevisionOf(NodeKey("n1"));
  const auto requeue = Reconcile("n1");
  EXPECT_EQ(RevisionOf(NodeKey("n1")), before);
  EXPECT_GT(requeue, 25s);  // heartbeat 10 s ago, grace 40 s: about 30 s from now
  EXPECT_LE(requeue, 30s);
}

TEST_F(NodeLifecycleTest, ARenewedLeaseKeepsANodeWithAnOldHeartbeatAlive) {
  PutNode("n1", "True", 3600s);
  Put(LeaseKey("n1"), R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{
        "name":"n1","namespace":"kube-node-lease"},"spec":{"holderIdentity":"n1",
        "leaseDurationSeconds":40,"renewTime":")" +
                          apiserver::Rfc3339(Clock::now()).replace(19, 1, ".123456Z") + R"("}})");
  const auto before = RevisionOf(NodeKey("n1"));
  const auto requeue = Reconcile("n1");
  EXPECT_EQ(RevisionOf(NodeKey("n1")), before);
  EXPECT_GT(requeue, 30s);
  EXPECT_LE(requeue, 41s);
}

TEST_F(NodeLifecycleTest, ASilentNodeBecomesUnknownAndUnreachable) {
  PutNode("n1", "True", 120s, R"({"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]})");
  const std::string heartbeat =
      StringAt(Condition(Get(NodeKey("n1")), "Ready"), "lastHeartbeatTime");
  EXPECT_EQ(Reconcile("n1").count(), 0);  // nothing left to wait for
  json::object node = Get(NodeKey("n1"));
  const json::object* ready = Condition(node, "Ready");
  EXPECT_EQ(StringAt(ready, "status"), "Unknown");
  EXPECT_EQ(StringAt(ready, "reason"), "NodeStatusUnknown");
  EXPECT_EQ(StringAt(ready, "message"), "Kubelet stopped posting node status.");
  EXPECT_EQ(StringAt(ready, "lastHeartbeatTime"), heartbeat);
  EXPECT_NE(StringAt(ready, "lastTransitionTime"), StringAt(ready, "lastHeartbeatTime"));
  EXPECT_EQ(StringAt(Condition(node, "MemoryPressure"), "status"), "Unknown");
  EXPECT_EQ(StringAt(Condition(node, "NetworkUnavailable"), "status"), "False");
  EXPECT_EQ(Taints(node), (std::vector<std::string>{"dedicated:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoSchedule",
                                                    "node.kubernetes.io/unreachable:NoExecute:timeAdded"}));

  // Looking again changes nothing.
  const auto before = RevisionOf(NodeKey("n1"));
  Reconcile("n1");
  EXPECT_EQ(RevisionOf(NodeKey("n1")), before);

  // The kubelet is back: Ready=True removes the controller's taints, keeps the others.
  PutNode("n1", "True", 0s, R"({"taints":)" + json::serialize(node["spec"].as_object().at("taints")) + "}");
  Reconcile("n1");
  EXPECT_EQ(Taints(Get(NodeKey("n1"))), (std::vector<std::string>{"dedicated:NoSchedule"}));
}

TEST_F(NodeLifecycleTest, ANodeThatNeverPostedStatusIsUnknownAfterGraceFromCreation) {
  Put(NodeKey("n1"), R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1",
        "creationTimestamp":")" + Ago(60s) + R"("}})");
  Reconcile("n1");
  const json::object node = Get(NodeKey("n1"));
  const json::object* ready = Condition(node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(StringAt(ready, "status"), "Unknown");
  EXPECT_EQ(StringAt(ready, "reason"), "NodeStatusNeverUpdated");
  EXPECT_EQ(StringAt(ready, "message"), "Kubelet never posted node status.");
}

TEST_F(NodeLifecycleTest, NotReadyAndCordonTaintTheNodeUntilTheyEnd) {
  PutNode("n1", "False", 1s);
  Reconcile("n1");
  EXPECT_EQ(Taints(Get(NodeKey("n1"))),
            (std::vector<std::string>{"node.kubernetes.io/not-ready:NoSchedule",
                                      "node.kubernetes.io/not-ready:NoExecute:timeAdded"}));
  PutNode("n1", "True", 1s, R"({"unschedulable":true})");
  Reconcile("n1");
  EXPECT_EQ(Taints(Get(NodeKey("n1"))),
            (std::vector<std::string>{"node.kubernetes.io/unschedulable:NoSchedule"}));
  PutNode("n1", "True", 1s, R"({"unschedulable":false,"taints":[{"key":
      "node.kubernetes.io/unschedulable","effect":"NoSchedule"}]})");
  Reconcile("n1");
  json::object node = Get(NodeKey("n1"));
  EXPECT_EQ(Taints(node), std::vector<std::string>{});
  EXPECT_FALSE(node["spec"].as_object().contains("taints"));
}

TEST_F(NodeLifecycleTest, NoExecuteTaintsEvictPodsByTheirTolerations) {
  const std::string added = Ago(60s);
  PutNode("n1", "Unknown", 120s,
          R"({"taints":[{"key":"node.kubernetes.io/unreachable","effect":"NoSchedule"},
              {"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":")" +
              added + R"("}]})");
  PutPod("untolerated", "n1", "[]");
  PutPod("other-taint", "n1", R"([{"key":"node.kubernetes.io/not-ready","operator":"Exists",
                                  "effect":"NoExecute","tolerationSeconds":300}])");
  PutPod("expired", "n1", R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists",
                              "effect":"NoExecute","tolerationSeconds":30}])");
  PutPod("waiting", "n1", R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists",
                              "effect":"NoExecute","tolerationSeconds":300}])");
  PutPod("forever", "n1", R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists",
                              "effect":"NoExecute"}])");
  PutPod("everything", "n1", R"([{"operator":"Exists"}])");
  PutPod("elsewhere", "n2", "[]");

  const auto requeue = Reconcile("n1");
  EXPECT_FALSE(Exists(PodKey("untolerated")));
  EXPECT_FALSE(Exists(PodKey("other-taint")));
  EXPECT_FALSE(Exists(PodKey("expired")));  // 30 s of toleration from a taint 60 s old
  EXPECT_TRUE(Exists(PodKey("waiting")));
  EXPECT_TRUE(Exists(PodKey("forever")));
  EXPECT_TRUE(Exists(PodKey("everything")));
  EXPECT_TRUE(Exists(PodKey("elsewhere")));
  // The waiting pod's toleration ends 300 s after the taint was added, 240 s from now.
  EXPECT_GT(requeue, 235s);
  EXPECT_LE(requeue, 241s);
}

TEST_F(NodeLifecycleTest, OnChangeQueuesNodesWithoutParsingRenewals) {
  std::vector<std::string> keys;
  const std::string lease_v1 = R"({"spec":{"renewTime":"2026-01-01T00:00:00.000000Z"}})";
  const std::string lease_v2 = R"({"spec":{"renewTime":"2026-01-01T00:00:10.000000Z"}})";
  ObjectRef lease{"c", "coordination.k8s.io", "leases", "kube-node-lease", "n1"};
  controller.OnChange({Change::Type::kPut, lease, &lease_v1, &lease_v2}, keys);
  EXPECT_TRUE(keys.empty());  // a renewal
  controller.OnChange({Change::Type::kPut, lease, nullptr, &lease_v1}, keys);
  EXPECT_EQ(keys, std::vector<std::string>{"c/n1"});  // a new lease

  keys.clear();
  ObjectRef pod{"c", "", "pods", "default", "p"};
  const std::string pending = R"({"spec":{"containers":[]}})";
  const std::string bound = R"({"spec":{"nodeName":"n2","containers":[]}})";
  const std::string running = R"({"spec":{"nodeName":"n2"},"status":{"phase":"Running"}})";
  controller.OnChange({Change::Type::kPut, pod, nullptr, &pending}, keys);
  controller.OnChange({Change::Type::kPut, pod, &bound, &running}, keys);
  EXPECT_TRUE(keys.empty());
  controller.OnChange({Change::Type::kPut, pod, &pending, &bound}, keys);
  EXPECT_EQ(keys, std::vector<std::string>{"c/n2"});

  keys.clear();
  ObjectRef node{"c", "", "nodes", "", "n3"};
  controller.OnChange({Change::Type::kPut, node, nullptr, &pending}, keys);
  EXPECT_EQ(keys, std::vector<std::string>{"c/n3"});
}

// Through the manager, no event after the start: only requeue_after can make these happen.
TEST_F(NodeLifecycleTest, RequeueAfterMarksASilentNodeAndEvictsWhenTolerationEnds) {
  PutNode("n1", "True", 0s);
  PutPod("short", "n1", R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists",
                           "effect":"NoExecute","tolerationSeconds":1}])");
  ControllerManager manager(*store, 1);
  manager.Add(std::make_unique<NodeLifecycleController>(*store, 1s));
  ASSERT_TRUE(manager.Start().ok());
  auto wait_until = [](auto done) {
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
      if (done()) return true;
    }
    return false;
  };
  EXPECT_TRUE(wait_until([&] { return ConditionStatus(Get(NodeKey("n1")), "Ready") == "Unknown"; }));
  EXPECT_TRUE(wait_until([&] { return !Exists(PodKey("short")); }));
  manager.Stop();
}

}  // namespace
}  // namespace carrier::controllers
