// meta/v1 (k8s.io.apimachinery.pkg.apis.meta.v1).
#include "api/protobuf/schema_tables.h"

namespace carrier::api::protobuf::tables {

namespace {
constexpr Field kOwnerReferenceFields[] = {
    Str(1, "kind"), Str(3, "name"), Str(4, "uid"), Str(5, "apiVersion"),
    Bool(6, "controller", kKeepZero), Bool(7, "blockOwnerDeletion", kKeepZero)};
constexpr Message kOwnerReference{"k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference",
                                  kOwnerReferenceFields};

constexpr Field kManagedFieldsEntryFields[] = {
    Str(1, "manager"), Str(2, "operation"), Str(3, "apiVersion"), Of(4, "time", Kind::kTime),
    Str(6, "fieldsType"), Of(7, "fieldsV1", Kind::kFieldsV1), Str(8, "subresource")};
constexpr Message kManagedFieldsEntry{"k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
                                      kManagedFieldsEntryFields};

constexpr Field kObjectMetaFields[] = {
    Str(1, "name"), Str(2, "generateName"), Str(3, "namespace"), Str(4, "selfLink"),
    Str(5, "uid"), Str(6, "resourceVersion"), I64(7, "generation"),
    Of(8, "creationTimestamp", Kind::kTime), Of(9, "deletionTimestamp", Kind::kTime),
    I64(10, "deletionGracePeriodSeconds", kKeepZero), Of(11, "labels", Kind::kStringMap),
    Of(12, "annotations", Kind::kStringMap), Msg(13, "ownerReferences", kOwnerReference, kRepeated),
    Str(16, "finalizers", kRepeated), Msg(17, "managedFields", kManagedFieldsEntry, kRepeated)};

constexpr Field kLabelSelectorRequirementFields[] = {
    Str(1, "key"), Str(2, "operator"), Str(3, "values", kRepeated)};
constexpr Message kLabelSelectorRequirement{
    "k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    kLabelSelectorRequirementFields};
constexpr Field kLabelSelectorFields[] = {
    Of(1, "matchLabels", Kind::kStringMap),
    Msg(2, "matchExpressions", kLabelSelectorRequirement, kRepeated)};

constexpr Field kConditionFields[] = {
    Str(1, "type"), Str(2, "status"), I64(3, "observedGeneration"),
    Of(4, "lastTransitionTime", Kind::kTime), Str(5, "reason"), Str(6, "message")};

constexpr Field kPreconditionsFields[] = {Str(1, "uid"), Str(2, "resourceVersion")};
constexpr Message kPreconditions{"k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions",
                                 kPreconditionsFields};
constexpr Field kDeleteOptionsFields[] = {
    I64(1, "gracePeriodSeconds", kKeepZero), Msg(2, "preconditions", kPreconditions),
    Bool(3, "orphanDependents", kKeepZero), Str(4, "propagationPolicy"),
    Str(5, "dryRun", kRepeated),
    Bool(6, "ignoreStoreReadErrorWithClusterBreakingPotential", kKeepZero)};
}  // namespace

constinit const Message kObjectMeta{"k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                                    kObjectMetaFields};
constinit const Message kLabelSelector{"k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector",
                                       kLabelSelectorFields};
constinit const Message kCondition{"k8s.io.apimachinery.pkg.apis.meta.v1.Condition",
                                   kConditionFields};
constinit const Message kDeleteOptions{"k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions",
                                       kDeleteOptionsFields};

}  // namespace carrier::api::protobuf::tables
