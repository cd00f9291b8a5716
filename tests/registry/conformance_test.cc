// Conformance with the OCI Distribution Specification v1.1, in its four areas (pull, push,
// content discovery, content management): each test names the requirement it checks and
// asserts the exact status codes and headers the spec demands.
#include <boost/json.hpp>
#include <set>

#include "registry/manifest.h"
#include "registry_fixture.h"

namespace carrier::registry {
namespace {

using testing::ClientResponse;
using testing::Descriptor;
using testing::ImageManifest;
using testing::RegistryFixture;
namespace json = boost::json;

class Conformance : public RegistryFixture {};

// ---------------------------------------------------------------------------------- pull

TEST_F(Conformance, PullBaseEndpointAnswers200WithApiVersion) {
  auto r = Do("GET", "/v2/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Docker-Distribution-Api-Version"), "registry/2.0");
}

TEST_F(Conformance, PullManifestByTagAndDigest) {
  std::string digest = PushImage("team/app", "v1", "a");
  auto by_tag = Do("GET", "/v2/team/app/manifests/v1",
                   {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  ASSERT_EQ(by_tag.status, 200);
  EXPECT_EQ(by_tag.Header("Content-Type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(by_tag.Header("Docker-Content-Digest"), digest);
  EXPECT_EQ(ComputeDigest("sha256", by_tag.body).ToString(), digest);
  auto by_digest = Do("GET", "/v2/team/app/manifests/" + digest);
  ASSERT_EQ(by_digest.status, 200);
  EXPECT_EQ(by_digest.body, by_tag.body);
  EXPECT_EQ(by_digest.Header("Docker-Content-Digest"), digest);
}

TEST_F(Conformance, PullHeadManifestHasLengthAndNoBody) {
  std::string digest = PushImage("app", "v1", "h");
  auto get = Do("GET", "/v2/app/manifests/v1");
  for (const std::string& ref : {std::string("v1"), digest}) {
    auto head = Do("HEAD", "/v2/app/manifests/" + ref);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body.size()));
    EXPECT_EQ(head.Header("Docker-Content-Digest"), digest);
  }
}

TEST_F(Conformance, PullUnknownManifestIs404ManifestUnknown) {
  PushImage("app", "v1", "x");
  auto tag = Do("GET", "/v2/app/manifests/nope");
  EXPECT_EQ(tag.status, 404);
  EXPECT_EQ(ErrorCode(tag), "MANIFEST_UNKNOWN");
  auto digest = Do("GET", "/v2/app/manifests/" + ComputeDigest("sha256", "other").ToString());
  EXPECT_EQ(digest.status, 404);
  EXPECT_EQ(ErrorCode(digest), "MANIFEST_UNKNOWN");
  auto head = Do("HEAD", "/v2/app/manifests/nope");
  EXPECT_EQ(head.status, 404);
  // A manifest of one repository is not served from another.
  auto other = Do("GET", "/v2/other/manifests/v1");
  EXPECT_EQ(other.status, 404);
}

TEST_F(Conformance, PullBlobGetHeadAndRange) {
  std::string data = "0123456789abcdefghij";
  std::string digest = PushBlob("app", data);
  auto get = Do("GET", "/v2/app/blobs/" + digest);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, data);
  EXPECT_EQ(get.Header("Docker-Content-Digest"), digest);
  auto head = Do("HEAD", "/v2/app/blobs/" + digest);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(data.size()));
  EXPECT_TRUE(head.body.empty());
  auto range = Do("GET", "/v2/app/blobs/" + digest, {{"Range", "bytes=5-9"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "56789");
  EXPECT_EQ(range.Header("Content-Range"), "bytes 5-9/20");
  auto beyond = Do("GET", "/v2/app/blobs/" + digest, {{"Range", "bytes=50-"}});
  EXPECT_EQ(beyond.status, 416);
}

TEST_F(Conformance, PullUnknownBlobIs404BlobUnknown) {
  std::string digest = PushBlob("app", "only in app");
  auto missing = Do("GET", "/v2/app/blobs/" + ComputeDigest("sha256", "nothing").ToString());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "BLOB_UNKNOWN");
  auto head = Do("HEAD", "/v2/app/blobs/" + ComputeDigest("sha256", "nothing").ToString());
  EXPECT_EQ(head.status, 404);
  // Blobs are shared on disk but a repository only serves the blobs pushed or mounted there.
  auto elsewhere = Do("GET", "/v2/other/blobs/" + digest);
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_EQ(ErrorCode(elsewhere), "BLOB_UNKNOWN");
}

TEST_F(Conformance, PullMalformedNamesAndDigestsAreRejected) {
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/UPPER/manifests/v1")), "NAME_INVALID");
  EXPECT_EQ(Do("GET", "/v2/a/../../etc/manifests/v1").status, 400);
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/a/%2e%2e/b/manifests/v1")), "NAME_INVALID");
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/app/blobs/sha256:xyz")), "DIGEST_INVALID");
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/app/blobs/md5:0123")), "DIGEST_INVALID");
  EXPECT_EQ(Do("GET", "/v2/app/manifests/-bad-tag").status, 400);
}

// ---------------------------------------------------------------------------------- push

TEST_F(Conformance, PushMonolithicPostThenPut) {
  std::string data(100000, 'z');
  std::string digest = ComputeDigest("sha256", data).ToString();
  auto post = Do("POST", "/v2/app/blobs/uploads/");
  ASSERT_EQ(post.status, 202);
  std::string location = post.Header("Location");
  ASSERT_FALSE(location.empty());
  auto put = Do("PUT", location + "?digest=" + digest,
                {{"Content-Type", "application/octet-stream"}}, data);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("Location"), "/v2/app/blobs/" + digest);
  EXPECT_EQ(put.Header("Docker-Content-Digest"), digest);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/" + digest).body, data);
}

TEST_F(Conformance, PushSinglePostWithDigest) {
  std::string data = "single post";
  std::string digest = ComputeDigest("sha256", data).ToString();
  auto post = Do("POST", "/v2/app/blobs/uploads/?digest=" + digest,
                 {{"Content-Type", "application/octet-stream"}}, data);
  EXPECT_EQ(post.status, 201);
  EXPECT_EQ(post.Header("Location"), "/v2/app/blobs/" + digest);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/" + digest).body, data);
}

TEST_F(Conformance, PushChunkedWithStatusAndOutOfOrder416) {
  std::string a(1000, 'a'), b(500, 'b'), c(24, 'c');
  std::string digest = ComputeDigest("sha256", a + b + c).ToString();
  auto post = Do("POST", "/v2/app/blobs/uploads/", {{"Content-Length", "0"}});
  ASSERT_EQ(post.status, 202);
  std::string location = post.Header("Location");
  auto p1 = Do("PATCH", location,
               {{"Content-Type", "application/octet-stream"}, {"Content-Range", "0-999"}}, a);
  EXPECT_EQ(p1.status, 202);
  EXPECT_EQ(p1.Header("Range"), "0-999");
  location = p1.Header("Location");
  ASSERT_FALSE(location.empty());
  auto status = Do("GET", location);
  EXPECT_EQ(status.status, 204);
  EXPECT_EQ(status.Header("Range"), "0-999");
  EXPECT_EQ(status.Header("Location"), location);
  // A chunk that does not start where the upload ends is refused with 416.
  auto gap = Do("PATCH", location,
                {{"Content-Type", "application/octet-stream"}, {"Content-Range", "1200-1699"}}, b);
  EXPECT_EQ(gap.status, 416);
  auto replay = Do("PATCH", location,
                   {{"Content-Type", "application/octet-stream"}, {"Content-Range", "0-499"}}, b);
  EXPECT_EQ(replay.status, 416);
  auto p2 = Do("PATCH", location,
               {{"Content-Type", "application/octet-stream"}, {"Content-Range", "1000-1499"}}, b);
  EXPECT_EQ(p2.status, 202);
  EXPECT_EQ(p2.Header("Range"), "0-1499");
  // The last chunk comes with the closing PUT.
  auto put = Do("PUT", p2.Header("Location") + "?digest=" + digest,
                {{"Content-Type", "application/octet-stream"}, {"Content-Range", "1500-1523"}}, c);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("Docker-Content-Digest"), digest);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/" + digest).body, a + b + c);
}

TEST_F(Conformance, PushStreamedPatchWithoutContentRange) {
  std::string data(3 << 20, 'q');
  std::string digest = ComputeDigest("sha256", data).ToString();
  auto post = Do("POST", "/v2/app/blobs/uploads/");
  auto patch = Do("PATCH", post.Header("Location"), {{"Content-Type", "application/octet-stream"}},
                  data);
  EXPECT_EQ(patch.status, 202);
  EXPECT_EQ(patch.Header("Range"), "0-" + std::to_string(data.size() - 1));
  auto put = Do("PUT", patch.Header("Location") + "?digest=" + digest);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(Do("HEAD", "/v2/app/blobs/" + digest).Header("Content-Length"),
            std::to_string(data.size()));
}

TEST_F(Conformance, PushDigestMismatchIsDigestInvalid) {
  auto post = Do("POST", "/v2/app/blobs/uploads/");
  auto put = Do("PUT", post.Header("Location") + "?digest=" +
                           ComputeDigest("sha256", "something else").ToString(),
                {{"Content-Type", "application/octet-stream"}}, "actual content");
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(ErrorCode(put), "DIGEST_INVALID");
  auto single = Do("POST", "/v2/app/blobs/uploads/?digest=" + ComputeDigest("sha256", "x").ToString(),
                   {{"Content-Type", "application/octet-stream"}}, "y");
  EXPECT_EQ(single.status, 400);
  EXPECT_EQ(ErrorCode(single), "DIGEST_INVALID");
  auto missing = Do("PUT", Do("POST", "/v2/app/blobs/uploads/").Header("Location"));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ErrorCode(missing), "DIGEST_INVALID");
}

TEST_F(Conformance, PushSha512DigestsAreVerified) {
  std::string data = "sha512 content";
  std::string digest = ComputeDigest("sha512", data).ToString();
  auto post = Do("POST", "/v2/app/blobs/uploads/");
  auto put = Do("PUT", post.Header("Location") + "?digest=" + digest,
                {{"Content-Type", "application/octet-stream"}}, data);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/" + digest).body, data);
  auto bad = Do("POST", "/v2/app/blobs/uploads/?digest=" + ComputeDigest("sha512", "no").ToString(),
                {{"Content-Type", "application/octet-stream"}}, data);
  EXPECT_EQ(ErrorCode(bad), "DIGEST_INVALID");
  // A manifest addressed by a sha512 digest.
  std::string config = "{}";
  PushBlob("app", config);
  std::string manifest = ImageManifest(config, {});
  std::string mdigest = ComputeDigest("sha512", manifest).ToString();
  EXPECT_EQ(PutManifest("app", mdigest, manifest).status, 201);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/" + mdigest).body, manifest);
}

TEST_F(Conformance, PushCrossRepositoryMount) {
  std::string digest = PushBlob("source/repo", "shared layer");
  auto mount = Do("POST", "/v2/target/repo/blobs/uploads/?mount=" + digest + "&from=source/repo");
  EXPECT_EQ(mount.status, 201);
  EXPECT_EQ(mount.Header("Location"), "/v2/target/repo/blobs/" + digest);
  EXPECT_EQ(mount.Header("Docker-Content-Digest"), digest);
  EXPECT_EQ(Do("GET", "/v2/target/repo/blobs/" + digest).body, "shared layer");
  // Not mountable (the source lacks it): a regular upload session starts instead.
  auto fallback = Do("POST", "/v2/target/repo/blobs/uploads/?mount=" +
                                 ComputeDigest("sha256", "absent").ToString() + "&from=source/repo");
  EXPECT_EQ(fallback.status, 202);
  EXPECT_FALSE(fallback.Header("Location").empty());
}

TEST_F(Conformance, PushUploadCancel) {
  auto post = Do("POST", "/v2/app/blobs/uploads/");
  std::string location = post.Header("Location");
  Do("PATCH", location, {{"Content-Type", "application/octet-stream"}}, "partial");
  auto cancel = Do("DELETE", location);
  EXPECT_EQ(cancel.status, 204);
  auto status = Do("GET", location);
  EXPECT_EQ(status.status, 404);
  EXPECT_EQ(ErrorCode(status), "BLOB_UPLOAD_UNKNOWN");
  auto again = Do("DELETE", location);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "BLOB_UPLOAD_UNKNOWN");
  // An upload id of another repository is unknown here.
  auto other = Do("POST", "/v2/other/blobs/uploads/").Header("Location");
  std::string id = other.substr(other.rfind('/') + 1);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/uploads/" + id).status, 404);
  EXPECT_EQ(Do("GET", "/v2/app/blobs/uploads/..%2F..%2Fetc").status, 404);
}

TEST_F(Conformance, PushManifestReturnsLocationAndDigest) {
  std::string config = "{\"a\":1}", layer = "layer";
  PushBlob("app", config);
  PushBlob("app", layer);
  std::string manifest = ImageManifest(config, {layer});
  std::string digest = ComputeDigest("sha256", manifest).ToString();
  auto put = PutManifest("app", "latest", manifest);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("Location"), "/v2/app/manifests/" + digest);
  EXPECT_EQ(put.Header("Docker-Content-Digest"), digest);
  auto by_digest = PutManifest("app", digest, manifest);
  EXPECT_EQ(by_digest.status, 201);
}

TEST_F(Conformance, PushManifestErrors) {
  std::string config = "{\"b\":2}";
  PushBlob("app", config);
  // A layer that was never pushed.
  auto missing = PutManifest("app", "v1", ImageManifest(config, {"never pushed"}));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(ErrorCode(missing), "MANIFEST_BLOB_UNKNOWN");
  auto garbage = PutManifest("app", "v1", "not json");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(ErrorCode(garbage), "MANIFEST_INVALID");
  auto mismatch = PutManifest("app", "v1", ImageManifest(config, {}),
                              "application/vnd.oci.image.index.v1+json");
  EXPECT_EQ(ErrorCode(mismatch), "MANIFEST_INVALID");
  auto wrong_digest =
      PutManifest("app", ComputeDigest("sha256", "other").ToString(), ImageManifest(config, {}));
  EXPECT_EQ(wrong_digest.status, 400);
  EXPECT_EQ(ErrorCode(wrong_digest), "DIGEST_INVALID");
  auto bad_tag = PutManifest("app", ".bad", ImageManifest(config, {}));
  EXPECT_EQ(bad_tag.status, 400);
  // Over the limit (1 MiB here): 413, answered from the headers alone. The body is not
  // sent, so that the answer is read deterministically: a client still writing a large body
  // when the server answers and closes may see the connection reset instead.
  http::testing::RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("PUT /v2/app/manifests/big HTTP/1.1\r\nHost: localhost\r\n"
                       "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                       "Content-Length: " + std::to_string((1 << 20) + 1) + "\r\n\r\n"));
  std::string head = raw.ReadUntil("\r\n\r\n");
  EXPECT_EQ(head.substr(0, 12), "HTTP/1.1 413") << head;
  EXPECT_NE(raw.ReadUntil("SIZE_INVALID").find("SIZE_INVALID"), std::string::npos);
}

TEST_F(Conformance, PushIndexesAndDockerMediaTypes) {
  std::string config = "{\"docker\":true}", layer = "docker layer";
  PushBlob("app", config);
  PushBlob("app", layer);
  std::string docker =
      "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kDockerManifest) + "\",\"config\":" +
      Descriptor("application/vnd.docker.container.image.v1+json", config) + ",\"layers\":[" +
      Descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", layer) + "]}";
  ASSERT_EQ(PutManifest("app", "docker", docker, std::string(kDockerManifest)).status, 201);
  std::string list = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kDockerManifestList) +
                     "\",\"manifests\":[" + Descriptor(std::string(kDockerManifest), docker) + "]}";
  ASSERT_EQ(PutManifest("app", "list", list, std::string(kDockerManifestList)).status, 201);
  std::string index = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciIndex) +
                      "\",\"manifests\":[" + Descriptor(std::string(kDockerManifest), docker) + "]}";
  ASSERT_EQ(PutManifest("app", "index", index, std::string(kOciIndex)).status, 201);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/docker").Header("Content-Type"), kDockerManifest);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/list").Header("Content-Type"), kDockerManifestList);
  auto got = Do("GET", "/v2/app/manifests/index");
  EXPECT_EQ(got.Header("Content-Type"), kOciIndex);
  EXPECT_EQ(got.body, index);
}

// ---------------------------------------------------------------------- content discovery

TEST_F(Conformance, DiscoveryTagsListWithPagination) {
  for (const char* tag : {"b", "a", "d", "c", "e"}) PushImage("app", tag, tag);
  auto all = Do("GET", "/v2/app/tags/list");
  ASSERT_EQ(all.status, 200);
  auto v = json::parse(all.body).as_object();
  EXPECT_EQ(v["name"].as_string(), "app");
  EXPECT_EQ(json::serialize(v["tags"]), R"(["a","b","c","d","e"])");
  auto first = Do("GET", "/v2/app/tags/list?n=2");
  EXPECT_EQ(json::serialize(json::parse(first.body).at("tags")), R"(["a","b"])");
  EXPECT_EQ(first.Header("Link"), "</v2/app/tags/list?n=2&last=b>; rel=\"next\"");
  auto next = Do("GET", "/v2/app/tags/list?n=2&last=b");
  EXPECT_EQ(json::serialize(json::parse(next.body).at("tags")), R"(["c","d"])");
  auto tail = Do("GET", "/v2/app/tags/list?n=2&last=d");
  EXPECT_EQ(json::serialize(json::parse(tail.body).at("tags")), R"(["e"])");
  EXPECT_FALSE(tail.HasHeader("Link"));
  auto none = Do("GET", "/v2/app/tags/list?n=0");
  EXPECT_EQ(json::serialize(json::parse(none.body).at("tags")), "[]");
  auto unknown = Do("GET", "/v2/nothing/tags/list");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "NAME_UNKNOWN");
}

TEST_F(Conformance, DiscoveryCatalogWithPagination) {
  PushImage("b/two", "v", "1");
  PushImage("a/one", "v", "2");
  PushImage("c", "v", "3");
  auto all = Do("GET", "/v2/_catalog");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(json::serialize(json::parse(all.body).at("repositories")), R"(["a/one","b/two","c"])");
  auto page = Do("GET", "/v2/_catalog?n=1&last=a/one");
  EXPECT_EQ(json::serialize(json::parse(page.body).at("repositories")), R"(["b/two"])");
  EXPECT_EQ(page.Header("Link"), "</v2/_catalog?n=1&last=b%2Ftwo>; rel=\"next\"");
}

TEST_F(Conformance, DiscoveryReferrersWithSubjectAndArtifactTypeFilter) {
  std::string subject = PushImage("app", "v1", "s");
  std::string empty_config = "{}";
  PushBlob("app", empty_config);
  std::string subject_field = ",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                              "\"digest\":\"" + subject + "\",\"size\":10}";
  std::string sbom = ImageManifest(empty_config, {}, ",\"artifactType\":\"application/spdx+json\"" +
                                                         subject_field +
                                                         ",\"annotations\":{\"k\":\"v\"}");
  std::string sig = ImageManifest(empty_config, {}, ",\"artifactType\":\"application/signature\"" +
                                                        subject_field);
  std::string sbom_digest = ComputeDigest("sha256", sbom).ToString();
  auto put = PutManifest("app", sbom_digest, sbom);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("OCI-Subject"), subject);
  EXPECT_EQ(PutManifest("app", ComputeDigest("sha256", sig).ToString(), sig).Header("OCI-Subject"),
            subject);
  auto all = Do("GET", "/v2/app/referrers/" + subject);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.Header("Content-Type"), kOciIndex);
  EXPECT_FALSE(all.HasHeader("OCI-Filters-Applied"));
  auto index = json::parse(all.body).as_object();
  EXPECT_EQ(index["schemaVersion"].as_int64(), 2);
  EXPECT_EQ(index["mediaType"].as_string(), kOciIndex);
  EXPECT_EQ(index["manifests"].as_array().size(), 2u);
  auto filtered = Do("GET", "/v2/app/referrers/" + subject + "?artifactType=application/spdx%2Bjson");
  EXPECT_EQ(filtered.Header("OCI-Filters-Applied"), "artifactType");
  auto list = json::parse(filtered.body).at("manifests").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("digest").as_string(), sbom_digest);
  EXPECT_EQ(list[0].at("artifactType").as_string(), "application/spdx+json");
  EXPECT_EQ(list[0].at("size").to_number<uint64_t>(), sbom.size());
  EXPECT_EQ(list[0].at("annotations").at("k").as_string(), "v");
  // An unknown subject has an empty list, never 404; a malformed digest is 400.
  auto unknown = Do("GET", "/v2/app/referrers/" + ComputeDigest("sha256", "none").ToString());
  EXPECT_EQ(unknown.status, 200);
  EXPECT_TRUE(json::parse(unknown.body).at("manifests").as_array().empty());
  EXPECT_EQ(Do("GET", "/v2/app/referrers/sha256:short").status, 400);
  // Deleting a referrer removes it from the list.
  EXPECT_EQ(Do("DELETE", "/v2/app/manifests/" + sbom_digest).status, 202);
  auto after = Do("GET", "/v2/app/referrers/" + subject);
  EXPECT_EQ(json::parse(after.body).at("manifests").as_array().size(), 1u);
}

TEST_F(Conformance, DiscoveryManifestWithMissingSubjectIsAccepted) {
  std::string config = "{}";
  PushBlob("app", config);
  std::string absent = ComputeDigest("sha256", "not pushed").ToString();
  std::string m = ImageManifest(config, {}, ",\"subject\":{\"mediaType\":\"" +
                                                std::string(kOciManifest) + "\",\"digest\":\"" +
                                                absent + "\",\"size\":1}");
  auto put = PutManifest("app", ComputeDigest("sha256", m).ToString(), m);
  EXPECT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("OCI-Subject"), absent);
  EXPECT_EQ(json::parse(Do("GET", "/v2/app/referrers/" + absent).body).at("manifests").as_array().size(),
            1u);
}

// --------------------------------------------------------------------- content management

TEST_F(Conformance, ManagementDeleteTag) {
  std::string digest = PushImage("app", "v1", "t");
  auto del = Do("DELETE", "/v2/app/manifests/v1");
  EXPECT_EQ(del.status, 202);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/v1").status, 404);
  // The manifest itself stays reachable by digest.
  EXPECT_EQ(Do("GET", "/v2/app/manifests/" + digest).status, 200);
  EXPECT_EQ(Do("DELETE", "/v2/app/manifests/v1").status, 404);
}

TEST_F(Conformance, ManagementDeleteManifest) {
  std::string digest = PushImage("app", "v1", "m");
  auto del = Do("DELETE", "/v2/app/manifests/" + digest);
  EXPECT_EQ(del.status, 202);
  auto gone = Do("GET", "/v2/app/manifests/" + digest);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorCode(gone), "MANIFEST_UNKNOWN");
  EXPECT_EQ(Do("GET", "/v2/app/manifests/v1").status, 404);
  auto again = Do("DELETE", "/v2/app/manifests/" + digest);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "MANIFEST_UNKNOWN");
}

TEST_F(Conformance, ManagementDeleteBlob) {
  std::string digest = PushBlob("app", "to delete");
  EXPECT_EQ(Do("DELETE", "/v2/app/blobs/" + digest).status, 202);
  auto gone = Do("GET", "/v2/app/blobs/" + digest);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(ErrorCode(gone), "BLOB_UNKNOWN");
  EXPECT_EQ(ErrorCode(Do("DELETE", "/v2/app/blobs/" + digest)), "BLOB_UNKNOWN");
}

TEST_F(Conformance, ManagementDeletesDisabledAre405Unsupported) {
  std::string digest = PushImage("app", "v1", "d");
  Start(false);
  auto tag = Do("DELETE", "/v2/app/manifests/v1");
  EXPECT_EQ(tag.status, 405);
  EXPECT_EQ(ErrorCode(tag), "UNSUPPORTED");
  EXPECT_EQ(Do("DELETE", "/v2/app/manifests/" + digest).status, 405);
  auto blob = Do("DELETE", "/v2/app/blobs/" + ComputeDigest("sha256", "layer-bytes-d").ToString());
  EXPECT_EQ(blob.status, 405);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/v1").status, 200);
}

TEST_F(Conformance, ErrorBodiesFollowTheSpecFormat) {
  auto r = Do("GET", "/v2/app/blobs/" + ComputeDigest("sha256", "x").ToString());
  auto v = json::parse(r.body).as_object();
  ASSERT_TRUE(v["errors"].is_array());
  auto& e = v["errors"].as_array()[0].as_object();
  EXPECT_TRUE(e["code"].is_string());
  EXPECT_TRUE(e["message"].is_string());
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Docker-Distribution-Api-Version"), "registry/2.0");
}

// ------------------------------------------------ further MUSTs of the v1.1 specification

TEST_F(Conformance, PullHeadBlobCarriesDigestAndLength) {
  std::string data = "head me";
  std::string digest = PushBlob("app", data);
  auto head = Do("HEAD", "/v2/app/blobs/" + digest);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Docker-Content-Digest"), digest);
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(data.size()));
  EXPECT_TRUE(head.body.empty());
  auto missing = Do("HEAD", "/v2/app/manifests/" + ComputeDigest("sha256", "none").ToString());
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.body.empty());
}

TEST_F(Conformance, PullNamesAndTagsFollowTheSpecGrammar) {
  // Path components may be separated by '.', '_', '__' or any run of '-'.
  for (const std::string repo : {"a__b/c--d", "x.y/z-w_v", "0/1/2/3"}) {
    std::string digest = PushImage(repo, "v1", repo);
    EXPECT_EQ(Do("GET", "/v2/" + repo + "/manifests/v1").Header("Docker-Content-Digest"), digest)
        << repo;
  }
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/a___b/manifests/v1")), "NAME_INVALID");
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/a-/manifests/v1")), "NAME_INVALID");
  EXPECT_EQ(ErrorCode(Do("GET", "/v2/a//b/manifests/v1")), "NAME_INVALID");
  // Tags: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}, so 128 characters at most.
  std::string config = "{\"tags\":1}";
  PushBlob("app", config);
  std::string manifest = ImageManifest(config, {});
  std::string longest = "_" + std::string(127, 'T');
  EXPECT_EQ(PutManifest("app", longest, manifest).status, 201);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/" + longest).status, 200);
  EXPECT_EQ(PutManifest("app", longest + "x", manifest).status, 400);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/" + longest + "x").status, 400);
}

TEST_F(Conformance, PushEmptyBlob) {
  std::string digest = ComputeDigest("sha256", "").ToString();
  auto single = Do("POST", "/v2/app/blobs/uploads/?digest=" + digest,
                   {{"Content-Type", "application/octet-stream"}, {"Content-Length", "0"}});
  EXPECT_EQ(single.status, 201);
  EXPECT_EQ(single.Header("Location"), "/v2/app/blobs/" + digest);
  auto post = Do("POST", "/v2/other/blobs/uploads/");
  auto put = Do("PUT", post.Header("Location") + "?digest=" + digest,
                {{"Content-Type", "application/octet-stream"}, {"Content-Length", "0"}});
  EXPECT_EQ(put.status, 201);
  for (const char* repo : {"app", "other"}) {
    auto get = Do("GET", "/v2/" + std::string(repo) + "/blobs/" + digest);
    EXPECT_EQ(get.status, 200);
    EXPECT_TRUE(get.body.empty());
    EXPECT_EQ(get.Header("Docker-Content-Digest"), digest);
    EXPECT_EQ(Do("HEAD", "/v2/" + std::string(repo) + "/blobs/" + digest).Header("Content-Length"),
              "0");
  }
}

TEST_F(Conformance, PushChunkedFirstChunkStartsAtZeroAndCloseReturnsLocation) {
  std::string a(10, 'a'), b(5, 'b');
  std::string digest = ComputeDigest("sha256", a + b).ToString();
  std::string location = Do("POST", "/v2/app/blobs/uploads/", {{"Content-Length", "0"}})
                             .Header("Location");
  auto late = Do("PATCH", location,
                 {{"Content-Type", "application/octet-stream"}, {"Content-Range", "1-10"}}, a);
  EXPECT_EQ(late.status, 416);
  // The upload is still usable: its status says nothing was received.
  auto status = Do("GET", location);
  EXPECT_EQ(status.status, 204);
  EXPECT_TRUE(status.HasHeader("Range"));
  EXPECT_FALSE(status.Header("Location").empty());
  auto first = Do("PATCH", status.Header("Location"),
                  {{"Content-Type", "application/octet-stream"}, {"Content-Range", "0-9"}}, a);
  ASSERT_EQ(first.status, 202);
  auto last = Do("PATCH", first.Header("Location"),
                 {{"Content-Type", "application/octet-stream"}, {"Content-Range", "10-14"}}, b);
  ASSERT_EQ(last.status, 202);
  EXPECT_EQ(last.Header("Range"), "0-14");
  auto close = Do("PUT", last.Header("Location") + "?digest=" + digest);
  EXPECT_EQ(close.status, 201);
  EXPECT_EQ(close.Header("Location"), "/v2/app/blobs/" + digest);
  EXPECT_EQ(close.Header("Docker-Content-Digest"), digest);
  // A closed session is gone.
  EXPECT_EQ(ErrorCode(Do("GET", last.Header("Location"))), "BLOB_UPLOAD_UNKNOWN");
}

TEST_F(Conformance, PushManifestWithAMissingConfigIsManifestBlobUnknown) {
  std::string layer = "present layer";
  PushBlob("app", layer);
  auto no_config = PutManifest("app", "v1", ImageManifest("{\"never\":\"pushed\"}", {layer}));
  EXPECT_EQ(no_config.status, 400);
  EXPECT_EQ(ErrorCode(no_config), "MANIFEST_BLOB_UNKNOWN");
  std::string absent = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciManifest) +
                       "\",\"config\":" + Descriptor(std::string(kOciManifest), "{}") + ",\"layers\":[]}";
  std::string index = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciIndex) +
                      "\",\"manifests\":[" + Descriptor(std::string(kOciManifest), absent) + "]}";
  // An index whose children are not here is accepted (a sparse index, e.g. one platform of
  // a multi-platform image mirrored): the specification lets a registry reject it or not.
  auto sparse = PutManifest("app", "index", index, std::string(kOciIndex));
  EXPECT_EQ(sparse.status, 201);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/index").body, index);
  EXPECT_EQ(Do("GET", "/v2/app/manifests/v1").status, 404);
}

TEST_F(Conformance, DiscoveryTagsAreAsciibeticalAndPagesAreExact) {
  for (const char* tag : {"b", "B", "1", "a", "_x", "A"}) PushImage("app", tag, tag);
  auto all = Do("GET", "/v2/app/tags/list");
  EXPECT_EQ(json::serialize(json::parse(all.body).at("tags")), R"(["1","A","B","_x","a","b"])");
  // n=0: an empty list and no Link header.
  auto none = Do("GET", "/v2/app/tags/list?n=0");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(json::serialize(json::parse(none.body).at("tags")), "[]");
  EXPECT_FALSE(none.HasHeader("Link"));
  // last without n: every tag after it, the named tag excluded.
  auto after = Do("GET", "/v2/app/tags/list?last=B");
  EXPECT_EQ(json::serialize(json::parse(after.body).at("tags")), R"(["_x","a","b"])");
  EXPECT_FALSE(after.HasHeader("Link"));
  // Exactly n when more exist; fewer only at the end.
  auto page = Do("GET", "/v2/app/tags/list?n=3&last=1");
  EXPECT_EQ(json::serialize(json::parse(page.body).at("tags")), R"(["A","B","_x"])");
  EXPECT_EQ(page.Header("Link"), "</v2/app/tags/list?n=3&last=_x>; rel=\"next\"");
  auto end = Do("GET", "/v2/app/tags/list?n=3&last=_x");
  EXPECT_EQ(json::serialize(json::parse(end.body).at("tags")), R"(["a","b"])");
  EXPECT_FALSE(end.HasHeader("Link"));
}

TEST_F(Conformance, DiscoveryTagsOfARepositoryWithoutTagsIs200Empty) {
  PushImage("app", "only", "o");
  ASSERT_EQ(Do("DELETE", "/v2/app/manifests/only").status, 202);
  auto r = Do("GET", "/v2/app/tags/list");
  EXPECT_EQ(r.status, 200);
  auto v = json::parse(r.body).as_object();
  EXPECT_EQ(v["name"].as_string(), "app");
  EXPECT_TRUE(v["tags"].as_array().empty());
}

TEST_F(Conformance, DiscoveryReferrerArtifactTypeDefaultsToConfigMediaType) {
  std::string subject = PushImage("app", "v1", "r");
  std::string config = "{\"custom\":true}";
  PushBlob("app", config);
  std::string subject_field = ",\"subject\":{\"mediaType\":\"" + std::string(kOciManifest) +
                              "\",\"digest\":\"" + subject + "\",\"size\":1}";
  // An image manifest without artifactType: the descriptor takes the config's media type.
  std::string image = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciManifest) +
                      "\",\"config\":" + Descriptor("application/vnd.example.config+json", config) +
                      ",\"layers\":[]" + subject_field + "}";
  std::string image_digest = ComputeDigest("sha256", image).ToString();
  ASSERT_EQ(PutManifest("app", image_digest, image).status, 201);
  // An index without artifactType: the descriptor has none.
  std::string index = "{\"schemaVersion\":2,\"mediaType\":\"" + std::string(kOciIndex) +
                      "\",\"manifests\":[]" + subject_field + ",\"annotations\":{\"i\":\"j\"}}";
  std::string index_digest = ComputeDigest("sha256", index).ToString();
  auto put = PutManifest("app", index_digest, index, std::string(kOciIndex));
  ASSERT_EQ(put.status, 201);
  EXPECT_EQ(put.Header("OCI-Subject"), subject);
  auto all = Do("GET", "/v2/app/referrers/" + subject);
  ASSERT_EQ(all.status, 200);
  auto list = json::parse(all.body).at("manifests").as_array();
  ASSERT_EQ(list.size(), 2u);
  for (const auto& d : list) {
    const auto& o = d.as_object();
    if (o.at("digest").as_string() == image_digest) {
      EXPECT_EQ(o.at("artifactType").as_string(), "application/vnd.example.config+json");
      EXPECT_EQ(o.at("mediaType").as_string(), kOciManifest);
      EXPECT_EQ(o.at("size").to_number<uint64_t>(), image.size());
    } else {
      EXPECT_EQ(o.at("digest").as_string(), index_digest);
      EXPECT_FALSE(o.contains("artifactType"));
      EXPECT_EQ(o.at("mediaType").as_string(), kOciIndex);
      EXPECT_EQ(o.at("annotations").at("i").as_string(), "j");
    }
  }
  // The filter applies to that artifactType.
  auto filtered =
      Do("GET", "/v2/app/referrers/" + subject + "?artifactType=application/vnd.example.config%2Bjson");
  EXPECT_EQ(filtered.Header("OCI-Filters-Applied"), "artifactType");
  auto one = json::parse(filtered.body).at("manifests").as_array();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].at("digest").as_string(), image_digest);
}

TEST_F(Conformance, ManagementDeletesInAnUnknownRepositoryAre404) {
  std::string digest = PushImage("app", "v1", "u");
  auto manifest = Do("DELETE", "/v2/nothing/manifests/" + digest);
  EXPECT_EQ(manifest.status, 404);
  auto tag = Do("DELETE", "/v2/nothing/manifests/v1");
  EXPECT_EQ(tag.status, 404);
  auto blob = Do("DELETE", "/v2/nothing/blobs/" + ComputeDigest("sha256", "layer-bytes-u").ToString());
  EXPECT_EQ(blob.status, 404);
  EXPECT_EQ(ErrorCode(blob), "BLOB_UNKNOWN");
  // Nothing of "app" was touched.
  EXPECT_EQ(Do("GET", "/v2/app/manifests/v1").status, 200);
}

TEST_F(Conformance, EveryClientErrorCodeIsOneTheSpecDefines) {
  // "The code field MUST be one of the following" (the 14 codes of the error table).
  const std::set<std::string> spec = {
      "BLOB_UNKNOWN",   "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
      "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID",
      "NAME_UNKNOWN",   "SIZE_INVALID",        "UNAUTHORIZED",        "DENIED",
      "UNSUPPORTED",    "TOOMANYREQUESTS"};
  std::string digest = PushImage("app", "v1", "e");
  std::string upload = Do("POST", "/v2/app/blobs/uploads/").Header("Location");
  std::vector<ClientResponse> errors = {
      Do("GET", "/v2/app/tags/list?n=abc"),
      Do("GET", "/v2/_catalog?n=-1"),
      Do("GET", "/v2/app/nonsense"),
      Do("GET", "/v2/app/manifests/v1/extra"),
      Do("GET", "/v2/app/blobs/sha256:00"),
      Do("GET", "/v2/app/manifests/missing"),
      Do("GET", "/v2/UPPER/tags/list"),
      Do("GET", "/v2/nothing/tags/list"),
      Do("PATCH", upload, {{"Content-Type", "application/octet-stream"}, {"Content-Range", "7-8"}},
         "xy"),
      Do("PUT", upload + "?digest=" + digest, {{"Content-Type", "application/octet-stream"}}, "z"),
      Do("GET", "/v2/app/blobs/uploads/unknown-id"),
      PutManifest("app", "v2", "{"),
  };
  for (const auto& r : errors) {
    EXPECT_GE(r.status, 400);
    EXPECT_LT(r.status, 500);
    if (r.Header("Content-Type") != "application/json") continue;
    std::string code = ErrorCode(r);
    EXPECT_TRUE(spec.count(code)) << "status " << r.status << " code [" << code << "]: " << r.body;
  }
}

}  // namespace
}  // namespace carrier::registry
