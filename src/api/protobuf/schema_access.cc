// rbac/v1, authentication/v1 TokenRequest, scheduling/v1 PriorityClass,
// policy/v1 PodDisruptionBudget and Eviction, autoscaling/v1 Scale.
#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf::tables {

namespace {
constexpr uint8_t R = kRepeated, K = kKeepZero;
#define RBAC "k8s.io.api.rbac.v1."

constexpr Field kPolicyRuleFields[] = {
    Str(1, "verbs", R), Str(2, "apiGroups", R), Str(3, "resources", R),
    Str(4, "resourceNames", R), Str(5, "nonResourceURLs", R)};
constexpr Message kPolicyRule{RBAC "PolicyRule", kPolicyRuleFields};
constexpr Field kAggregationRuleFields[] = {Msg(1, "clusterRoleSelectors", kLabelSelector, R)};
constexpr Message kAggregationRule{RBAC "AggregationRule", kAggregationRuleFields};
constexpr Field kRoleFields[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "rules", kPolicyRule, R)};
constexpr Field kClusterRoleFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "rules", kPolicyRule, R),
    Msg(3, "aggregationRule", kAggregationRule)};
constexpr Field kSubjectFields[] = {
    Str(1, "kind"), Str(2, "apiGroup"), Str(3, "name"), Str(4, "namespace")};
constexpr Message kSubject{RBAC "Subject", kSubjectFields};
constexpr Field kRoleRefFields[] = {Str(1, "apiGroup"), Str(2, "kind"), Str(3, "name")};
constexpr Message kRoleRef{RBAC "RoleRef", kRoleRefFields};
constexpr Field kBindingFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "subjects", kSubject, R), Msg(3, "roleRef", kRoleRef)};

#define AUTHN "k8s.io.api.authentication.v1."
constexpr Field kBoundObjectReferenceFields[] = {
    Str(1, "kind"), Str(2, "apiVersion"), Str(3, "name"), Str(4, "uid")};
constexpr Message kBoundObjectReference{AUTHN "BoundObjectReference", kBoundObjectReferenceFields};
constexpr Field kTokenRequestSpecFields[] = {
    Str(1, "audiences", R), Msg(3, "boundObjectRef", kBoundObjectReference),
    I64(4, "expirationSeconds", K)};
constexpr Message kTokenRequestSpec{AUTHN "TokenRequestSpec", kTokenRequestSpecFields};
constexpr Field kTokenRequestStatusFields[] = {
    Str(1, "token"), Of(2, "expirationTimestamp", Kind::kTime)};
constexpr Message kTokenRequestStatus{AUTHN "TokenRequestStatus", kTokenRequestStatusFields};
constexpr Field kTokenRequestFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kTokenRequestSpec),
    Msg(3, "status", kTokenRequestStatus)};

constexpr Field kPriorityClassFields[] = {
    Msg(1, "metadata", kObjectMeta), I32(2, "value", K), Bool(3, "globalDefault"),
    Str(4, "description"), Str(5, "preemptionPolicy")};

#define POLICY "k8s.io.api.policy.v1."
constexpr Field kPdbSpecFields[] = {
    Of(1, "minAvailable", Kind::kIntOrString), Msg(2, "selector", kLabelSelector),
    Of(3, "maxUnavailable", Kind::kIntOrString), Str(4, "unhealthyPodEvictionPolicy")};
constexpr Message kPdbSpec{POLICY "PodDisruptionBudgetSpec", kPdbSpecFields};
constexpr Field kPdbStatusFields[] = {
    I64(1, "observedGeneration"), Of(2, "disruptedPods", Kind::kTimeMap),
    I32(3, "disruptionsAllowed", K), I32(4, "currentHealthy", K), I32(5, "desiredHealthy", K),
    I32(6, "expectedPods", K), Msg(7, "conditions", kCondition, R)};
constexpr Message kPdbStatus{POLICY "PodDisruptionBudgetStatus", kPdbStatusFields};
constexpr Field kPdbFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kPdbSpec), Msg(3, "status", kPdbStatus)};
// policy/v1beta1's Eviction has the same fields and numbers.
constexpr Field kEvictionFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "deleteOptions", kDeleteOptions)};

#define AUTOSCALING "k8s.io.api.autoscaling.v1."
constexpr Field kScaleSpecFields[] = {I32(1, "replicas")};
constexpr Message kScaleSpec{AUTOSCALING "ScaleSpec", kScaleSpecFields};
constexpr Field kScaleStatusFields[] = {I32(1, "replicas", K), Str(2, "selector")};
constexpr Message kScaleStatus{AUTOSCALING "ScaleStatus", kScaleStatusFields};
constexpr Field kScaleFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kScaleSpec), Msg(3, "status", kScaleStatus)};
}  // namespace

constinit const Message kRole{RBAC "Role", kRoleFields};
constinit const Message kClusterRole{RBAC "ClusterRole", kClusterRoleFields};
constinit const Message kRoleBinding{RBAC "RoleBinding", kBindingFields};
constinit const Message kClusterRoleBinding{RBAC "ClusterRoleBinding", kBindingFields};
constinit const Message kTokenRequest{AUTHN "TokenRequest", kTokenRequestFields};
constinit const Message kPriorityClass{"k8s.io.api.scheduling.v1.PriorityClass",
                                       kPriorityClassFields};
constinit const Message kPodDisruptionBudget{POLICY "PodDisruptionBudget", kPdbFields};
constinit const Message kEviction{POLICY "Eviction", kEvictionFields};
constinit const Message kScale{AUTOSCALING "Scale", kScaleFields};
#undef RBAC
#undef AUTHN
#undef POLICY
#undef AUTOSCALING

}  // namespace carrier::api::protobuf::tables
