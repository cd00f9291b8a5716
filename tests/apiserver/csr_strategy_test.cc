// The CertificateSigningRequest strategy: the requester comes from authentication, the
// request is validated, and each endpoint changes only what it owns.
#include "apiserver/csr_strategy.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/base64.h"
#include "base/x509.h"

namespace carrier::apiserver::csr {
namespace {

namespace json = boost::json;

json::object NewCsr(const std::string& signer = "kubernetes.io/kube-apiserver-client",
                    json::array usages = {"digital signature", "client auth"}) {
  auto req = x509::CreateCertificateRequest({"alice", {"dev"}, {}});
  EXPECT_TRUE(req.ok());
  return json::object{
      {"apiVersion", "certificates.k8s.io/v1"},
      {"kind", "CertificateSigningRequest"},
      {"metadata", json::object{{"name", "alice"}}},
      {"spec", json::object{{"request", Base64Encode(req->cert_pem)},
                            {"signerName", signer},
                            {"usages", std::move(usages)},
                            {"username", "mallory"},
                            {"groups", json::array{"system:masters"}}}},
      {"status", json::object{{"certificate", Base64Encode("forged")}}}};
}

UserInfo Alice() {
  UserInfo u;
  u.name = "kubernetes-admin";
  u.uid = "u-1";
  u.groups = {"system:authenticated", "admins"};
  u.extra = {{"scopes", {"a", "b"}}};
  return u;
}

std::vector<std::string> Fields(const std::optional<api::ApiError>& e) {
  std::vector<std::string> out;
  if (e) {
    for (const auto& c : e->details.causes) out.push_back(c.field);
  }
  return out;
}

json::object Condition(const std::string& type) {
  return {{"type", type}, {"status", "True"}, {"reason", "Test"}};
}

void SetConditions(json::object& csr, json::array conditions) {
  csr["status"].emplace_object()["conditions"] = std::move(conditions);
}

json::object Created() {
  json::object csr = NewCsr();
  EXPECT_FALSE(PrepareForCreate(csr, Alice()));
  return csr;
}

TEST(CsrStrategyTest, CreateTakesTheRequesterFromAuthenticationAndClearsStatus) {
  json::object csr = NewCsr();
  ASSERT_FALSE(PrepareForCreate(csr, Alice()));
  const json::object& spec = csr.at("spec").as_object();
  EXPECT_EQ(spec.at("username"), "kubernetes-admin");
  EXPECT_EQ(spec.at("uid"), "u-1");
  EXPECT_EQ(spec.at("groups"), (json::array{"system:authenticated", "admins"}));
  EXPECT_EQ(spec.at("extra"), (json::object{{"scopes", json::array{"a", "b"}}}));
  EXPECT_FALSE(csr.contains("status"));
  EXPECT_EQ(ConditionText(csr), "Pending");
}

TEST(CsrStrategyTest, CreateValidatesRequestSignerUsagesAndExpiration) {
  json::object bad = NewCsr("example.com", {"client auth", "flying", "client auth"});
  bad["spec"].as_object()["request"] = Base64Encode("-----BEGIN CERTIFICATE REQUEST-----\nxx\n");
  bad["spec"].as_object()["expirationSeconds"] = 599;
  auto invalid = PrepareForCreate(bad, Alice());
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status.code(), Code::kInvalidArgument);
  EXPECT_EQ(Fields(invalid), (std::vector<std::string>{"spec.request", "spec.signerName",
                                                       "spec.usages[1]", "spec.usages[2]",
                                                       "spec.expirationSeconds"}));
  EXPECT_NE(invalid->status.message().find("CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid"),
            std::string::npos);

  json::object empty{{"metadata", json::object{{"name", "x"}}}, {"spec", json::object{}}};
  EXPECT_EQ(Fields(PrepareForCreate(empty, Alice())),
            (std::vector<std::string>{"spec.request", "spec.signerName", "spec.usages"}));

  json::object ok = NewCsr();
  ok["spec"].as_object()["expirationSeconds"] = 600;
  EXPECT_FALSE(PrepareForCreate(ok, Alice()));
}

TEST(CsrStrategyTest, ApprovalChangesConditionsOnlyAndNeverBothOrRemoved) {
  json::object old = Created();
  json::object next = old;
  next["spec"].as_object()["signerName"] = "example.com/other";
  SetConditions(next, {Condition("Approved")});
  next["status"].as_object()["certificate"] = Base64Encode("sneaky");
  ASSERT_FALSE(PrepareForUpdate(next, old, "approval"));
  EXPECT_EQ(next.at("spec"), old.at("spec"));
  EXPECT_FALSE(next.at("status").as_object().contains("certificate"));
  const json::object& approved = next.at("status").at("conditions").at(0).as_object();
  EXPECT_FALSE(approved.at("lastUpdateTime").as_string().empty());
  EXPECT_FALSE(approved.at("lastTransitionTime").as_string().empty());
  EXPECT_EQ(ConditionText(next), "Approved");

  json::object both = next;
  SetConditions(both, {Condition("Approved"), Condition("Denied")});
  EXPECT_EQ(Fields(PrepareForUpdate(both, next, "approval")),
            std::vector<std::string>{"status.conditions"});
  json::object removed = next;
  SetConditions(removed, {});
  auto forbidden = PrepareForUpdate(removed, next, "approval");
  ASSERT_TRUE(forbidden);
  EXPECT_NE(forbidden->status.message().find("may not remove a condition of type \"Approved\""),
            std::string::npos);
  json::object twice = next;
  SetConditions(twice, {Condition("Approved"), Condition("Approved")});
  EXPECT_EQ(Fields(PrepareForUpdate(twice, next, "approval")),
            std::vector<std::string>{"status.conditions[1].type"});
}

TEST(CsrStrategyTest, StatusSetsTheCertificateOnlyWhenApprovedAndOnlyOnce) {
  auto ca = x509::CreateCertificateAuthority("ca");
  ASSERT_TRUE(ca.ok());
  auto cert = x509::IssueCertificate(*ca, {"alice", {"dev"}, {}, false, true});
  ASSERT_TRUE(cert.ok());
  json::object pending = Created();

  json::object early = pending;
  early["status"].emplace_object()["certificate"] = Base64Encode(cert->cert_pem);
  EXPECT_EQ(Fields(PrepareForUpdate(early, pending, "status")),
            std::vector<std::string>{"status.certificate"});

  // A status write cannot approve: Approved/Denied come from the stored object.
  json::object self_approved = pending;
  SetConditions(self_approved, {Condition("Approved")});
  ASSERT_FALSE(PrepareForUpdate(self_approved, pending, "status"));
  EXPECT_FALSE(HasCondition(self_approved, "Approved"));

  json::object approved = pending;
  SetConditions(approved, {Condition("Approved")});
  ASSERT_FALSE(PrepareForUpdate(approved, pending, "approval"));
  json::object issued = approved;
  issued["status"].as_object()["certificate"] = Base64Encode(cert->cert_pem);
  ASSERT_FALSE(PrepareForUpdate(issued, approved, "status"));
  EXPECT_EQ(Certificate(issued), cert->cert_pem);
  EXPECT_EQ(ConditionText(issued), "Approved,Issued");

  auto other = x509::IssueCertificate(*ca, {"alice", {"dev"}, {}, false, true});
  ASSERT_TRUE(other.ok());
  json::object replaced = issued;
  replaced["status"].as_object()["certificate"] = Base64Encode(other->cert_pem);
  EXPECT_EQ(Fields(PrepareForUpdate(replaced, issued, "status")),
            std::vector<std::string>{"status.certificate"});
  json::object garbage = approved;
  garbage["status"].as_object()["certificate"] = Base64Encode("not a certificate");
  EXPECT_EQ(Fields(PrepareForUpdate(garbage, approved, "status")),
            std::vector<std::string>{"status.certificate"});
}

TEST(CsrStrategyTest, UpdatingTheObjectKeepsTheSpec) {
  json::object old = Created();
  json::object next = old;
  next["spec"].as_object()["username"] = "system:admin";
  next["metadata"].as_object()["labels"] = json::object{{"a", "b"}};
  ASSERT_FALSE(PrepareForUpdate(next, old, ""));
  EXPECT_EQ(next.at("spec").at("username"), "kubernetes-admin");
  EXPECT_EQ(next.at("metadata").at("labels").at("a"), "b");
}

TEST(CsrStrategyTest, ConditionTextAsKubectlShowsIt) {
  json::object csr = Created();
  SetConditions(csr, {Condition("Denied")});
  EXPECT_EQ(ConditionText(csr), "Denied");
  SetConditions(csr, {Condition("Approved"), Condition("Failed")});
  EXPECT_EQ(ConditionText(csr), "Approved,Failed");
}

}  // namespace
}  // namespace carrier::apiserver::csr
