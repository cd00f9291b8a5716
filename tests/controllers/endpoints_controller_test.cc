// Endpoints and EndpointSlices the endpoints controller writes for a Service, reconciled
// directly against a scratch store.
#include "controllers/endpoints_controller.h"

#include "controllers/object_store_fixture.h"

namespace carrier::controllers {
namespace {

namespace json = boost::json;
using testing::At;

struct PodSpec {
  PodSpec(std::string n, std::string i, bool r = true, bool d = false, bool named = true,
          std::string a = "web")
      : name(std::move(n)), ip(std::move(i)), ready(r), deleting(d), named_port(named), app(std::move(a)) {}
  std::string name;
  std::string ip;
  bool ready;
  bool deleting;
  bool named_port;  // has the container port "web" (8080)
  std::string app;
};

std::string PodJson(const PodSpec& p) {
  std::string meta = R"({"name":")" + p.name + R"(","labels":{"app":")" + p.app + R"("})";
  if (p.deleting) meta += R"(,"deletionTimestamp":"2026-01-01T00:00:00Z","finalizers":["x"])";
  meta += "}";
  const std::string ports = p.named_port ? R"([{"name":"web","containerPort":8080}])" : "[]";
  std::string status = R"({"phase":"Running","conditions":[{"type":"Ready","status":")" +
                       std::string(p.ready ? "True" : "False") + R"("}])";
  if (!p.ip.empty()) status += R"(,"podIP":")" + p.ip + R"(")";
  status += "}";
  return R"({"apiVersion":"v1","kind":"Pod","metadata":)" + meta +
         R"(,"spec":{"nodeName":"n1","containers":[{"name":"c","ports":)" + ports + "}]},\"status\":" +
         status + "}";
}

constexpr std::string_view kService =
    R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"tier":"front"}},)"
    R"("spec":{"selector":{"app":"web"},"clusterIP":"10.96.0.10","ports":[)"
    R"({"name":"http","port":80,"targetPort":"web","protocol":"TCP"},)"
    R"({"name":"metrics","port":81,"targetPort":9090,"protocol":"TCP"}]}})";

class EndpointsControllerTest : public testing::ObjectStoreTest {
 protected:
  void Reconcile(const std::string& key) {
    EndpointsController controller(*store_);
    std::chrono::milliseconds after{0};
    Status st = controller.Reconcile(key, after);
    EXPECT_TRUE(st.ok()) << st.message();
  }
  void Pods(const std::vector<PodSpec>& pods) {
    for (const auto& p : pods) Create("", "pods", PodJson(p));
  }
  std::vector<json::object> Slices() { return List("discovery.k8s.io", "endpointslices"); }
  static std::vector<std::string> Ips(const json::value& addresses) {
    std::vector<std::string> out;
    if (!addresses.is_array()) return out;
    for (const auto& a : addresses.as_array()) out.emplace_back(a.at("ip").as_string());
    return out;
  }
};

TEST_F(EndpointsControllerTest, EndpointsListReadyAndUnreadyPodsWithResolvedPorts) {
  const std::string svc_uid = Create("", "services", kService);
  Pods({{"a", "10.0.0.2"}, {"b", "10.0.0.1"}, {"slow", "10.0.0.3", /*ready=*/false},
        {"noip", ""}, {"leaving", "10.0.0.4", true, /*deleting=*/true},
        {"other", "10.0.0.5", true, false, true, "db"},
        {"unnamed", "10.0.0.6", true, false, /*named_port=*/false}});
  Reconcile("c1/default/web");

  auto ep = Get("", "endpoints", "web");
  ASSERT_TRUE(ep);
  EXPECT_EQ(At(*ep, {"metadata", "labels", "tier"}), "front");
  const json::array& subsets = ep->at("subsets").as_array();
  ASSERT_EQ(subsets.size(), 2u);  // both ports, and only the numbered one ("unnamed")
  const json::object* both = nullptr;
  const json::object* one = nullptr;
  for (const auto& s : subsets) {
    (s.at("ports").as_array().size() == 2 ? both : one) = &s.as_object();
  }
  ASSERT_TRUE(both && one);
  EXPECT_EQ(Ips(At(*both, {"addresses"})), (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(Ips(At(*both, {"notReadyAddresses"})), (std::vector<std::string>{"10.0.0.3"}));
  EXPECT_EQ(json::serialize(both->at("ports")),
            R"([{"name":"http","port":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}])");
  EXPECT_EQ(Ips(At(*one, {"addresses"})), (std::vector<std::string>{"10.0.0.6"}));
  const json::object& a = both->at("addresses").as_array()[1].as_object();
  EXPECT_EQ(a.at("nodeName"), "n1");
  EXPECT_EQ(At(a, {"targetRef", "kind"}), "Pod");
  EXPECT_EQ(At(a, {"targetRef", "name"}), "a");
  EXPECT_EQ(At(a, {"targetRef", "uid"}), json::value(Uid("", "pods", "a")));

  auto slices = Slices();
  ASSERT_EQ(slices.size(), 2u);  // one per port set
  size_t endpoints = 0;
  for (const auto& s : slices) {
    EXPECT_EQ(At(s, {"metadata", "labels", "kubernetes.io/service-name"}), "web");
    EXPECT_EQ(At(s, {"metadata", "labels", "endpointslice.kubernetes.io/managed-by"}),
              "endpointslice-controller.k8s.io");
    EXPECT_EQ(At(s, {"metadata", "ownerReferences"}).as_array()[0].at("uid"), json::value(svc_uid));
    EXPECT_EQ(s.at("addressType"), "IPv4");
    for (const auto& e : s.at("endpoints").as_array()) {
      ++endpoints;
      const std::string name(e.at("targetRef").at("name").as_string());
      const json::object& c = e.at("conditions").as_object();
      if (name == "leaving") {  // terminating pods stay in slices, not ready
        EXPECT_EQ(json::serialize(c), R"({"ready":false,"serving":true,"terminating":true})");
      } else if (name == "slow") {
        EXPECT_EQ(json::serialize(c), R"({"ready":false,"serving":false,"terminating":false})");
      } else {
        EXPECT_EQ(json::serialize(c), R"({"ready":true,"serving":true,"terminating":false})");
      }
    }
  }
  EXPECT_EQ(endpoints, 5u);  // a, b, slow, leaving, unnamed
}

TEST_F(EndpointsControllerTest, PodChangesUpdateEveryServiceOfTheNamespace) {
  Create("", "services", kService);
  Reconcile("c1/default/web");
  ASSERT_TRUE(Get("", "endpoints", "web"));
  EXPECT_FALSE(Get("", "endpoints", "web")->contains("subsets"));
  ASSERT_EQ(Slices().size(), 1u);  // an empty placeholder
  EXPECT_TRUE(Slices()[0].at("endpoints").as_array().empty());

  Pods({{"a", "10.0.0.1"}});
  Reconcile("c1/default");
  EXPECT_EQ(Ips(At(*Get("", "endpoints", "web"), {"subsets"}).as_array()[0].at("addresses")),
            (std::vector<std::string>{"10.0.0.1"}));
  ASSERT_EQ(Slices().size(), 1u);  // the placeholder was reused
  EXPECT_EQ(Slices()[0].at("endpoints").as_array().size(), 1u);
}

TEST_F(EndpointsControllerTest, SlicesHoldAtMostAHundredEndpoints) {
  Create("", "services", kService);
  for (int i = 0; i < 250; ++i) {
    Create("", "pods", PodJson({"p" + std::to_string(1000 + i),
                                "10.1." + std::to_string(i / 200) + "." + std::to_string(i % 200)}));
  }
  Reconcile("c1/default/web");
  std::vector<size_t> sizes;
  for (const auto& s : Slices()) sizes.push_back(s.at("endpoints").as_array().size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 100, 100}));

  for (const auto& pod : List("", "pods")) {
    if (apiserver::MetaString(pod, "name") >= "p1010") {
      ASSERT_TRUE(store_->Delete(Key("", "pods", apiserver::MetaString(pod, "name")), 0).ok());
    }
  }
  Reconcile("c1/default");
  ASSERT_EQ(Slices().size(), 1u);
  EXPECT_EQ(Slices()[0].at("endpoints").as_array().size(), 10u);
}

TEST_F(EndpointsControllerTest, ServicesWithoutSelectorAreLeftAlone) {
  Create("", "services",
         R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"ext"},"spec":{"ports":[{"port":80}]}})");
  Create("", "endpoints",
         R"({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ext"},)"
         R"("subsets":[{"addresses":[{"ip":"192.0.2.1"}],"ports":[{"port":80}]}]})");
  Pods({{"a", "10.0.0.1"}});
  Reconcile("c1/default/ext");
  Reconcile("c1/default");
  EXPECT_EQ(Ips(At(*Get("", "endpoints", "ext"), {"subsets"}).as_array()[0].at("addresses")),
            (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_TRUE(Slices().empty());
}

TEST_F(EndpointsControllerTest, DeletingTheServiceDeletesItsEndpoints) {
  Create("", "services", kService);
  Pods({{"a", "10.0.0.1"}});
  Reconcile("c1/default/web");
  ASSERT_TRUE(Get("", "endpoints", "web"));
  ASSERT_TRUE(store_->Delete(Key("", "services", "web"), 0).ok());
  Reconcile("c1/default/web");
  EXPECT_FALSE(Get("", "endpoints", "web"));
}

TEST_F(EndpointsControllerTest, AnUnchangedServiceIsNotWrittenAgain) {
  Create("", "services", kService);
  Pods({{"a", "10.0.0.1"}, {"b", "10.0.0.2", false}});
  Reconcile("c1/default/web");
  auto rev = store_->CurrentRevision();
  Reconcile("c1/default/web");
  Reconcile("c1/default");
  auto again = store_->CurrentRevision();
  ASSERT_TRUE(rev.ok() && again.ok());
  EXPECT_EQ(*rev, *again);
}

}  // namespace
}  // namespace carrier::controllers
