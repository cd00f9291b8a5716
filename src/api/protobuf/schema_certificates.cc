// certificates.k8s.io/v1 CertificateSigningRequest (what `kubectl certificate approve|deny`
// sends to the approval subresource).
#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf::tables {

namespace {
constexpr uint8_t R = kRepeated, K = kKeepZero;
#define CERTS "k8s.io.api.certificates.v1."

constexpr Field kCsrSpecFields[] = {
    Bytes(1, "request"),     Str(2, "username"), Str(3, "uid"),
    Str(4, "groups", R),     Str(5, "usages", R), Of(6, "extra", Kind::kStringListMap),
    Str(7, "signerName"),    I32(8, "expirationSeconds", K)};
constexpr Message kCsrSpec{CERTS "CertificateSigningRequestSpec", kCsrSpecFields};
constexpr Field kCsrConditionFields[] = {
    Str(1, "type"), Str(2, "reason"), Str(3, "message"), Of(4, "lastUpdateTime", Kind::kTime),
    Of(5, "lastTransitionTime", Kind::kTime), Str(6, "status")};
constexpr Message kCsrCondition{CERTS "CertificateSigningRequestCondition", kCsrConditionFields};
constexpr Field kCsrStatusFields[] = {Msg(1, "conditions", kCsrCondition, R),
                                      Bytes(2, "certificate")};
constexpr Message kCsrStatus{CERTS "CertificateSigningRequestStatus", kCsrStatusFields};
constexpr Field kCsrFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kCsrSpec), Msg(3, "status", kCsrStatus)};
}  // namespace

constinit const Message kCertificateSigningRequest{CERTS "CertificateSigningRequest", kCsrFields};
#undef CERTS

}  // namespace carrier::api::protobuf::tables
