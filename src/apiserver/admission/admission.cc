#include "apiserver/admission/admission.h"

#include <algorithm>

namespace carrier::apiserver::admission {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate:
      return "CREATE";
    case Operation::kUpdate:
      return "UPDATE";
    case Operation::kDelete:
      return "DELETE";
  }
  return "";
}

Status Chain::Disable(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    auto it = std::find_if(plugins_.begin(), plugins_.end(),
                           [&](const auto& p) { return p->name() == name && p->can_be_disabled(); });
    if (it == plugins_.end()) {
      std::string known;
      for (const auto& p : plugins_) {
        if (!p->can_be_disabled()) continue;
        known += (known.empty() ? "" : ", ") + std::string(p->name());
      }
      return Status(Code::kInvalidArgument,
                    "unknown admission plugin \"" + name + "\" (plugins that can be disabled: " + known + ")");
    }
    plugins_.erase(it);
  }
  return {};
}

std::optional<api::ApiError> Chain::Run(Request& request) const {
  for (const auto& p : plugins_) {
    if (auto e = p->Admit(request)) return e;
  }
  for (const auto& p : plugins_) {
    if (auto e = p->Validate(request)) return e;
  }
  return std::nullopt;
}

api::ApiError Forbidden(const Request& request, const std::string& message) {
  std::string qualified = request.type ? request.type->resource : std::string();
  if (request.type && !request.type->group.empty()) qualified += "." + request.type->group;
  std::string text = request.name.empty()
                         ? qualified + " is forbidden: " + message
                         : qualified + " \"" + request.name + "\" is forbidden: " + message;
  api::ApiError e;
  e.status = Status(Code::kForbidden, text);
  e.details.name = request.name;
  if (request.type) {
    e.details.group = request.type->group;
    e.details.kind = request.type->resource;
  }
  return e;
}

}  // namespace carrier::apiserver::admission
