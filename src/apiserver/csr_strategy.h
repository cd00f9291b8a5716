#pragma once
// The strategy of certificates.k8s.io/v1 CertificateSigningRequest, as Kubernetes' CSR
// registry applies it:
//   create    spec.username/uid/groups/extra are the requester's (whatever the body said),
//             status is cleared; the request must be a PEM "CERTIFICATE REQUEST" whose
//             signature verifies, signerName a "<domain>/<path>", usages from the known set,
//             expirationSeconds at least 600
//   update    of the object: metadata only (spec and status are kept)
//   approval  (PUT .../approval, `kubectl certificate approve|deny`): status.conditions only
//   status    status.certificate and the other conditions; Approved/Denied stay as they were
// On every update Approved and Denied exclude each other, no Approved/Denied/Failed
// condition is removed, a certificate is set only once the request is Approved and never
// changed afterwards. Errors are Kubernetes Invalid Status errors.
//
// Who may approve (verb `approve` on `signers`) and sign (`sign`) is checked by the
// CertificateApproval and CertificateSigning admission plugins (admission/certificates.cc).

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/status_json.h"
#include "apiserver/resource_catalog.h"
#include "apiserver/user_info.h"

namespace carrier::apiserver::csr {

bool IsCsr(const ResourceType& type);

// Create: fills spec's requester fields from `user`, clears status and validates.
std::optional<api::ApiError> PrepareForCreate(boost::json::object& csr, const UserInfo& user);

// Update through `subresource` ("", "status" or "approval"): `next` is the object to be
// stored (its status already taken from the request for status and approval); takes from
// `old` what that endpoint may not change, stamps condition times and validates.
std::optional<api::ApiError> PrepareForUpdate(boost::json::object& next,
                                              const boost::json::object& old,
                                              std::string_view subresource);

// Readers shared with the controllers.
// spec.request decoded (PEM text); nullopt when absent or not base64.
std::optional<std::string> RequestPem(const boost::json::object& csr);
// spec.usages.
std::vector<std::string> Usages(const boost::json::object& csr);
// Whether status.conditions holds a condition of `type` (status True, or no status).
bool HasCondition(const boost::json::object& csr, std::string_view type);
// status.certificate decoded; "" when not issued.
std::string Certificate(const boost::json::object& csr);

// The CONDITION column of `kubectl get csr`: Pending|Approved|Denied[,Failed][,Issued].
std::string ConditionText(const boost::json::object& csr);

}  // namespace carrier::apiserver::csr
