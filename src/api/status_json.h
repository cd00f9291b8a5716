#pragma once
// Kubernetes Status objects (kind Status, apiVersion v1) for error answers.
//
// ApiError pairs a carrier::Status (code → reason and HTTP code, message) with the optional
// `details` Kubernetes attaches. The New* builders produce Kubernetes' exact messages:
//   NotFound       pods "x" not found                       (details: name, group, kind=resource)
//   AlreadyExists  pods "x" already exists
//   Conflict       Operation cannot be fulfilled on pods "x": <reason>
//   Invalid        Pod "x" is invalid: <field errors>         (details: name, group, kind, causes)
// where the resource is qualified by its group when it has one ("deployments.apps").
// ToJson() renders {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
// "message":…,"reason":…,"details":{…},"code":…}, leaving out empty details.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

#include "api/validation.h"
#include "base/status.h"

namespace carrier::api {

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // the resource ("pods") for most errors, the Kind ("Pod") for Invalid
  std::string uid;
  FieldErrors causes;
  std::optional<int> retry_after_seconds;

  bool empty() const {
    return name.empty() && group.empty() && kind.empty() && uid.empty() && causes.empty() &&
           !retry_after_seconds;
  }
};

struct ApiError {
  Status status;
  StatusDetails details;
};

// The optimistic-concurrency reason Kubernetes gives for a stale resourceVersion.
inline constexpr std::string_view kObjectModifiedMessage =
    "the object has been modified; please apply your changes to the latest version and try "
    "again";

ApiError NewNotFound(std::string_view group, std::string_view resource, std::string_view name);
ApiError NewAlreadyExists(std::string_view group, std::string_view resource, std::string_view name);
ApiError NewConflict(std::string_view group, std::string_view resource, std::string_view name,
                     std::string_view reason = kObjectModifiedMessage);
ApiError NewInvalid(std::string_view group, std::string_view kind, std::string_view name,
                    FieldErrors causes);
ApiError NewBadRequest(std::string message);
// 405: "<verb> is not supported on resources of kind \"<resource>\"".
ApiError NewMethodNotSupported(std::string_view group, std::string_view resource,
                               std::string_view verb);
// 410 Expired, for a watch or list from a compacted revision.
ApiError NewResourceExpired(std::string message);

// The Status object for an error (or a Success status for an ok Status).
boost::json::object ToJson(const ApiError& error);
boost::json::object ToJson(const Status& status);

}  // namespace carrier::api
