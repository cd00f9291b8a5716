#include "apiserver/workload_defaults.h"

#include <boost/json.hpp>

namespace carrier::apiserver {

namespace json = boost::json;

namespace {

json::object& ObjectField(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

void Default(json::object& o, std::string_view key, json::value value) {
  if (!o.contains(key) || o.at(key).is_null()) o[key] = std::move(value);
}

}  // namespace

void DefaultWorkload(const ResourceType& type, json::object& obj) {
  if (type.group != "apps" || type.custom) return;
  const bool sts = type.resource == "statefulsets", ds = type.resource == "daemonsets";
  if (!sts && !ds) return;
  json::value* spec_value = obj.if_contains("spec");
  if (spec_value == nullptr || !spec_value->is_object()) return;
  json::object& spec = spec_value->get_object();
  json::object& strategy = ObjectField(spec, "updateStrategy");
  Default(strategy, "type", "RollingUpdate");
  const bool rolling = strategy.at("type") == "RollingUpdate";
  if (sts) {
    Default(spec, "replicas", 1);
    Default(spec, "podManagementPolicy", "OrderedReady");
    if (rolling) Default(ObjectField(strategy, "rollingUpdate"), "partition", 0);
    json::object& retention = ObjectField(spec, "persistentVolumeClaimRetentionPolicy");
    Default(retention, "whenDeleted", "Retain");
    Default(retention, "whenScaled", "Retain");
  } else if (rolling) {
    json::object& update = ObjectField(strategy, "rollingUpdate");
    Default(update, "maxUnavailable", 1);
    Default(update, "maxSurge", 0);
  }
  Default(spec, "revisionHistoryLimit", 10);
}

}  // namespace carrier::apiserver
