#include "api/protobuf/schema.h"

#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf {

namespace {
struct TopLevel {
  std::string_view api_version;
  std::string_view kind;
  const Message* message;
};

constexpr TopLevel kTopLevel[] = {
    {"v1", "Namespace", &tables::kNamespace},
    {"v1", "ConfigMap", &tables::kConfigMap},
    {"v1", "Secret", &tables::kSecret},
    {"v1", "ServiceAccount", &tables::kServiceAccount},
    {"v1", "Service", &tables::kService},
    {"v1", "ResourceQuota", &tables::kResourceQuota},
    {"v1", "Pod", &tables::kPod},
    {"apps/v1", "Deployment", &tables::kDeployment},
    {"batch/v1", "Job", &tables::kJob},
    {"batch/v1", "CronJob", &tables::kCronJob},
    {"rbac.authorization.k8s.io/v1", "Role", &tables::kRole},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", &tables::kClusterRole},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", &tables::kRoleBinding},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &tables::kClusterRoleBinding},
    {"authentication.k8s.io/v1", "TokenRequest", &tables::kTokenRequest},
    {"scheduling.k8s.io/v1", "PriorityClass", &tables::kPriorityClass},
    {"policy/v1", "PodDisruptionBudget", &tables::kPodDisruptionBudget},
    {"policy/v1", "Eviction", &tables::kEviction},
    {"policy/v1beta1", "Eviction", &tables::kEviction},
    {"autoscaling/v1", "Scale", &tables::kScale},
    {"certificates.k8s.io/v1", "CertificateSigningRequest", &tables::kCertificateSigningRequest},
};
}  // namespace

const Message* FindTopLevel(std::string_view api_version, std::string_view kind) {
  if (kind == "DeleteOptions") return &tables::kDeleteOptions;
  for (const TopLevel& t : kTopLevel) {
    if (t.api_version == api_version && t.kind == kind) return t.message;
  }
  return nullptr;
}

}  // namespace carrier::api::protobuf
