#include "registry/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace carrier::registry {
namespace {

const std::string kSha256Hex = "5cfbaf45ca96806917830c183e9f37df2e913b187adb32e89fd83fa455ebaa6d";

TEST(RepositoryName, AcceptsTheSpecGrammar) {
  for (const char* name : {"a", "library/busybox", "openshift/release", "a.b_c__d---e/f0",
                           "ocp4/openshift4", "x/y/z/w"}) {
    EXPECT_TRUE(IsValidRepositoryName(name)) << name;
  }
}

TEST(RepositoryName, RejectsEverythingElse) {
  for (const char* name :
       {"",   "/a", "a/",     "a//b", "A",     "a/B", "a..b", "a___b", "a.-b",  "-a",  "a-",
        "a_", ".a", "a/../b", "..",   "a/./b", "a b", "a:b",  "a@b",   "a%2fb", "a\\b"}) {
    EXPECT_FALSE(IsValidRepositoryName(name)) << name;
  }
  EXPECT_TRUE(IsValidRepositoryName(std::string(255, 'a')));
  EXPECT_FALSE(IsValidRepositoryName(std::string(256, 'a')));
  EXPECT_FALSE(IsValidRepositoryName(std::string("a\0b", 3)));
}

TEST(Tag, Grammar) {
  for (const char* tag : {"latest", "v4.14.0", "_x", "4.14.0-x86_64", "A.b-C_d"}) {
    EXPECT_TRUE(IsValidTag(tag)) << tag;
  }
  for (const char* tag : {"", ".x", "-x", "a/b", "a:b", "a@b", "a b"}) {
    EXPECT_FALSE(IsValidTag(tag)) << tag;
  }
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
}

TEST(RegistryHost, Grammar) {
  for (const char* host :
       {"quay.io", "localhost", "localhost:5000", "127.0.0.1:5000",
        "registry.hypershiftdomain.lab:5000", "[::1]", "[::1]:5000", "My-Registry.example.com"}) {
    EXPECT_TRUE(IsValidRegistryHost(host)) << host;
  }
  for (const char* host : {"", ":5000", "a:", "a:0", "a:65536", "a:12x", "-a.io", "a-.io", "a..io",
                           "[::1", "[]", "[zz::1]", "[::1]5000", "a_b.io"}) {
    EXPECT_FALSE(IsValidRegistryHost(host)) << host;
  }
}

TEST(Digest, ParsesSha256AndSha512) {
  auto d = ParseDigest("sha256:" + kSha256Hex);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->encoded, kSha256Hex);
  EXPECT_EQ(d->ToString(), "sha256:" + kSha256Hex);

  auto d512 = ParseDigest("sha512:" + std::string(128, 'f'));
  ASSERT_TRUE(d512.ok());
  EXPECT_EQ(d512->algorithm, "sha512");
}

TEST(Digest, RejectsMalformedWithAClearMessage) {
  struct Case {
    std::string text;
    std::string message_part;
  };
  for (const Case& c : std::initializer_list<Case>{
           {kSha256Hex, "<algorithm>:<hex>"},
           {":" + kSha256Hex, "empty algorithm"},
           {"md5:d41d8cd98f00b204e9800998ecf8427e", "\"md5\" is not supported"},
           {"sha256:" + kSha256Hex.substr(1), "64 hex characters, not 63"},
           {"sha256:" + kSha256Hex + "0", "not 65"},
           {"sha512:" + kSha256Hex, "128 hex characters"},
           {"sha256:" + std::string(64, 'A'), "lowercase hexadecimal"},
           {"sha256:" + std::string(63, 'a') + "g", "lowercase hexadecimal"},
           {"SHA256:" + kSha256Hex, "not supported"},
       }) {
    auto d = ParseDigest(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.status().code(), Code::kInvalidArgument);
    EXPECT_NE(d.status().message().find(c.message_part), std::string::npos)
        << c.text << " -> " << d.status().message();
  }
}

TEST(Digest, ComputesKnownValues) {
  // FIPS 180 test vector "abc".
  EXPECT_EQ(ComputeDigest("sha256", "abc").ToString(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ComputeDigest("sha512", "abc").encoded,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(ComputeDigest("sha256", "").encoded,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Digest unsupported = ComputeDigest("md5", "abc");
  EXPECT_TRUE(unsupported.encoded.empty());
  EXPECT_FALSE(IsSupportedDigestAlgorithm("md5"));
  EXPECT_TRUE(IsSupportedDigestAlgorithm("sha512"));
}

TEST(DigestHasher, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 31));
  for (const char* algorithm : {"sha256", "sha512"}) {
    auto hasher = DigestHasher::Create(algorithm);
    ASSERT_TRUE(hasher.ok());
    for (size_t pos = 0; pos < data.size(); pos += 4093) {
      hasher->Update(std::string_view(data).substr(pos, 4093));
    }
    EXPECT_EQ(hasher->Finish(), ComputeDigest(algorithm, data)) << algorithm;
  }
  auto bad = DigestHasher::Create("crc32");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

TEST(ImageReference, NormalisesLikeDockerAndContainers) {
  struct Case {
    const char* text;
    const char* registry;
    const char* repository;
    const char* tag;
    const char* canonical;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"busybox", "docker.io", "library/busybox", "", "docker.io/library/busybox"},
           {"busybox:1.36", "docker.io", "library/busybox", "1.36",
            "docker.io/library/busybox:1.36"},
           {"openshift/origin", "docker.io", "openshift/origin", "", "docker.io/openshift/origin"},
           {"index.docker.io/busybox", "docker.io", "library/busybox", "",
            "docker.io/library/busybox"},
           {"localhost/app", "localhost", "app", "", "localhost/app"},
           {"localhost:5000/app:v1", "localhost:5000", "app", "v1", "localhost:5000/app:v1"},
           {"quay.io:443/openshift/release:4.14.0", "quay.io:443", "openshift/release", "4.14.0",
            "quay.io:443/openshift/release:4.14.0"},
           {"registry.redhat.io/openshift4/ose-cli", "registry.redhat.io", "openshift4/ose-cli", "",
            "registry.redhat.io/openshift4/ose-cli"},
           {"[::1]:5000/a/b:c", "[::1]:5000", "a/b", "c", "[::1]:5000/a/b:c"},
       }) {
    auto ref = ParseImageReference(c.text);
    ASSERT_TRUE(ref.ok()) << c.text << ": " << ref.status().ToString();
    EXPECT_EQ(ref->registry, c.registry) << c.text;
    EXPECT_EQ(ref->repository, c.repository) << c.text;
    EXPECT_EQ(ref->tag, c.tag) << c.text;
    EXPECT_FALSE(ref->digest.has_value()) << c.text;
    EXPECT_EQ(ref->ToString(), c.canonical) << c.text;
  }
}

TEST(ImageReference, TagAndDigest) {
  auto ref = ParseImageReference(
      "quay.io/openshift-release-dev/ocp-release:4.10.16-x86_64@sha256:" + kSha256Hex);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->Location(), "quay.io/openshift-release-dev/ocp-release");
  EXPECT_EQ(ref->tag, "4.10.16-x86_64");
  ASSERT_TRUE(ref->digest.has_value());
  EXPECT_EQ(ref->digest->encoded, kSha256Hex);

  auto by_digest = ParseImageReference("127.0.0.1:5000/ubi8/ubi-minimal@sha256:" + kSha256Hex);
  ASSERT_TRUE(by_digest.ok());
  EXPECT_EQ(by_digest->registry, "127.0.0.1:5000");
  EXPECT_TRUE(by_digest->tag.empty());
  EXPECT_EQ(by_digest->ToString(), "127.0.0.1:5000/ubi8/ubi-minimal@sha256:" + kSha256Hex);
}

TEST(ImageReference, RejectsMalformed) {
  for (std::string text :
       {std::string(""), std::string(":tag"), std::string("@sha256:") + kSha256Hex,
        std::string("Busybox"), std::string("quay.io/"), std::string("quay.io//x"),
        std::string("quay.io/a/../b"), std::string("quay.io/a:"), std::string("quay.io/a:.x"),
        std::string("quay.io/a@sha256:abc"), std::string("quay.io/a@"), std::string("quay.io:0/a"),
        std::string("quay.io:x/a"), std::string("-quay.io/a"), std::string("a b"),
        std::string("quay.io/a:b:c"),
        std::string("quay.io/a@sha256:") + kSha256Hex + "@sha256:" + kSha256Hex,
        "quay.io/" + std::string(250, 'a')}) {
    auto ref = ParseImageReference(text);
    EXPECT_FALSE(ref.ok()) << text;
    if (!ref.ok()) {
      EXPECT_EQ(ref.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(ImageReference, CanonicalFormRoundTrips) {
  for (const char* text : {"busybox:1", "quay.io/a/b:c", "localhost:5000/x"}) {
    auto ref = ParseImageReference(text);
    ASSERT_TRUE(ref.ok());
    auto again = ParseImageReference(ref->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->ToString(), ref->ToString());
  }
}

}  // namespace
}  // namespace carrier::registry
