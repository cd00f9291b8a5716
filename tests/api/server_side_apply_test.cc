#include "api/server_side_apply.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace carrier::api {
namespace {

namespace json = boost::json;
using Strings = std::vector<std::string>;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

FieldManagerContext Who(std::string manager, std::string time = "2026-01-01T00:00:00Z") {
  return FieldManagerContext{std::move(manager), "apps/v1", "", std::move(time), true};
}

const Shape kDeployment = Shape::Builtin("apps", "Deployment");

const char* kConfig = R"({"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"web","labels":{"app":"web"}},
  "spec":{"replicas":2,"template":{"spec":{"containers":[
    {"name":"nginx","image":"nginx:1.25"}]}}}})";

json::object Apply(const json::object* live, std::string_view config, std::string manager,
                   bool force = false, std::string time = "2026-01-01T00:00:00Z") {
  auto out = ServerSideApply(live, Obj(config), kDeployment, Who(manager, time), force);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  EXPECT_TRUE(out->conflicts.empty());
  return out->object;
}

std::vector<ManagedFieldsEntry> Entries(const json::object& obj) {
  auto e = ParseManagedFields(obj.at("metadata").as_object().if_contains("managedFields"));
  EXPECT_TRUE(e.ok());
  return e.ok() ? *e : std::vector<ManagedFieldsEntry>{};
}

TEST(ServerSideApplyTest, CreateRecordsTheAppliedFields) {
  json::object obj = Apply(nullptr, kConfig, "kubectl");
  EXPECT_EQ(obj.at("spec").at("replicas"), json::value(2));
  auto entries = Entries(obj);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].manager, "kubectl");
  EXPECT_EQ(entries[0].operation, "Apply");
  EXPECT_EQ(entries[0].api_version, "apps/v1");
  EXPECT_EQ(entries[0].time, "2026-01-01T00:00:00Z");
  EXPECT_EQ(entries[0].fields.Paths(),
            (Strings{".metadata.labels.app", ".spec.replicas",
                     ".spec.template.spec.containers[name=\"nginx\"]",
                     ".spec.template.spec.containers[name=\"nginx\"].image",
                     ".spec.template.spec.containers[name=\"nginx\"].name"}));
  const json::value& mf = obj.at("metadata").at("managedFields").at(0);
  EXPECT_EQ(mf.at("fieldsType"), json::value("FieldsV1"));
}

TEST(ServerSideApplyTest, ReapplyingTheSameConfigurationChangesNothing) {
  json::object first = Apply(nullptr, kConfig, "kubectl");
  json::object second = Apply(&first, kConfig, "kubectl", false, "2026-06-06T00:00:00Z");
  EXPECT_EQ(json::value(second), json::value(first));
}

TEST(ServerSideApplyTest, FieldsNoLongerAppliedAreRemoved) {
  json::object first = Apply(nullptr, R"({"metadata":{"name":"web","labels":{"app":"web",
    "tier":"front"}},"spec":{"replicas":2,"template":{"spec":{"containers":[
    {"name":"nginx","image":"nginx"},{"name":"sidecar","image":"busybox"}]}}}})",
                             "kubectl");
  json::object second = Apply(&first, R"({"metadata":{"name":"web","labels":{"app":"web"}},
    "spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}})",
                              "kubectl");
  EXPECT_FALSE(second.at("metadata").at("labels").as_object().contains("tier"));
  EXPECT_FALSE(second.at("spec").as_object().contains("replicas"));
  const json::array& containers =
      second.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].at("name"), json::value("nginx"));
}

TEST(ServerSideApplyTest, FieldsOwnedByAnotherManagerStay) {
  json::object first = Apply(nullptr, kConfig, "a");
  // b applies the same replicas: it shares the field.
  json::object second = Apply(&first, R"({"spec":{"replicas":2}})", "b");
  // a stops applying replicas: b still owns it, so it stays.
  json::object third = Apply(&second, R"({"metadata":{"labels":{"app":"web"}},
    "spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}}})", "a");
  EXPECT_EQ(third.at("spec").at("replicas"), json::value(2));
}

TEST(ServerSideApplyTest, ListsMergeByKeyAcrossManagers) {
  json::object first = Apply(nullptr, kConfig, "a");
  json::object second = Apply(&first, R"({"spec":{"template":{"spec":{"containers":[
    {"name":"sidecar","image":"busybox"}]}}}})", "b");
  const json::array& containers =
      second.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0].at("name"), json::value("nginx"));
  EXPECT_EQ(containers[1].at("name"), json::value("sidecar"));
  // b removes its container; a's stays.
  json::object third = Apply(&second, R"({"metadata":{"labels":{"x":"y"}}})", "b");
  EXPECT_EQ(third.at("spec").at("template").at("spec").at("containers").as_array().size(), 1u);
}

TEST(ServerSideApplyTest, ConflictsWithAnUpdaterAndForce) {
  json::object live = Apply(nullptr, kConfig, "kubectl");
  // Another manager scales with an Update.
  json::object scaled = live;
  scaled.at("spec").as_object()["replicas"] = 5;
  FieldManagerContext scaler{"kubectl-scale", "apps/v1", "", "2026-01-02T00:00:00Z", true};
  ASSERT_TRUE(TrackUpdate(&live, scaled, kDeployment, scaler).ok());
  auto entries = Entries(scaled);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].manager, "kubectl-scale");
  EXPECT_EQ(entries[1].operation, "Update");
  EXPECT_EQ(entries[1].fields.Paths(), Strings{".spec.replicas"});
  // The updater took .spec.replicas away from the applier.
  for (const std::string& p : entries[0].fields.Paths()) EXPECT_NE(p, ".spec.replicas");

  auto out = ServerSideApply(&scaled, Obj(kConfig), kDeployment, Who("kubectl"), false);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->conflicts.size(), 1u);
  EXPECT_EQ(out->conflicts[0].path, ".spec.replicas");
  ApiError error = ApplyConflictError(out->conflicts);
  EXPECT_EQ(error.status.code(), Code::kConflict);
  EXPECT_EQ(error.status.message(),
            "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: "
            ".spec.replicas");
  ASSERT_EQ(error.details.causes.size(), 1u);
  EXPECT_EQ(error.details.causes[0].type, CauseType::kFieldManagerConflict);
  EXPECT_EQ(error.details.causes[0].field, ".spec.replicas");
  EXPECT_EQ(error.details.causes[0].message, "conflict with \"kubectl-scale\" using apps/v1");

  // Force: the applier wins and the updater loses the field (and its now empty entry).
  json::object forced = Apply(&scaled, kConfig, "kubectl", /*force=*/true);
  EXPECT_EQ(forced.at("spec").at("replicas"), json::value(2));
  entries = Entries(forced);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].manager, "kubectl");
}

TEST(ServerSideApplyTest, SameValueIsSharedNotAConflict) {
  json::object live = Apply(nullptr, kConfig, "a");
  auto out = ServerSideApply(&live, Obj(R"({"spec":{"replicas":2}})"), kDeployment, Who("b"),
                             false);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->conflicts.empty());
  auto entries = Entries(out->object);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].fields.Paths(), Strings{".spec.replicas"});
}

TEST(ServerSideApplyTest, SeveralConflictsAreListedPerManager) {
  json::object live = Apply(nullptr, R"({"spec":{"replicas":2,"paused":false}})", "a");
  auto out = ServerSideApply(&live, Obj(R"({"spec":{"replicas":3,"paused":true}})"), kDeployment,
                             Who("b"), false);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->conflicts.size(), 2u);
  EXPECT_EQ(ApplyConflictError(out->conflicts).status.message(),
            "Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.paused\n- "
            ".spec.replicas");
}

TEST(ServerSideApplyTest, ManagedFieldsInTheConfigurationAreRefused) {
  auto out = ServerSideApply(nullptr, Obj(R"({"metadata":{"managedFields":[]}})"), kDeployment,
                             Who("a"), false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kBadRequest);
}

TEST(ServerSideApplyTest, CustomResourceListMapsMerge) {
  json::value schema = json::parse(R"({"type":"object","properties":{"spec":{"type":"object",
    "properties":{"rules":{"type":"array","x-kubernetes-list-type":"map",
      "x-kubernetes-list-map-keys":["id"],"items":{"type":"object"}},
      "hosts":{"type":"array","items":{"type":"string"}}}}}})");
  Shape shape = Shape::OpenApi(&schema);
  FieldManagerContext a{"a", "example.com/v1", "", "t", false};
  FieldManagerContext b{"b", "example.com/v1", "", "t", false};
  auto first = ServerSideApply(nullptr, Obj(R"({"spec":{"rules":[{"id":"1","v":1}],
    "hosts":["x"]}})"), shape, a, false);
  ASSERT_TRUE(first.ok());
  auto second = ServerSideApply(&first->object, Obj(R"({"spec":{"rules":[{"id":"2","v":2}]}})"),
                                shape, b, false);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->object.at("spec").at("rules").as_array().size(), 2u);
  // An atomic list owned by another manager with another value conflicts as a whole.
  auto third = ServerSideApply(&second->object, Obj(R"({"spec":{"hosts":["y"]}})"), shape, b,
                               false);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->conflicts.size(), 1u);
  EXPECT_EQ(third->conflicts[0].path, ".spec.hosts");
  EXPECT_EQ(third->conflicts[0].manager, "\"a\"");
}

TEST(ServerSideApplyTest, UpdatesTrackCreatesAndRemovals) {
  json::object created = Obj(kConfig);
  FieldManagerContext creator{"kubectl-create", "apps/v1", "", "t1", true};
  ASSERT_TRUE(TrackUpdate(nullptr, created, kDeployment, creator).ok());
  auto entries = Entries(created);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].operation, "Update");
  EXPECT_EQ(entries[0].fields.Paths().size(), 5u);

  // An update that removes the labels takes them from every manager.
  json::object next = created;
  next.at("metadata").as_object().erase("labels");
  FieldManagerContext editor{"kubectl-edit", "apps/v1", "", "t2", true};
  ASSERT_TRUE(TrackUpdate(&created, next, kDeployment, editor).ok());
  entries = Entries(next);
  ASSERT_EQ(entries.size(), 1u);  // the editor changed nothing it now owns
  for (const std::string& p : entries[0].fields.Paths()) EXPECT_NE(p, ".metadata.labels.app");
  EXPECT_EQ(entries[0].time, "t1");

  // A no-op update leaves managedFields exactly as they were.
  json::object same = next;
  ASSERT_TRUE(TrackUpdate(&next, same, kDeployment, editor).ok());
  EXPECT_EQ(json::value(same), json::value(next));
}

TEST(ServerSideApplyTest, StatusWritesAreTheirOwnSubresource) {
  json::object live = Apply(nullptr, kConfig, "kubectl");
  json::object next = live;
  next["status"] = json::object{{"replicas", 2}};
  FieldManagerContext kubelet{"controller", "apps/v1", "status", "t", true};
  ASSERT_TRUE(TrackUpdate(&live, next, kDeployment, kubelet).ok());
  auto entries = Entries(next);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].subresource, "status");
  EXPECT_EQ(entries[1].fields.Paths(), Strings{".status.replicas"});
}

TEST(ServerSideApplyTest, ManagerFromUserAgent) {
  EXPECT_EQ(ManagerFromUserAgent("kubectl/v1.30.0 (linux/amd64) kubernetes/abc"), "kubectl");
  EXPECT_EQ(ManagerFromUserAgent("Python-urllib"), "Python-urllib");
  EXPECT_EQ(ManagerFromUserAgent(std::string(300, 'x')).size(), 128u);
}

}  // namespace
}  // namespace carrier::api
