#include "apiserver/batch_defaults.h"

#include <boost/json.hpp>

#include "apiserver/object_meta.h"

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

constexpr const char* kControllerUid = "batch.kubernetes.io/controller-uid";

json::object& ObjectField(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

void SetIfAbsent(json::object& o, std::string_view key, json::value value) {
  if (!o.contains(key) || o.at(key).is_null()) o[key] = std::move(value);
}

bool ManualSelector(const json::object& spec) {
  const json::value* m = spec.if_contains("manualSelector");
  return m && m->is_bool() && m->get_bool();
}

const json::object* TemplateLabels(const json::object& job) {
  const json::value* spec = job.if_contains("spec");
  const json::value* tmpl = spec && spec->is_object() ? spec->get_object().if_contains("template") : nullptr;
  const json::value* meta = tmpl && tmpl->is_object() ? tmpl->get_object().if_contains("metadata") : nullptr;
  const json::value* labels = meta && meta->is_object() ? meta->get_object().if_contains("labels") : nullptr;
  return labels ? labels->if_object() : nullptr;
}

}  // namespace

bool JobNeedsSelector(const json::object& job) {
  const json::value* spec = job.if_contains("spec");
  if (spec && spec->is_object() && ManualSelector(spec->get_object())) return false;
  const json::object* labels = TemplateLabels(job);
  const json::value* selector = spec && spec->is_object() ? spec->get_object().if_contains("selector") : nullptr;
  return labels == nullptr || !labels->contains(kControllerUid) || selector == nullptr ||
         !selector->is_object();
}

void DefaultJob(json::object& job) {
  json::object& spec = ObjectField(job, "spec");
  const bool no_completions = !spec.contains("completions") || spec.at("completions").is_null();
  const bool no_parallelism = !spec.contains("parallelism") || spec.at("parallelism").is_null();
  if (no_completions && no_parallelism) spec["completions"] = 1;
  SetIfAbsent(spec, "parallelism", 1);
  SetIfAbsent(spec, "backoffLimit", 6);
  SetIfAbsent(spec, "completionMode", "NonIndexed");
  SetIfAbsent(spec, "suspend", false);
  SetIfAbsent(spec, "podReplacementPolicy", spec.contains("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");

  if (!ManualSelector(spec)) {
    const std::string name(MetaString(job, "name")), uid(MetaString(job, "uid"));
    json::object& labels = ObjectField(ObjectField(ObjectField(spec, "template"), "metadata"), "labels");
    // Labels the user set on the template are kept (a conflict fails validation in Kubernetes).
    SetIfAbsent(labels, "job-name", json::string(name));
    SetIfAbsent(labels, "batch.kubernetes.io/job-name", json::string(name));
    SetIfAbsent(labels, "controller-uid", json::string(uid));
    SetIfAbsent(labels, kControllerUid, json::string(uid));
    SetIfAbsent(ObjectField(ObjectField(spec, "selector"), "matchLabels"), kControllerUid, json::string(uid));
  }
  if (const json::object* labels = TemplateLabels(job)) {
    json::object copy = *labels;  // before writing into `job`, which may move what it points at
    json::object& meta = MutableMetadata(job);
    const json::value* own = meta.if_contains("labels");
    if (own == nullptr || !own->is_object() || own->get_object().empty()) meta["labels"] = std::move(copy);
  }
}

void DefaultCronJob(json::object& cronjob) {
  json::object& spec = ObjectField(cronjob, "spec");
  SetIfAbsent(spec, "concurrencyPolicy", "Allow");
  SetIfAbsent(spec, "suspend", false);
  SetIfAbsent(spec, "successfulJobsHistoryLimit", 3);
  SetIfAbsent(spec, "failedJobsHistoryLimit", 1);
}

}  // namespace carrier::apiserver
