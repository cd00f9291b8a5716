#include "api/status_json.h"

#include <boost/json.hpp>

namespace carrier::api {

namespace json = boost::json;

namespace {

std::string Qualified(std::string_view group, std::string_view name) {
  std::string s(name);
  if (!group.empty()) {
    s += '.';
    s += group;
  }
  return s;
}

}  // namespace

ApiError NewNotFound(std::string_view group, std::string_view resource, std::string_view name) {
  std::string msg = Qualified(group, resource);
  msg += name.empty() ? " not found" : " " + QuoteGo(name) + " not found";
  return {Status(Code::kNotFound, std::move(msg)),
          {std::string(name), std::string(group), std::string(resource), {}, {}, {}}};
}

ApiError NewAlreadyExists(std::string_view group, std::string_view resource,
                          std::string_view name) {
  return {Status(Code::kAlreadyExists,
                 Qualified(group, resource) + " " + QuoteGo(name) + " already exists"),
          {std::string(name), std::string(group), std::string(resource), {}, {}, {}}};
}

ApiError NewConflict(std::string_view group, std::string_view resource, std::string_view name,
                     std::string_view reason) {
  return {Status(Code::kConflict, "Operation cannot be fulfilled on " + Qualified(group, resource) +
                                      " " + QuoteGo(name) + ": " + std::string(reason)),
          {std::string(name), std::string(group), std::string(resource), {}, {}, {}}};
}

ApiError NewInvalid(std::string_view group, std::string_view kind, std::string_view name,
                    FieldErrors causes) {
  std::string msg = Qualified(group, kind) + " " + QuoteGo(name) + " is invalid";
  if (!causes.empty()) {
    msg += ": ";
    if (causes.size() == 1) {
      msg += causes.front().ToString();
    } else {
      msg += '[';
      for (std::size_t i = 0; i < causes.size(); ++i) {
        if (i > 0) msg += ", ";
        msg += causes[i].ToString();
      }
      msg += ']';
    }
  }
  return {Status(Code::kInvalidArgument, std::move(msg)),
          {std::string(name), std::string(group), std::string(kind), {}, std::move(causes), {}}};
}

ApiError NewBadRequest(std::string message) {
  return {Status(Code::kBadRequest, std::move(message)), {}};
}

ApiError NewMethodNotSupported(std::string_view group, std::string_view resource,
                               std::string_view verb) {
  std::string qualified = Qualified(group, resource);
  return {Status(Code::kMethodNotAllowed, std::string(verb) +
                                              " is not supported on resources of kind " +
                                              QuoteGo(qualified)),
          {{}, std::string(group), std::string(resource), {}, {}, {}}};
}

ApiError NewResourceExpired(std::string message) {
  return {Status(Code::kGone, std::move(message)), {}};
}

json::object ToJson(const ApiError& error) {
  json::object out;
  out.reserve(8);
  out["kind"] = "Status";
  out["apiVersion"] = "v1";
  out["metadata"] = json::object();
  if (error.status.ok()) {
    out["status"] = "Success";
    if (!error.status.message().empty()) out["message"] = error.status.message();
    out["code"] = 200;
    return out;
  }
  out["status"] = "Failure";
  out["message"] = error.status.message();
  out["reason"] = CodeReason(error.status.code());
  const StatusDetails& d = error.details;
  if (!d.empty()) {
    json::object details;
    if (!d.name.empty()) details["name"] = d.name;
    if (!d.group.empty()) details["group"] = d.group;
    if (!d.kind.empty()) details["kind"] = d.kind;
    if (!d.uid.empty()) details["uid"] = d.uid;
    if (!d.causes.empty()) {
      json::array causes;
      causes.reserve(d.causes.size());
      for (const FieldError& c : d.causes) {
        causes.push_back(json::object{{"reason", CauseTypeName(c.type)},
                                      {"message", c.message},
                                      {"field", c.field}});
      }
      details["causes"] = std::move(causes);
    }
    if (d.retry_after_seconds) details["retryAfterSeconds"] = *d.retry_after_seconds;
    out["details"] = std::move(details);
  }
  out["code"] = CodeHttpStatus(error.status.code());
  return out;
}

json::object ToJson(const Status& status) { return ToJson(ApiError{status, {}}); }

}  // namespace carrier::api
