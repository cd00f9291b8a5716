#include "controllers/csr_signing_controller.h"

#include <boost/json.hpp>

#include "apiserver/csr_strategy.h"
#include "base/base64.h"
#include "controllers/csr_signers.h"
#include "controllers/json_fields.h"
#include "controllers/objects.h"

namespace carrier::controllers {

namespace json = boost::json;

namespace {

// Kubernetes' default --cluster-signing-duration, also the longest validity it signs.
constexpr std::chrono::seconds kMaxValidity = std::chrono::hours(24 * 365);

json::array& ConditionsOf(json::object& csr) {
  json::value& status = csr["status"];
  if (!status.is_object()) status = json::object();
  json::value& conditions = status.get_object()["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  return conditions.get_array();
}

}  // namespace

void CsrSigningController::OnChange(const Change& change, std::vector<std::string>& keys) {
  const ObjectRef& ref = change.ref;
  if (ref.resource != "certificatesigningrequests" || ref.group != "certificates.k8s.io" ||
      change.type != Change::Type::kPut || change.value == nullptr) {
    return;
  }
  // Only approved requests are signed; most writes before approval are not.
  if (change.value->find("\"Approved\"") == std::string::npos) return;
  keys.push_back(ref.cluster + "/" + ref.name);
}

Status CsrSigningController::Reconcile(const std::string& key, std::chrono::milliseconds&) {
  const size_t slash = key.find('/');
  const std::string cluster = key.substr(0, slash), name = key.substr(slash + 1);
  auto got = GetObject(store_, StoreKey(cluster, BuiltInType("certificates.k8s.io",
                                                             "certificatesigningrequests"),
                                        "", name));
  if (!got.ok()) return got.status();
  if (!*got) return {};
  json::object& csr = *(*got)->object;
  const std::string signer = StringAt(ObjectAt(&csr, "spec"), "signerName");
  if (!signers::IsBuiltIn(signer)) return {};
  namespace csrs = apiserver::csr;
  if (!csrs::HasCondition(csr, "Approved") || csrs::HasCondition(csr, "Denied") ||
      csrs::HasCondition(csr, "Failed") || !csrs::Certificate(csr).empty()) {
    return {};
  }

  auto pem = csrs::RequestPem(csr);
  Result<x509::ParsedCertificateRequest> request =
      pem ? x509::ParseCertificateRequest(*pem)
          : Result<x509::ParsedCertificateRequest>(InvalidArgument("spec.request is not base64"));
  Status valid = request.ok() ? signers::Validate(signer, *request, csrs::Usages(csr))
                              : request.status();
  if (!valid.ok()) {
    json::object failed = NewCondition("Failed", "True", "SignerValidationFailure", valid.message());
    json::value transition = failed.at("lastTransitionTime");  // a copy: [] may rehash
  failed["lastUpdateTime"] = std::move(transition);
    ConditionsOf(csr).push_back(std::move(failed));
    return UpdateObject(store_, **got);
  }

  auto ca = ca_of_(cluster);
  if (!ca.ok()) return ca.status();
  std::chrono::seconds validity = kMaxValidity;
  const int64_t requested = IntAt(ObjectAt(&csr, "spec"), "expirationSeconds", 0);
  if (requested > 0 && std::chrono::seconds(requested) < validity) {
    validity = std::chrono::seconds(requested);
  }
  auto cert = x509::SignCertificateRequest(*ca, *pem, csrs::Usages(csr), validity);
  if (!cert.ok()) return cert.status();
  json::value& status = csr["status"];
  if (!status.is_object()) status = json::object();
  status.get_object()["certificate"] = Base64Encode(*cert);
  return UpdateObject(store_, **got);
}

}  // namespace carrier::controllers
