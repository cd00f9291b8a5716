// core/v1 (k8s.io.api.core.v1): namespaces, config, service accounts, services, quotas and
// the pod template with what workloads commonly carry.
#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf::tables {

namespace {
#define CORE "k8s.io.api.core.v1."
constexpr uint8_t R = kRepeated, K = kKeepZero;

constexpr Field kLocalObjectReferenceFields[] = {Str(1, "name")};
constexpr Field kObjectReferenceFields[] = {
    Str(1, "kind"), Str(2, "namespace"), Str(3, "name"), Str(4, "uid"), Str(5, "apiVersion"),
    Str(6, "resourceVersion"), Str(7, "fieldPath")};
}  // namespace

constinit const Message kLocalObjectReference{CORE "LocalObjectReference",
                                              kLocalObjectReferenceFields};
constinit const Message kObjectReference{CORE "ObjectReference", kObjectReferenceFields};

namespace {
// ---- Namespace, ConfigMap, Secret, ServiceAccount
constexpr Field kNamespaceSpecFields[] = {Str(1, "finalizers", R)};
constexpr Message kNamespaceSpec{CORE "NamespaceSpec", kNamespaceSpecFields};
constexpr Field kNamespaceConditionFields[] = {
    Str(1, "type"), Str(2, "status"), Of(4, "lastTransitionTime", Kind::kTime),
    Str(5, "reason"), Str(6, "message")};
constexpr Message kNamespaceCondition{CORE "NamespaceCondition", kNamespaceConditionFields};
constexpr Field kNamespaceStatusFields[] = {
    Str(1, "phase"), Msg(2, "conditions", kNamespaceCondition, R)};
constexpr Message kNamespaceStatus{CORE "NamespaceStatus", kNamespaceStatusFields};
constexpr Field kNamespaceFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kNamespaceSpec),
    Msg(3, "status", kNamespaceStatus)};

constexpr Field kConfigMapFields[] = {
    Msg(1, "metadata", kObjectMeta), Of(2, "data", Kind::kStringMap),
    Of(3, "binaryData", Kind::kBytesMap), Bool(4, "immutable", K)};
constexpr Field kSecretFields[] = {
    Msg(1, "metadata", kObjectMeta), Of(2, "data", Kind::kBytesMap), Str(3, "type"),
    Of(4, "stringData", Kind::kStringMap), Bool(5, "immutable", K)};
constexpr Field kServiceAccountFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "secrets", kObjectReference, R),
    Msg(3, "imagePullSecrets", kLocalObjectReference, R),
    Bool(4, "automountServiceAccountToken", K)};

// ---- Service
constexpr Field kServicePortFields[] = {
    Str(1, "name"), Str(2, "protocol"), I32(3, "port", K),
    Of(4, "targetPort", Kind::kIntOrString), I32(5, "nodePort"), Str(6, "appProtocol")};
constexpr Message kServicePort{CORE "ServicePort", kServicePortFields};
constexpr Field kClientIPConfigFields[] = {I32(1, "timeoutSeconds", K)};
constexpr Message kClientIPConfig{CORE "ClientIPConfig", kClientIPConfigFields};
constexpr Field kSessionAffinityConfigFields[] = {Msg(1, "clientIP", kClientIPConfig)};
constexpr Message kSessionAffinityConfig{CORE "SessionAffinityConfig",
                                         kSessionAffinityConfigFields};
constexpr Field kServiceSpecFields[] = {
    Msg(1, "ports", kServicePort, R), Of(2, "selector", Kind::kStringMap), Str(3, "clusterIP"),
    Str(4, "type"), Str(5, "externalIPs", R), Str(7, "sessionAffinity"),
    Str(8, "loadBalancerIP"), Str(9, "loadBalancerSourceRanges", R), Str(10, "externalName"),
    Str(11, "externalTrafficPolicy"), I32(12, "healthCheckNodePort"),
    Bool(13, "publishNotReadyAddresses"), Msg(14, "sessionAffinityConfig", kSessionAffinityConfig),
    Str(17, "ipFamilyPolicy"), Str(18, "clusterIPs", R), Str(19, "ipFamilies", R),
    Bool(20, "allocateLoadBalancerNodePorts", K), Str(21, "loadBalancerClass"),
    Str(22, "internalTrafficPolicy"), Str(23, "trafficDistribution")};
constexpr Message kServiceSpec{CORE "ServiceSpec", kServiceSpecFields};
constexpr Field kPortStatusFields[] = {I32(1, "port", K), Str(2, "protocol"), Str(3, "error")};
constexpr Message kPortStatus{CORE "PortStatus", kPortStatusFields};
constexpr Field kLoadBalancerIngressFields[] = {
    Str(1, "ip"), Str(2, "hostname"), Str(3, "ipMode"), Msg(4, "ports", kPortStatus, R)};
constexpr Message kLoadBalancerIngress{CORE "LoadBalancerIngress", kLoadBalancerIngressFields};
constexpr Field kLoadBalancerStatusFields[] = {Msg(1, "ingress", kLoadBalancerIngress, R)};
constexpr Message kLoadBalancerStatus{CORE "LoadBalancerStatus", kLoadBalancerStatusFields};
constexpr Field kServiceStatusFields[] = {
    Msg(1, "loadBalancer", kLoadBalancerStatus), Msg(2, "conditions", kCondition, R)};
constexpr Message kServiceStatus{CORE "ServiceStatus", kServiceStatusFields};
constexpr Field kServiceFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kServiceSpec),
    Msg(3, "status", kServiceStatus)};

// ---- ResourceQuota
constexpr Field kScopedResourceSelectorRequirementFields[] = {
    Str(1, "scopeName"), Str(2, "operator"), Str(3, "values", R)};
constexpr Message kScopedResourceSelectorRequirement{
    CORE "ScopedResourceSelectorRequirement", kScopedResourceSelectorRequirementFields};
constexpr Field kScopeSelectorFields[] = {
    Msg(1, "matchExpressions", kScopedResourceSelectorRequirement, R)};
constexpr Message kScopeSelector{CORE "ScopeSelector", kScopeSelectorFields};
constexpr Field kResourceQuotaSpecFields[] = {
    Of(1, "hard", Kind::kQuantityMap), Str(2, "scopes", R), Msg(3, "scopeSelector", kScopeSelector)};
constexpr Message kResourceQuotaSpec{CORE "ResourceQuotaSpec", kResourceQuotaSpecFields};
constexpr Field kResourceQuotaStatusFields[] = {
    Of(1, "hard", Kind::kQuantityMap), Of(2, "used", Kind::kQuantityMap)};
constexpr Message kResourceQuotaStatus{CORE "ResourceQuotaStatus", kResourceQuotaStatusFields};
constexpr Field kResourceQuotaFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kResourceQuotaSpec),
    Msg(3, "status", kResourceQuotaStatus)};

// ---- Volumes
constexpr Field kKeyToPathFields[] = {Str(1, "key"), Str(2, "path"), I32(3, "mode", K)};
constexpr Message kKeyToPath{CORE "KeyToPath", kKeyToPathFields};
constexpr Field kEmptyDirFields[] = {Str(1, "medium"), Of(2, "sizeLimit", Kind::kQuantity)};
constexpr Message kEmptyDir{CORE "EmptyDirVolumeSource", kEmptyDirFields};
constexpr Field kHostPathFields[] = {Str(1, "path"), Str(2, "type")};
constexpr Message kHostPath{CORE "HostPathVolumeSource", kHostPathFields};
constexpr Field kSecretVolumeFields[] = {
    Str(1, "secretName"), Msg(2, "items", kKeyToPath, R), I32(3, "defaultMode", K),
    Bool(4, "optional", K)};
constexpr Message kSecretVolume{CORE "SecretVolumeSource", kSecretVolumeFields};
constexpr Field kConfigMapVolumeFields[] = {
    Inline(1, kLocalObjectReference), Msg(2, "items", kKeyToPath, R), I32(3, "defaultMode", K),
    Bool(4, "optional", K)};
constexpr Message kConfigMapVolume{CORE "ConfigMapVolumeSource", kConfigMapVolumeFields};
constexpr Field kPvcVolumeFields[] = {Str(1, "claimName"), Bool(2, "readOnly")};
constexpr Message kPvcVolume{CORE "PersistentVolumeClaimVolumeSource", kPvcVolumeFields};
constexpr Field kObjectFieldSelectorFields[] = {Str(1, "apiVersion"), Str(2, "fieldPath")};
constexpr Message kObjectFieldSelector{CORE "ObjectFieldSelector", kObjectFieldSelectorFields};
constexpr Field kResourceFieldSelectorFields[] = {
    Str(1, "containerName"), Str(2, "resource"), Of(3, "divisor", Kind::kQuantity)};
constexpr Message kResourceFieldSelector{CORE "ResourceFieldSelector",
                                         kResourceFieldSelectorFields};
constexpr Field kDownwardAPIFileFields[] = {
    Str(1, "path"), Msg(2, "fieldRef", kObjectFieldSelector),
    Msg(3, "resourceFieldRef", kResourceFieldSelector), I32(4, "mode", K)};
constexpr Message kDownwardAPIFile{CORE "DownwardAPIVolumeFile", kDownwardAPIFileFields};
constexpr Field kDownwardAPIVolumeFields[] = {
    Msg(1, "items", kDownwardAPIFile, R), I32(2, "defaultMode", K)};
constexpr Message kDownwardAPIVolume{CORE "DownwardAPIVolumeSource", kDownwardAPIVolumeFields};
constexpr Field kVolumeSourceFields[] = {
    Msg(1, "hostPath", kHostPath), Msg(2, "emptyDir", kEmptyDir), Msg(6, "secret", kSecretVolume),
    Msg(10, "persistentVolumeClaim", kPvcVolume), Msg(16, "downwardAPI", kDownwardAPIVolume),
    Msg(19, "configMap", kConfigMapVolume)};
constexpr Message kVolumeSource{CORE "VolumeSource", kVolumeSourceFields};
constexpr Field kVolumeFields[] = {Str(1, "name"), Inline(2, kVolumeSource)};
constexpr Message kVolume{CORE "Volume", kVolumeFields};
constexpr Field kVolumeMountFields[] = {
    Str(1, "name"), Bool(2, "readOnly"), Str(3, "mountPath"), Str(4, "subPath"),
    Str(5, "mountPropagation"), Str(6, "subPathExpr"), Str(7, "recursiveReadOnly")};
constexpr Message kVolumeMount{CORE "VolumeMount", kVolumeMountFields};
constexpr Field kVolumeDeviceFields[] = {Str(1, "name"), Str(2, "devicePath")};
constexpr Message kVolumeDevice{CORE "VolumeDevice", kVolumeDeviceFields};

// ---- Environment
constexpr Field kKeySelectorFields[] = {
    Inline(1, kLocalObjectReference), Str(2, "key"), Bool(3, "optional", K)};
constexpr Message kConfigMapKeySelector{CORE "ConfigMapKeySelector", kKeySelectorFields};
constexpr Message kSecretKeySelector{CORE "SecretKeySelector", kKeySelectorFields};
constexpr Field kEnvVarSourceFields[] = {
    Msg(1, "fieldRef", kObjectFieldSelector), Msg(2, "resourceFieldRef", kResourceFieldSelector),
    Msg(3, "configMapKeyRef", kConfigMapKeySelector), Msg(4, "secretKeyRef", kSecretKeySelector)};
constexpr Message kEnvVarSource{CORE "EnvVarSource", kEnvVarSourceFields};
constexpr Field kEnvVarFields[] = {Str(1, "name"), Str(2, "value"), Msg(3, "valueFrom", kEnvVarSource)};
constexpr Message kEnvVar{CORE "EnvVar", kEnvVarFields};
constexpr Field kEnvSourceFields[] = {Inline(1, kLocalObjectReference), Bool(2, "optional", K)};
constexpr Message kConfigMapEnvSource{CORE "ConfigMapEnvSource", kEnvSourceFields};
constexpr Message kSecretEnvSource{CORE "SecretEnvSource", kEnvSourceFields};
constexpr Field kEnvFromSourceFields[] = {
    Str(1, "prefix"), Msg(2, "configMapRef", kConfigMapEnvSource),
    Msg(3, "secretRef", kSecretEnvSource)};
constexpr Message kEnvFromSource{CORE "EnvFromSource", kEnvFromSourceFields};

// ---- Containers
constexpr Field kContainerPortFields[] = {
    Str(1, "name"), I32(2, "hostPort"), I32(3, "containerPort", K), Str(4, "protocol"),
    Str(5, "hostIP")};
constexpr Message kContainerPort{CORE "ContainerPort", kContainerPortFields};
constexpr Field kResourceClaimFields[] = {Str(1, "name"), Str(2, "request")};
constexpr Message kResourceClaim{CORE "ResourceClaim", kResourceClaimFields};
constexpr Field kResourceRequirementsFields[] = {
    Of(1, "limits", Kind::kQuantityMap), Of(2, "requests", Kind::kQuantityMap),
    Msg(3, "claims", kResourceClaim, R)};
constexpr Message kResourceRequirements{CORE "ResourceRequirements", kResourceRequirementsFields};
constexpr Field kExecActionFields[] = {Str(1, "command", R)};
constexpr Message kExecAction{CORE "ExecAction", kExecActionFields};
constexpr Field kHTTPHeaderFields[] = {Str(1, "name"), Str(2, "value", K)};
constexpr Message kHTTPHeader{CORE "HTTPHeader", kHTTPHeaderFields};
constexpr Field kHTTPGetActionFields[] = {
    Str(1, "path"), Of(2, "port", Kind::kIntOrString), Str(3, "host"), Str(4, "scheme"),
    Msg(5, "httpHeaders", kHTTPHeader, R)};
constexpr Message kHTTPGetAction{CORE "HTTPGetAction", kHTTPGetActionFields};
constexpr Field kTCPSocketActionFields[] = {Of(1, "port", Kind::kIntOrString), Str(2, "host")};
constexpr Message kTCPSocketAction{CORE "TCPSocketAction", kTCPSocketActionFields};
constexpr Field kGRPCActionFields[] = {I32(1, "port", K), Str(2, "service", K)};
constexpr Message kGRPCAction{CORE "GRPCAction", kGRPCActionFields};
constexpr Field kProbeHandlerFields[] = {
    Msg(1, "exec", kExecAction), Msg(2, "httpGet", kHTTPGetAction),
    Msg(3, "tcpSocket", kTCPSocketAction), Msg(4, "grpc", kGRPCAction)};
constexpr Message kProbeHandler{CORE "ProbeHandler", kProbeHandlerFields};
constexpr Field kProbeFields[] = {
    Inline(1, kProbeHandler), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"),
    I32(4, "periodSeconds"), I32(5, "successThreshold"), I32(6, "failureThreshold"),
    I64(7, "terminationGracePeriodSeconds", K)};
constexpr Message kProbe{CORE "Probe", kProbeFields};
constexpr Field kSleepActionFields[] = {I64(1, "seconds", K)};
constexpr Message kSleepAction{CORE "SleepAction", kSleepActionFields};
constexpr Field kLifecycleHandlerFields[] = {
    Msg(1, "exec", kExecAction), Msg(2, "httpGet", kHTTPGetAction),
    Msg(3, "tcpSocket", kTCPSocketAction), Msg(4, "sleep", kSleepAction)};
constexpr Message kLifecycleHandler{CORE "LifecycleHandler", kLifecycleHandlerFields};
constexpr Field kLifecycleFields[] = {
    Msg(1, "postStart", kLifecycleHandler), Msg(2, "preStop", kLifecycleHandler),
    Str(3, "stopSignal")};
constexpr Message kLifecycle{CORE "Lifecycle", kLifecycleFields};

constexpr Field kCapabilitiesFields[] = {Str(1, "add", R), Str(2, "drop", R)};
constexpr Message kCapabilities{CORE "Capabilities", kCapabilitiesFields};
constexpr Field kSELinuxOptionsFields[] = {
    Str(1, "user"), Str(2, "role"), Str(3, "type"), Str(4, "level")};
constexpr Message kSELinuxOptions{CORE "SELinuxOptions", kSELinuxOptionsFields};
constexpr Field kProfileFields[] = {Str(1, "type"), Str(2, "localhostProfile")};
constexpr Message kSeccompProfile{CORE "SeccompProfile", kProfileFields};
constexpr Message kAppArmorProfile{CORE "AppArmorProfile", kProfileFields};
constexpr Field kWindowsOptionsFields[] = {
    Str(1, "gmsaCredentialSpecName"), Str(2, "gmsaCredentialSpec"), Str(3, "runAsUserName"),
    Bool(4, "hostProcess", K)};
constexpr Message kWindowsOptions{CORE "WindowsSecurityContextOptions", kWindowsOptionsFields};
constexpr Field kSecurityContextFields[] = {
    Msg(1, "capabilities", kCapabilities), Bool(2, "privileged", K),
    Msg(3, "seLinuxOptions", kSELinuxOptions), I64(4, "runAsUser", K),
    Bool(5, "runAsNonRoot", K), Bool(6, "readOnlyRootFilesystem", K),
    Bool(7, "allowPrivilegeEscalation", K), I64(8, "runAsGroup", K), Str(9, "procMount"),
    Msg(10, "windowsOptions", kWindowsOptions), Msg(11, "seccompProfile", kSeccompProfile),
    Msg(12, "appArmorProfile", kAppArmorProfile)};
constexpr Message kSecurityContext{CORE "SecurityContext", kSecurityContextFields};
constexpr Field kSysctlFields[] = {Str(1, "name"), Str(2, "value", K)};
constexpr Message kSysctl{CORE "Sysctl", kSysctlFields};
constexpr Field kPodSecurityContextFields[] = {
    Msg(1, "seLinuxOptions", kSELinuxOptions), I64(2, "runAsUser", K), Bool(3, "runAsNonRoot", K),
    I64(4, "supplementalGroups", R), I64(5, "fsGroup", K), I64(6, "runAsGroup", K),
    Msg(7, "sysctls", kSysctl, R), Msg(8, "windowsOptions", kWindowsOptions),
    Str(9, "fsGroupChangePolicy"), Msg(10, "seccompProfile", kSeccompProfile),
    Msg(11, "appArmorProfile", kAppArmorProfile), Str(12, "supplementalGroupsPolicy"),
    Str(13, "seLinuxChangePolicy")};
constexpr Message kPodSecurityContext{CORE "PodSecurityContext", kPodSecurityContextFields};
constexpr Field kContainerResizePolicyFields[] = {Str(1, "resourceName"), Str(2, "restartPolicy")};
constexpr Message kContainerResizePolicy{CORE "ContainerResizePolicy", kContainerResizePolicyFields};

constexpr Field kContainerFields[] = {
    Str(1, "name"), Str(2, "image"), Str(3, "command", R), Str(4, "args", R),
    Str(5, "workingDir"), Msg(6, "ports", kContainerPort, R), Msg(7, "env", kEnvVar, R),
    Msg(8, "resources", kResourceRequirements), Msg(9, "volumeMounts", kVolumeMount, R),
    Msg(10, "livenessProbe", kProbe), Msg(11, "readinessProbe", kProbe),
    Msg(12, "lifecycle", kLifecycle), Str(13, "terminationMessagePath"),
    Str(14, "imagePullPolicy"), Msg(15, "securityContext", kSecurityContext), Bool(16, "stdin"),
    Bool(17, "stdinOnce"), Bool(18, "tty"), Msg(19, "envFrom", kEnvFromSource, R),
    Str(20, "terminationMessagePolicy"), Msg(21, "volumeDevices", kVolumeDevice, R),
    Msg(22, "startupProbe", kProbe), Msg(23, "resizePolicy", kContainerResizePolicy, R),
    Str(24, "restartPolicy")};
constexpr Message kContainer{CORE "Container", kContainerFields};

// ---- Pod spec and template
constexpr Field kTolerationFields[] = {
    Str(1, "key"), Str(2, "operator"), Str(3, "value"), Str(4, "effect"),
    I64(5, "tolerationSeconds", K)};
constexpr Message kToleration{CORE "Toleration", kTolerationFields};
constexpr Field kHostAliasFields[] = {Str(1, "ip"), Str(2, "hostnames", R)};
constexpr Message kHostAlias{CORE "HostAlias", kHostAliasFields};
constexpr Field kDNSOptionFields[] = {Str(1, "name"), Str(2, "value")};
constexpr Message kDNSOption{CORE "PodDNSConfigOption", kDNSOptionFields};
constexpr Field kDNSConfigFields[] = {
    Str(1, "nameservers", R), Str(2, "searches", R), Msg(3, "options", kDNSOption, R)};
constexpr Message kDNSConfig{CORE "PodDNSConfig", kDNSConfigFields};
constexpr Field kReadinessGateFields[] = {Str(1, "conditionType")};
constexpr Message kReadinessGate{CORE "PodReadinessGate", kReadinessGateFields};
constexpr Field kNameOnlyFields[] = {Str(1, "name")};
constexpr Message kSchedulingGate{CORE "PodSchedulingGate", kNameOnlyFields};
constexpr Message kPodOS{CORE "PodOS", kNameOnlyFields};
constexpr Field kTopologySpreadFields[] = {
    I32(1, "maxSkew", K), Str(2, "topologyKey"), Str(3, "whenUnsatisfiable"),
    Msg(4, "labelSelector", kLabelSelector), I32(5, "minDomains", K),
    Str(6, "nodeAffinityPolicy"), Str(7, "nodeTaintsPolicy"), Str(8, "matchLabelKeys", R)};
constexpr Message kTopologySpread{CORE "TopologySpreadConstraint", kTopologySpreadFields};

constexpr Field kPodSpecFields[] = {
    Msg(1, "volumes", kVolume, R), Msg(2, "containers", kContainer, R),
    Str(3, "restartPolicy"), I64(4, "terminationGracePeriodSeconds", K),
    I64(5, "activeDeadlineSeconds", K), Str(6, "dnsPolicy"),
    Of(7, "nodeSelector", Kind::kStringMap), Str(8, "serviceAccountName"),
    Str(9, "serviceAccount"), Str(10, "nodeName"), Bool(11, "hostNetwork"), Bool(12, "hostPID"),
    Bool(13, "hostIPC"), Msg(14, "securityContext", kPodSecurityContext),
    Msg(15, "imagePullSecrets", kLocalObjectReference, R), Str(16, "hostname"),
    Str(17, "subdomain"), Str(19, "schedulerName"), Msg(20, "initContainers", kContainer, R),
    Bool(21, "automountServiceAccountToken", K), Msg(22, "tolerations", kToleration, R),
    Msg(23, "hostAliases", kHostAlias, R), Str(24, "priorityClassName"),
    I32(25, "priority", K), Msg(26, "dnsConfig", kDNSConfig),
    Bool(27, "shareProcessNamespace", K), Msg(28, "readinessGates", kReadinessGate, R),
    Str(29, "runtimeClassName"), Bool(30, "enableServiceLinks", K), Str(31, "preemptionPolicy"),
    Of(32, "overhead", Kind::kQuantityMap), Msg(33, "topologySpreadConstraints", kTopologySpread, R),
    Bool(35, "setHostnameAsFQDN", K), Msg(36, "os", kPodOS), Bool(37, "hostUsers", K),
    Msg(38, "schedulingGates", kSchedulingGate, R)};
constexpr Message kPodSpec{CORE "PodSpec", kPodSpecFields};
constexpr Field kPodTemplateSpecFields[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kPodSpec)};

// The status a new pod carries (all of it empty on create).
constexpr Field kPodStatusFields[] = {
    Str(1, "phase"), Str(3, "message"), Str(4, "reason"), Str(5, "hostIP"), Str(6, "podIP"),
    Of(7, "startTime", Kind::kTime), Str(9, "qosClass"), Str(11, "nominatedNodeName")};
constexpr Message kPodStatus{CORE "PodStatus", kPodStatusFields};
constexpr Field kPodFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kPodSpec), Msg(3, "status", kPodStatus)};
#undef CORE
}  // namespace

constinit const Message kNamespace{"k8s.io.api.core.v1.Namespace", kNamespaceFields};
constinit const Message kConfigMap{"k8s.io.api.core.v1.ConfigMap", kConfigMapFields};
constinit const Message kSecret{"k8s.io.api.core.v1.Secret", kSecretFields};
constinit const Message kServiceAccount{"k8s.io.api.core.v1.ServiceAccount", kServiceAccountFields};
constinit const Message kService{"k8s.io.api.core.v1.Service", kServiceFields};
constinit const Message kResourceQuota{"k8s.io.api.core.v1.ResourceQuota", kResourceQuotaFields};
constinit const Message kPod{"k8s.io.api.core.v1.Pod", kPodFields};
constinit const Message kPodTemplateSpec{"k8s.io.api.core.v1.PodTemplateSpec",
                                         kPodTemplateSpecFields};

}  // namespace carrier::api::protobuf::tables
