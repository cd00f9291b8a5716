// apps/v1 Deployment and batch/v1 Job and CronJob.
#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf::tables {

namespace {
constexpr uint8_t R = kRepeated, K = kKeepZero;

// ---- apps/v1
constexpr Field kRollingUpdateDeploymentFields[] = {
    Of(1, "maxUnavailable", Kind::kIntOrString), Of(2, "maxSurge", Kind::kIntOrString)};
constexpr Message kRollingUpdateDeployment{"k8s.io.api.apps.v1.RollingUpdateDeployment",
                                           kRollingUpdateDeploymentFields};
constexpr Field kDeploymentStrategyFields[] = {
    Str(1, "type"), Msg(2, "rollingUpdate", kRollingUpdateDeployment)};
constexpr Message kDeploymentStrategy{"k8s.io.api.apps.v1.DeploymentStrategy",
                                      kDeploymentStrategyFields};
constexpr Field kDeploymentSpecFields[] = {
    I32(1, "replicas", K), Msg(2, "selector", kLabelSelector),
    Msg(3, "template", kPodTemplateSpec), Msg(4, "strategy", kDeploymentStrategy),
    I32(5, "minReadySeconds"), I32(6, "revisionHistoryLimit", K), Bool(7, "paused"),
    I32(9, "progressDeadlineSeconds", K)};
constexpr Message kDeploymentSpec{"k8s.io.api.apps.v1.DeploymentSpec", kDeploymentSpecFields};
constexpr Field kDeploymentConditionFields[] = {
    Str(1, "type"), Str(2, "status"), Str(4, "reason"), Str(5, "message"),
    Of(6, "lastUpdateTime", Kind::kTime), Of(7, "lastTransitionTime", Kind::kTime)};
constexpr Message kDeploymentCondition{"k8s.io.api.apps.v1.DeploymentCondition",
                                       kDeploymentConditionFields};
constexpr Field kDeploymentStatusFields[] = {
    I64(1, "observedGeneration"), I32(2, "replicas"), I32(3, "updatedReplicas"),
    I32(4, "availableReplicas"), I32(5, "unavailableReplicas"),
    Msg(6, "conditions", kDeploymentCondition, R), I32(7, "readyReplicas"),
    I32(8, "collisionCount", K), I32(9, "terminatingReplicas", K)};
constexpr Message kDeploymentStatus{"k8s.io.api.apps.v1.DeploymentStatus", kDeploymentStatusFields};
constexpr Field kDeploymentFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kDeploymentSpec),
    Msg(3, "status", kDeploymentStatus)};

// ---- batch/v1
constexpr Field kJobSpecFields[] = {
    I32(1, "parallelism", K), I32(2, "completions", K), I64(3, "activeDeadlineSeconds", K),
    Msg(4, "selector", kLabelSelector), Bool(5, "manualSelector", K),
    Msg(6, "template", kPodTemplateSpec), I32(7, "backoffLimit", K),
    I32(8, "ttlSecondsAfterFinished", K), Str(9, "completionMode"), Bool(10, "suspend", K),
    I32(12, "backoffLimitPerIndex", K), I32(13, "maxFailedIndexes", K),
    Str(14, "podReplacementPolicy"), Str(15, "managedBy")};
constexpr Message kJobSpec{"k8s.io.api.batch.v1.JobSpec", kJobSpecFields};
constexpr Field kJobConditionFields[] = {
    Str(1, "type"), Str(2, "status"), Of(3, "lastProbeTime", Kind::kTime),
    Of(4, "lastTransitionTime", Kind::kTime), Str(5, "reason"), Str(6, "message")};
constexpr Message kJobCondition{"k8s.io.api.batch.v1.JobCondition", kJobConditionFields};
constexpr Field kUncountedTerminatedPodsFields[] = {Str(1, "succeeded", R), Str(2, "failed", R)};
constexpr Message kUncountedTerminatedPods{"k8s.io.api.batch.v1.UncountedTerminatedPods",
                                           kUncountedTerminatedPodsFields};
constexpr Field kJobStatusFields[] = {
    Msg(1, "conditions", kJobCondition, R), Of(2, "startTime", Kind::kTime),
    Of(3, "completionTime", Kind::kTime), I32(4, "active"), I32(5, "succeeded"),
    I32(6, "failed"), Str(7, "completedIndexes"),
    Msg(8, "uncountedTerminatedPods", kUncountedTerminatedPods), I32(9, "ready", K),
    Str(10, "failedIndexes", K), I32(11, "terminating", K)};
constexpr Message kJobStatus{"k8s.io.api.batch.v1.JobStatus", kJobStatusFields};
constexpr Field kJobFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kJobSpec), Msg(3, "status", kJobStatus)};
constexpr Field kJobTemplateSpecFields[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kJobSpec)};
constexpr Message kJobTemplateSpec{"k8s.io.api.batch.v1.JobTemplateSpec", kJobTemplateSpecFields};
constexpr Field kCronJobSpecFields[] = {
    Str(1, "schedule"), I64(2, "startingDeadlineSeconds", K), Str(3, "concurrencyPolicy"),
    Bool(4, "suspend", K), Msg(5, "jobTemplate", kJobTemplateSpec),
    I32(6, "successfulJobsHistoryLimit", K), I32(7, "failedJobsHistoryLimit", K),
    Str(8, "timeZone")};
constexpr Message kCronJobSpec{"k8s.io.api.batch.v1.CronJobSpec", kCronJobSpecFields};
constexpr Field kCronJobStatusFields[] = {
    Msg(1, "active", kObjectReference, R), Of(4, "lastScheduleTime", Kind::kTime),
    Of(5, "lastSuccessfulTime", Kind::kTime)};
constexpr Message kCronJobStatus{"k8s.io.api.batch.v1.CronJobStatus", kCronJobStatusFields};
constexpr Field kCronJobFields[] = {
    Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kCronJobSpec), Msg(3, "status", kCronJobStatus)};
}  // namespace

constinit const Message kDeployment{"k8s.io.api.apps.v1.Deployment", kDeploymentFields};
constinit const Message kJob{"k8s.io.api.batch.v1.Job", kJobFields};
constinit const Message kCronJob{"k8s.io.api.batch.v1.CronJob", kCronJobFields};

}  // namespace carrier::api::protobuf::tables
