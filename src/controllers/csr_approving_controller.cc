#include "controllers/csr_approving_controller.h"

#include <boost/json.hpp>

#include "apiserver/csr_strategy.h"
#include "apiserver/object_meta.h"
#include "controllers/csr_signers.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

constexpr std::string_view kMessage =
    "Auto approving kubelet client certificate after SubjectAccessReview.";

// The requester recorded in the CSR's spec at creation.
apiserver::UserInfo RequesterOf(const json::object& csr) {
  const json::object* spec = ObjectAt(&csr, "spec");
  apiserver::UserInfo user;
  user.name = StringAt(spec, "username");
  user.uid = StringAt(spec, "uid");
  if (const json::array* groups = ArrayAt(spec, "groups")) {
    for (const auto& g : *groups) {
      if (g.is_string()) user.groups.emplace_back(g.get_string());
    }
  }
  if (const json::object* extra = ObjectAt(spec, "extra")) {
    for (const auto& [key, values] : *extra) {
      auto& out = user.extra[std::string(key)];
      if (!values.is_array()) continue;
      for (const auto& v : values.get_array()) {
        if (v.is_string()) out.emplace_back(v.get_string());
      }
    }
  }
  return user;
}

}  // namespace

void CsrApprovingController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.resource != "certificatesigningrequests" || ref.group != "certificates.k8s.io" ||
      change.type != Change::Type::kPut || change.value == nullptr) {
    return;
  }
  if (change.value->find(signers::kKubeletClient) == std::string::npos) return;
  keys.push_back(ref.cluster + "/" + ref.name);
}

Status CsrApprovingController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), name = key.substr(slash + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("certificates.k8s.io",
                                                             "certificatesigningrequests"),
                                        "", name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  json::object& csr = *(*got)->object;
  if (StringAt(ObjectAt(&csr, "spec"), "signerName") != signers::kKubeletClient) return {};
  if (!apiserver::csr::Certificate(csr).empty() || apiserver::csr::HasCondition(csr, "Approved") ||
      apiserver::csr::HasCondition(csr, "Denied")) {
    return {};
  }
  auto pem = apiserver::csr::RequestPem(csr);
  if (!pem) return {};
  auto request = x509::ParseCertificateRequest(*pem);
  if (!request.ok()) return {};
  if (!signers::Validate(signers::kKubeletClient, *request, apiserver::csr::Usages(csr)).ok()) {
    return {};  // not a node client certificate: not ours to approve
  }

  const apiserver::UserInfo requester = RequesterOf(csr);
  apiserver::authz::Attributes review;
  review.verb = "create";
  review.resource_request = true;
  review.group = "certificates.k8s.io";
  review.resource = "certificatesigningrequests";
  bool approve = false;
  if (request->subject.common_name == requester.name) {
    review.subresource = "selfnodeclient";
    approve = allowed_(cluster, requester, review);
  }
  if (!approve) {
    review.subresource = "nodeclient";
    approve = allowed_(cluster, requester, review);
  }
  if (!approve) return {};

  json::value& status = csr["status"];
  if (!status.is_object()) status = json::object();
  json::value& conditions = status.get_object()["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  json::object approved = NewCondition("Approved", "True", "AutoApproved", kMessage);
  json::value transition = approved.at("lastTransitionTime");  // a copy: [] may rehash
  approved["lastUpdateTime"] = std::move(transition);
  conditions.get_array().push_back(std::move(approved));
  return UpdateObject(store_, **got);
}

}  // namespace carrier::controllers
