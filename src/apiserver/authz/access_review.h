#pragma once
// authorization.k8s.io/v1 reviews, answered from the authorizer and never stored (create
// only): SubjectAccessReview (any user, as the caller describes it), SelfSubjectAccessReview
// (the caller), LocalSubjectAccessReview (namespaced SubjectAccessReview) and
// SelfSubjectRulesReview (the caller's rules in a namespace) — what `kubectl auth can-i`
// and `kubectl auth can-i --list` send.

#include <string_view>

#include "api/status_json.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "apiserver/request_info.h"

namespace carrier::apiserver::authz {

// Whether the request addresses one of the review resources.
bool IsAccessReview(const RequestInfo& info);

// Answers a review request (the body already read, JSON or protobuf by `content_type`). The
// result is the review with its status (answered as JSON); errors are 400 for a malformed
// body, 405 for verbs other than create.
Result<boost::json::object> ReviewAccess(Authorizer& authorizer, const RequestInfo& info,
                                         const UserInfo& requester, std::string_view body,
                                         std::string_view content_type = "application/json");

}  // namespace carrier::apiserver::authz
