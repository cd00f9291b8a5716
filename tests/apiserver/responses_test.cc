#include "apiserver/responses.h"

#include <gtest/gtest.h>

#include "apiserver/object_meta.h"

namespace carrier::apiserver {
namespace {

TEST(NegotiateAcceptTest, KubectlTableRequest) {
  auto n = NegotiateAccept(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
      "g=meta.k8s.io,application/json");
  EXPECT_TRUE(n.acceptable);
  EXPECT_TRUE(n.table);
  EXPECT_EQ(n.table_version, "v1");
}

TEST(NegotiateAcceptTest, PlainJsonAndFallbacks) {
  EXPECT_FALSE(NegotiateAccept("application/json").table);
  EXPECT_FALSE(NegotiateAccept("").table);
  EXPECT_TRUE(NegotiateAccept("*/*").acceptable);
  EXPECT_TRUE(NegotiateAccept("application/vnd.kubernetes.protobuf, */*").acceptable);
  // A Table version Carrier does not serve falls through to the next range.
  auto n = NegotiateAccept("application/json;as=Table;v=v2;g=meta.k8s.io,application/json");
  EXPECT_FALSE(n.table);
  EXPECT_TRUE(n.acceptable);
  EXPECT_FALSE(NegotiateAccept("application/yaml").acceptable);
}

TEST(ObjectMetaTest, HumanAges) {
  auto t0 = std::chrono::system_clock::from_time_t(1'700'000'000);
  std::string created = Rfc3339(t0);
  EXPECT_EQ(HumanAgeSince(created, t0 + std::chrono::seconds(42)), "42s");
  EXPECT_EQ(HumanAgeSince(created, t0 + std::chrono::minutes(5)), "5m");
  EXPECT_EQ(HumanAgeSince(created, t0 + std::chrono::minutes(45)), "45m");
  EXPECT_EQ(HumanAgeSince(created, t0 + std::chrono::hours(5)), "5h");
  EXPECT_EQ(HumanAgeSince(created, t0 + std::chrono::hours(24 * 3)), "3d");
  EXPECT_EQ(HumanAgeSince("garbage", t0), "<unknown>");
}

TEST(ObjectMetaTest, UidsAreVersion4) {
  std::string a = NewUid(), b = NewUid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
}

}  // namespace
}  // namespace carrier::apiserver

namespace carrier::apiserver {
namespace {

TEST(NegotiateAcceptPartialTest, PartialObjectMetadataIsMetadataOnly) {
  auto n = NegotiateAccept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  EXPECT_TRUE(n.acceptable);
  EXPECT_TRUE(n.partial_metadata);
  EXPECT_EQ(n.partial_version, "v1");
  EXPECT_FALSE(n.table);
  auto beta = NegotiateAccept(
      "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1, application/json");
  EXPECT_TRUE(beta.partial_metadata);
  EXPECT_EQ(beta.partial_version, "v1beta1");
  // An unknown version falls through to the next range, or is not acceptable.
  auto fallback =
      NegotiateAccept("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v9, application/json");
  EXPECT_TRUE(fallback.acceptable);
  EXPECT_FALSE(fallback.partial_metadata);
  EXPECT_FALSE(NegotiateAccept("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v9").acceptable);
}

}  // namespace
}  // namespace carrier::apiserver
