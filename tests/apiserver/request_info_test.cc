#include "apiserver/request_info.h"

#include <gtest/gtest.h>

namespace carrier::apiserver {
namespace {

TEST(RequestInfoTest, CoreNamespacedObject) {
  auto info = ParseRequestInfo("GET", "/api/v1/namespaces/default/pods/web", false);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->cluster, "root");
  EXPECT_TRUE(info->is_resource);
  EXPECT_EQ(info->group, "");
  EXPECT_EQ(info->version, "v1");
  EXPECT_EQ(info->namespace_, "default");
  EXPECT_EQ(info->resource, "pods");
  EXPECT_EQ(info->name, "web");
  EXPECT_EQ(info->verb, "get");
}

TEST(RequestInfoTest, GroupCollectionsAndVerbs) {
  auto list = ParseRequestInfo("GET", "/apis/apps/v1/namespaces/ns/deployments", false);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->group, "apps");
  EXPECT_EQ(list->verb, "list");
  auto watch = ParseRequestInfo("GET", "/apis/apps/v1/deployments", true);
  EXPECT_EQ(watch->verb, "watch");
  EXPECT_EQ(watch->namespace_, "");
  auto scale = ParseRequestInfo("PATCH", "/apis/apps/v1/namespaces/ns/deployments/d/scale", false);
  EXPECT_EQ(scale->subresource, "scale");
  EXPECT_EQ(scale->verb, "patch");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/ns/pods", false)->verb,
            "deletecollection");
  EXPECT_EQ(ParseRequestInfo("POST", "/api/v1/namespaces/ns/pods", false)->verb, "create");
}

TEST(RequestInfoTest, NamespaceObjectAndItsSubresources) {
  auto ns = ParseRequestInfo("GET", "/api/v1/namespaces/team", false);
  EXPECT_EQ(ns->resource, "namespaces");
  EXPECT_EQ(ns->name, "team");
  EXPECT_EQ(ns->namespace_, "");
  auto status = ParseRequestInfo("PUT", "/api/v1/namespaces/team/status", false);
  EXPECT_EQ(status->resource, "namespaces");
  EXPECT_EQ(status->subresource, "status");
  auto finalize = ParseRequestInfo("PUT", "/api/v1/namespaces/team/finalize", false);
  EXPECT_EQ(finalize->subresource, "finalize");
}

TEST(RequestInfoTest, LogicalClusterPrefix) {
  auto info = ParseRequestInfo("GET", "/clusters/tenant-a/api/v1/namespaces", false);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->cluster, "tenant-a");
  EXPECT_EQ(info->path, "/api/v1/namespaces");
  EXPECT_EQ(info->resource, "namespaces");
  auto discovery = ParseRequestInfo("GET", "/clusters/tenant-a/apis", false);
  EXPECT_FALSE(discovery->is_resource);
  EXPECT_EQ(discovery->path, "/apis");
  auto bad = ParseRequestInfo("GET", "/clusters/Bad_Name/api", false);
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
}

TEST(RequestInfoTest, NonResourceAndMalformedPaths) {
  EXPECT_FALSE(ParseRequestInfo("GET", "/healthz", false)->is_resource);
  EXPECT_FALSE(ParseRequestInfo("GET", "/api/v1", false)->is_resource);
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/apps/v1", false)->is_resource);
  auto deep = ParseRequestInfo("GET", "/api/v1/namespaces/a/pods/b/c/d", false);
  EXPECT_EQ(deep.status().code(), Code::kNotFound);
}

TEST(RequestInfoTest, BooleansParseLikeGo) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_TRUE(QueryBool(t)) << t;
  for (const char* f : {"0", "false", "yes", "", "tRuE"}) EXPECT_FALSE(QueryBool(f)) << f;
  EXPECT_FALSE(QueryBool(std::nullopt));
}

TEST(RequestInfoTest, ClusterNames) {
  EXPECT_TRUE(IsValidClusterName("clusters-hosted-1"));
  EXPECT_FALSE(IsValidClusterName("-x"));
  EXPECT_FALSE(IsValidClusterName("UPPER"));
  EXPECT_FALSE(IsValidClusterName(std::string(64, 'a')));
}

}  // namespace
}  // namespace carrier::apiserver
