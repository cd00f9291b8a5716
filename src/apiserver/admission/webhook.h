#pragma once
// Dynamic admission: MutatingWebhookConfiguration and ValidatingWebhookConfiguration
// (admissionregistration.k8s.io/v1) of the request's cluster, read from the watch cache per
// request (nothing is kept per cluster). For each webhook whose rules (operations,
// apiGroups, apiVersions, resources incl. subresources, scope), namespaceSelector and
// objectSelector match, an AdmissionReview v1 is POSTed over HTTPS (clientConfig.url, or
// clientConfig.service resolved through the Service's Endpoints, verified as
// <service>.<namespace>.svc) with the caBundle as trust anchor, within timeoutSeconds
// (default 10, at most 30).
//  - A denial aborts the request: `admission webhook "<name>" denied the request: <msg>`
//    with the response's code (403 by default).
//  - A call that fails or times out aborts with 500 (failurePolicy Fail, the default) or is
//    skipped (Ignore).
//  - Mutating webhooks' JSONPatch responses are applied in order; webhooks with
//    reinvocationPolicy IfNeeded are called once more when a later webhook changed the object.
//  - Dry-run requests only reach webhooks with sideEffects None or NoneOnDryRun; others
//    make the request fail (400).
//  - Warnings are passed to the client.
// matchPolicy: every built-in type is served in one version, so Equivalent and Exact only
// differ for custom resources with several versions, which Equivalent matches by group and
// resource.

#include <memory>

#include "apiserver/admission/admission.h"
#include "storage/store.h"

namespace carrier::apiserver::admission {

std::unique_ptr<Plugin> NewMutatingWebhooks(storage::Store& store);
std::unique_ptr<Plugin> NewValidatingWebhooks(storage::Store& store);

}  // namespace carrier::apiserver::admission
