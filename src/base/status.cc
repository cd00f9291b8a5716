#include "base/status.h"

namespace carrier {

namespace {
struct CodeInfo {
  std::string_view name;
  std::string_view reason;  // Kubernetes metav1.StatusReason
  int http;
};

CodeInfo Info(Code code) {
  switch (code) {
    case Code::kOk: return {"OK", "", 200};
    case Code::kInvalidArgument: return {"InvalidArgument", "Invalid", 422};
    case Code::kBadRequest: return {"BadRequest", "BadRequest", 400};
    case Code::kNotFound: return {"NotFound", "NotFound", 404};
    case Code::kAlreadyExists: return {"AlreadyExists", "AlreadyExists", 409};
    case Code::kConflict: return {"Conflict", "Conflict", 409};
    case Code::kGone: return {"Gone", "Expired", 410};
    case Code::kFutureRevision: return {"FutureRevision", "Timeout", 504};
    case Code::kResourceExhausted: return {"ResourceExhausted", "InternalError", 507};
    case Code::kTooLarge: return {"TooLarge", "RequestEntityTooLarge", 413};
    case Code::kUnauthorized: return {"Unauthorized", "Unauthorized", 401};
    case Code::kForbidden: return {"Forbidden", "Forbidden", 403};
    case Code::kMethodNotAllowed: return {"MethodNotAllowed", "MethodNotAllowed", 405};
    case Code::kUnsupportedMedia: return {"UnsupportedMedia", "UnsupportedMediaType", 415};
    case Code::kNotAcceptable: return {"NotAcceptable", "NotAcceptable", 406};
    case Code::kTimeout: return {"Timeout", "Timeout", 504};
    case Code::kTooManyRequests: return {"TooManyRequests", "TooManyRequests", 429};
    case Code::kUnavailable: return {"Unavailable", "ServiceUnavailable", 503};
    case Code::kDataLoss: return {"DataLoss", "InternalError", 500};
    case Code::kInternal: return {"Internal", "InternalError", 500};
    case Code::kCancelled: return {"Cancelled", "InternalError", 499};
  }
  return {"Unknown", "InternalError", 500};
}
}  // namespace

std::string_view CodeReason(Code code) { return Info(code).reason; }
int CodeHttpStatus(Code code) { return Info(code).http; }
std::string_view CodeName(Code code) { return Info(code).name; }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace carrier
