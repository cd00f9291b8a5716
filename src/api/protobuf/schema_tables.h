#pragma once
// The messages the schema tables share across their files (internal to src/api/protobuf).

#include "api/protobuf/schema.h"

namespace carrier::api::protobuf::tables {

// meta/v1
extern const Message kObjectMeta, kLabelSelector, kCondition, kDeleteOptions;
// core/v1
extern const Message kNamespace, kConfigMap, kSecret, kServiceAccount, kService, kResourceQuota,
    kPod, kPodTemplateSpec, kObjectReference, kLocalObjectReference;
// apps/v1, batch/v1
extern const Message kDeployment, kJob, kCronJob;
// rbac/v1, authentication/v1, scheduling/v1, policy/v1, autoscaling/v1
extern const Message kRole, kClusterRole, kRoleBinding, kClusterRoleBinding, kTokenRequest,
    kPriorityClass, kPodDisruptionBudget, kEviction, kScale;
// certificates.k8s.io/v1
extern const Message kCertificateSigningRequest;

}  // namespace carrier::api::protobuf::tables
