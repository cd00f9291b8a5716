#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/protobuf/envelope.h"
#include "api/protobuf/schema.h"
#include "api/protobuf/transcode.h"
#include "api/protobuf/wire.h"

namespace carrier::api::protobuf {
namespace {

namespace json = boost::json;

// ---- a tiny encoder for hand-built wire bytes
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string V(uint32_t n, uint64_t v) { return Varint(uint64_t{n} << 3) + Varint(v); }
std::string L(uint32_t n, std::string_view bytes) {
  return Varint((uint64_t{n} << 3) | 2) + Varint(bytes.size()) + std::string(bytes);
}
std::string Entry(uint32_t n, std::string_view key, std::string_view value) {
  return L(n, L(1, key) + L(2, value));
}
std::string Body(std::string_view api_version, std::string_view kind, std::string_view raw) {
  return std::string(kMagic) + L(1, L(1, api_version) + L(2, kind)) + L(2, raw) + L(3, "") +
         L(4, "");
}

json::object Decode(const std::string& body) {
  auto r = DecodeObject(body);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : json::object();
}

// What kubectl 1.33 sends for `kubectl create namespace x`, byte for byte.
const std::string kKubectlNamespace(
    "k8s\0\n\x0f\n\x02v1\x12\tNamespace\x12\x19\n\x11\n\x01x\x12\x00\x1a\x00\"\x00*\x00" "2"
    "\x00" "8\x00" "B\x00\x12\x00\x1a\x02\n\x00\x1a\x00\"\x00",
    52);

TEST(ProtobufEnvelopeTest, KubectlNamespaceBecomesItsJson) {
  auto env = DecodeEnvelope(kKubectlNamespace);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->api_version, "v1");
  EXPECT_EQ(env->kind, "Namespace");
  EXPECT_EQ(json::serialize(Decode(kKubectlNamespace)),
            R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"},"spec":{},"status":{}})");
}

TEST(ProtobufEnvelopeTest, MalformedEnvelopesAreBadRequests) {
  for (const std::string& body :
       {std::string("k8s"), std::string("{\"kind\":\"Namespace\"}"),
        std::string(kMagic) + V(9, 1),                        // unknown envelope field
        std::string(kMagic) + L(1, L(7, "x")),                // unknown typeMeta field
        std::string(kMagic) + L(1, L(1, "v1")) + L(2, ""),   // no kind
        Body("v1", "Namespace", "").append(L(3, "gzip"))}) {  // content encoding
    auto r = DecodeObject(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kBadRequest) << r.status().message();
  }
}

TEST(ProtobufEnvelopeTest, UnknownKindIsUnsupportedMedia) {
  auto r = DecodeObject(Body("example.com/v1", "Widget", ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupportedMedia);
  EXPECT_NE(r.status().message().find("Widget"), std::string::npos);
}

TEST(ProtobufTranscodeTest, DeploymentWithTheCommonShapes) {
  std::string meta = L(1, "web") + V(7, 0) + Entry(11, "app", "web") +
                     L(8, V(1, 1714557600)) + L(9, "");  // a zero Time is left out
  std::string env = L(1, "MODE") + L(3, L(3, L(1, L(1, "settings")) + L(2, "mode")));
  std::string resources = Entry(1, "cpu", L(1, "500m")) + Entry(2, "memory", L(1, "64Mi"));
  std::string container = L(1, "nginx") + L(2, "nginx:1.25") + L(4, "-g") + L(4, "daemon off;") +
                          L(6, L(1, "") + V(2, 0) + V(3, 80) + L(4, "TCP")) + L(7, env) +
                          L(8, resources) + L(9, L(1, "data") + L(3, "/data")) +
                          L(11, L(1, L(2, L(1, "/healthz") + L(2, V(1, 0) + V(2, 8080)))) +
                              V(3, 5));
  std::string volume = L(1, "data") + L(2, L(2, L(1, "") + L(2, L(1, "1Gi"))));
  std::string pod = L(1, volume) + L(2, container) + L(3, "Always") + V(4, 30) + V(11, 0);
  std::string strategy = L(1, "RollingUpdate") +
                         L(2, L(1, V(1, 0) + V(2, 1)) + L(2, V(1, 1) + L(3, "25%")));
  std::string spec = V(1, 0) + L(2, Entry(1, "app", "web")) +
                     L(3, L(1, Entry(11, "app", "web")) + L(2, pod)) + L(4, strategy) + V(5, 0);
  json::object obj = Decode(Body("apps/v1", "Deployment", L(1, meta) + L(2, spec) + L(3, V(2, 0))));
  EXPECT_EQ(json::serialize(obj),
            R"({"apiVersion":"apps/v1","kind":"Deployment",)"
            R"("metadata":{"name":"web","labels":{"app":"web"},"creationTimestamp":"2024-05-01T10:00:00Z"},)"
            R"("spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},)"
            R"("template":{"metadata":{"labels":{"app":"web"}},"spec":{)"
            R"("volumes":[{"name":"data","emptyDir":{"sizeLimit":"1Gi"}}],)"
            R"("containers":[{"name":"nginx","image":"nginx:1.25","args":["-g","daemon off;"],)"
            R"("ports":[{"containerPort":80,"protocol":"TCP"}],)"
            R"("env":[{"name":"MODE","valueFrom":{"configMapKeyRef":{"name":"settings","key":"mode"}}}],)"
            R"("resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},)"
            R"("volumeMounts":[{"name":"data","mountPath":"/data"}],)"
            R"("readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"timeoutSeconds":5}}],)"
            R"("restartPolicy":"Always","terminationGracePeriodSeconds":30}},)"
            R"("strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":"25%"}}},)"
            R"("status":{}})");
}

TEST(ProtobufTranscodeTest, SecretBytesAreBase64AndMapsKeepEmptyValues) {
  std::string raw = L(1, L(1, "s")) + Entry(2, "k", "v") + L(2, L(1, "empty")) +
                    L(3, "Opaque") + Entry(4, "plain", "text");
  EXPECT_EQ(json::serialize(Decode(Body("v1", "Secret", raw))),
            R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},)"
            R"("data":{"k":"dg==","empty":""},"type":"Opaque","stringData":{"plain":"text"}})");
}

TEST(ProtobufTranscodeTest, RepeatedStringsKeepEmptyElements) {
  std::string rule = L(1, "get") + L(2, "") + L(3, "pods");
  EXPECT_EQ(json::serialize(Decode(Body("rbac.authorization.k8s.io/v1", "Role",
                                        L(1, L(1, "r")) + L(2, rule)))),
            R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},)"
            R"("rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"]}]})");
}

TEST(ProtobufTranscodeTest, PackedAndUnpackedRepeatedIntegers) {
  std::string packed = L(4, Varint(1000) + Varint(2000));
  std::string spec = L(2, L(1, "c")) + L(14, packed + V(4, 3000));
  auto obj = Decode(Body("v1", "Pod", L(1, L(1, "p")) + L(2, spec)));
  EXPECT_EQ(json::serialize(obj.at("spec").at("securityContext")),
            R"({"supplementalGroups":[1000,2000,3000]})");
}

TEST(ProtobufTranscodeTest, TokenRequestAndDeleteOptions) {
  EXPECT_EQ(json::serialize(Decode(Body("authentication.k8s.io/v1", "TokenRequest",
                                        L(1, "") + L(2, L(1, "api") + V(4, 3600)) + L(3, "")))),
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{},)"
            R"("spec":{"audiences":["api"],"expirationSeconds":3600},"status":{}})");
  EXPECT_EQ(json::serialize(Decode(Body("meta.k8s.io/v1", "DeleteOptions",
                                        V(1, 0) + L(2, L(1, "u-1")) + L(4, "Foreground")))),
            R"({"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions","gracePeriodSeconds":0,)"
            R"("preconditions":{"uid":"u-1"},"propagationPolicy":"Foreground"})");
}

TEST(ProtobufTranscodeTest, CertificateSigningRequestWithExtrasAndConditions) {
  std::string spec = L(1, "PEM") + L(2, "alice") + L(4, "dev") + L(4, "ops") +
                     L(5, "client auth") + L(6, L(1, "scopes") + L(2, L(1, "a") + L(1, "b"))) +
                     L(7, "kubernetes.io/kube-apiserver-client") + V(8, 3600);
  std::string status = L(1, L(1, "Approved") + L(2, "KubectlApprove") + L(6, "True") +
                               L(4, V(1, 1714557600)));
  auto csr = Decode(Body("certificates.k8s.io/v1", "CertificateSigningRequest",
                         L(1, L(1, "alice")) + L(2, spec) + L(3, status)));
  EXPECT_EQ(json::serialize(csr.at("spec")),
            R"({"request":"UEVN","username":"alice","groups":["dev","ops"],"usages":["client auth"],)"
            R"("extra":{"scopes":["a","b"]},"signerName":"kubernetes.io/kube-apiserver-client",)"
            R"("expirationSeconds":3600})");
  EXPECT_EQ(json::serialize(csr.at("status")),
            R"({"conditions":[{"type":"Approved","reason":"KubectlApprove","status":"True",)"
            R"("lastUpdateTime":"2024-05-01T10:00:00Z"}]})");
}

TEST(ProtobufTranscodeTest, UnknownFieldNamesTheTypeAndNumber) {
  auto r = DecodeObject(Body("v1", "Namespace", L(1, L(1, "x")) + L(2, V(9, 1))));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
  EXPECT_NE(r.status().message().find("field 9 of k8s.io.api.core.v1.NamespaceSpec"),
            std::string::npos)
      << r.status().message();
}

TEST(ProtobufTranscodeTest, WrongWireTypeIsBadRequest) {
  auto r = DecodeObject(Body("v1", "Namespace", V(1, 5)));  // metadata as a varint
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
  EXPECT_NE(r.status().message().find("field 1 of k8s.io.api.core.v1.Namespace"), std::string::npos) << r.status().message();
  r = DecodeObject(Body("v1", "ConfigMap", L(1, L(8, V(1, 1) + V(3, 1)))));  // Time field 3
  ASSERT_FALSE(r.ok());
  r = DecodeObject(Body("v1", "Service", L(2, L(1, L(4, V(1, 7)))))); // IntOrString type 7
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("IntOrString"), std::string::npos);
}

TEST(ProtobufTranscodeTest, TimesFormatAsTheJsonApiDoes) {
  EXPECT_EQ(*FormatTime(0, 0, false), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*FormatTime(1714557600, 123456789, true), "2024-05-01T10:00:00.123456Z");
  EXPECT_EQ(*FormatTime(-62135596800, 0, false), "0001-01-01T00:00:00Z");
  EXPECT_EQ(*FormatTime(951782400, 0, false), "2000-02-29T00:00:00Z");
  EXPECT_FALSE(FormatTime(253402300800, 0, false).ok());
  EXPECT_FALSE(FormatTime(INT64_MIN, 0, false).ok());
}

TEST(ProtobufWireTest, HostileWireBytesAreCleanErrors) {
  for (const std::string& raw :
       {std::string(11, '\xff'),                  // varint longer than 10 bytes
        std::string("\x0a\x05" "ab", 4),           // length past the end
        std::string("\x0a\xff\xff\xff\xff\x0f", 6),  // huge length
        std::string("\x00\x01", 2),                // field number 0
        std::string("\x0b", 1),                    // start group
        std::string("\x0d\x01\x02", 3),            // truncated fixed32
        std::string("\x09\x01", 2),                // truncated fixed64
        std::string("\x08", 1)}) {                 // varint missing
    auto r = DecodeObject(Body("v1", "Namespace", raw));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kBadRequest) << r.status().message();
  }
  std::string_view ten("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);  // overflows 64 bits
  EXPECT_FALSE(ReadVarint(ten).ok());
  std::string_view max("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
  EXPECT_EQ(*ReadVarint(max), UINT64_MAX);
}

TEST(ProtobufWireTest, EveryPrefixOfARealBodyIsAnswered) {
  for (size_t n = 0; n < kKubectlNamespace.size(); ++n) {
    auto r = DecodeObject(kKubectlNamespace.substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kBadRequest);
    }
  }
}

// A self-nesting message to drive the depth limit.
extern const Message kNode;
constexpr Field kNodeFields[] = {Msg(1, "child", kNode)};
constexpr Message kNode{"test.Node", kNodeFields};

TEST(ProtobufTranscodeTest, NestingIsLimited) {
  std::string bytes;
  for (int i = 0; i < 200; ++i) bytes = L(1, bytes);
  auto r = TranscodeToJson(kNode, bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("deeper"), std::string::npos);
  std::string shallow;
  for (int i = 0; i < 50; ++i) shallow = L(1, shallow);
  EXPECT_TRUE(TranscodeToJson(kNode, shallow).ok());
}

}  // namespace
}  // namespace carrier::api::protobuf
