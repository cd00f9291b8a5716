#include "apiserver/authz/access_review.h"

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "apiserver/authz/review_protobuf.h"

namespace carrier::apiserver::authz {

namespace json = boost::json;

namespace {

std::string Str(const json::object& o, std::string_view f) {
  auto* v = o.if_contains(f);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* Obj(const json::object& o, std::string_view f) {
  auto* v = o.if_contains(f);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string KindOf(std::string_view resource) {
  if (resource == "subjectaccessreviews") return "SubjectAccessReview";
  if (resource == "selfsubjectaccessreviews") return "SelfSubjectAccessReview";
  if (resource == "localsubjectaccessreviews") return "LocalSubjectAccessReview";
  return "SelfSubjectRulesReview";
}

Result<Attributes> AttributesOf(const json::object& spec) {
  Attributes a;
  if (const json::object* r = Obj(spec, "resourceAttributes")) {
    a.resource_request = true;
    a.namespace_ = Str(*r, "namespace");
    a.verb = Str(*r, "verb");
    a.group = Str(*r, "group");
    a.version = Str(*r, "version");
    a.resource = Str(*r, "resource");
    a.subresource = Str(*r, "subresource");
    a.name = Str(*r, "name");
  } else if (const json::object* n = Obj(spec, "nonResourceAttributes")) {
    a.path = Str(*n, "path");
    a.verb = Str(*n, "verb");
  } else {
    return Status(Code::kInvalidArgument,
                  "spec.resourceAttributes: Invalid value: exactly one of "
                  "nonResourceAttributes or resourceAttributes must be specified");
  }
  return a;
}

}  // namespace

bool IsAccessReview(const RequestInfo& info) {
  return info.is_resource && info.group == "authorization.k8s.io" && info.version == "v1" &&
         (info.resource == "subjectaccessreviews" || info.resource == "selfsubjectaccessreviews" ||
          info.resource == "localsubjectaccessreviews" ||
          info.resource == "selfsubjectrulesreviews") &&
         info.name.empty() && info.subresource.empty();
}

Result<json::object> ReviewAccess(Authorizer& authorizer, const RequestInfo& info,
                                  const UserInfo& requester, std::string_view body,
                                  std::string_view content_type) {
  const std::string kind = KindOf(info.resource);
  if (info.verb != "create") {
    return api::NewMethodNotSupported(info.group, info.resource, info.verb).status;
  }
  const bool local = info.resource == "localsubjectaccessreviews";
  if (local == info.namespace_.empty()) {
    return Status(Code::kNotFound, "the server could not find the requested resource");
  }
  json::object review;
  if (content_type.substr(0, content_type.find(';')) == kProtobufContentType) {
    auto decoded = DecodeReviewProtobuf(body, kind);
    if (!decoded.ok()) return decoded.status();
    review = std::move(*decoded);
  } else {
    auto decoded = api::DecodeJson(body);
    if (!decoded.ok() || !decoded->is_object()) {
      return Status(Code::kBadRequest, "the request body is not a JSON object");
    }
    review = std::move(decoded->get_object());
  }
  const json::object empty;
  const json::object* spec = Obj(review, "spec");
  if (spec == nullptr) spec = &empty;
  json::object status;

  if (info.resource == "selfsubjectrulesreviews") {
    std::string ns = Str(*spec, "namespace");
    json::array resource_rules, non_resource_rules;
    for (const auto& r : authorizer.RulesFor(info.cluster, requester, ns)) {
      json::object o = RuleToJson(r);
      if (!r.non_resource_urls.empty()) {
        non_resource_rules.emplace_back(
            json::object{{"verbs", o["verbs"]}, {"nonResourceURLs", o["nonResourceURLs"]}});
      }
      if (!r.resources.empty() || !r.api_groups.empty()) {
        o.erase("nonResourceURLs");
        if (!o.contains("apiGroups")) o["apiGroups"] = json::array{};
        resource_rules.emplace_back(std::move(o));
      }
    }
    status = {{"resourceRules", std::move(resource_rules)},
              {"nonResourceRules", std::move(non_resource_rules)},
              {"incomplete", false}};
  } else {
    auto attrs = AttributesOf(*spec);
    if (!attrs.ok()) return attrs.status();
    UserInfo subject = requester;
    if (info.resource == "subjectaccessreviews" || local) {
      subject = UserInfo{};
      subject.name = Str(*spec, "user");
      subject.uid = Str(*spec, "uid");
      if (auto* g = spec->if_contains("groups"); g && g->is_array()) {
        for (const auto& v : g->get_array()) {
          if (v.is_string()) subject.groups.emplace_back(v.get_string());
        }
      }
      if (subject.name.empty() && subject.groups.empty()) {
        return Status(Code::kInvalidArgument,
                      std::string(kind) +
                          ".authorization.k8s.io \"\" is invalid: spec.user: "
                          "Invalid value: \"\": at least one of user or group "
                          "must be specified");
      }
    }
    if (local) {
      if (attrs->resource_request && attrs->namespace_ != info.namespace_) {
        return Status(Code::kBadRequest,
                      "spec.resourceAttributes.namespace must match namespace: " + info.namespace_);
      }
    }
    Decision d = authorizer.Authorize(info.cluster, subject, *attrs);
    status = {{"allowed", d.allowed}};
    if (!d.reason.empty()) status["reason"] = d.reason;
  }
  json::object meta;
  if (auto* m = review.if_contains("metadata"); m && m->is_object()) meta = m->get_object();
  if (local) meta["namespace"] = info.namespace_;
  meta["creationTimestamp"] = nullptr;
  review["kind"] = kind;
  review["apiVersion"] = "authorization.k8s.io/v1";
  review["metadata"] = std::move(meta);
  if (!review.contains("spec")) review["spec"] = json::object{};
  review["status"] = std::move(status);
  return review;
}

}  // namespace carrier::apiserver::authz
