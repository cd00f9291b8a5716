#pragma once
// Errors are values. A Status carries a code that maps one-to-one onto a Kubernetes
// StatusReason and HTTP code, plus a human message. Result<T> is a value or a Status.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace carrier {

enum class Code {
  kOk,
  kInvalidArgument,     // 422 Invalid (field-level) / 400 BadRequest (malformed)
  kBadRequest,          // 400 BadRequest
  kNotFound,            // 404 NotFound
  kAlreadyExists,       // 409 AlreadyExists
  kConflict,            // 409 Conflict: a compare-and-swap lost (stale revision)
  kGone,                // 410 Expired: the revision was compacted
  kFutureRevision,      // 504 Timeout-like: asked for a revision the store has not reached
  kResourceExhausted,   // 507 / disk full, quota
  kTooLarge,            // 413 RequestEntityTooLarge
  kUnauthorized,        // 401
  kForbidden,           // 403
  kMethodNotAllowed,    // 405
  kUnsupportedMedia,    // 415
  kNotAcceptable,       // 406
  kTimeout,             // 504 Timeout
  kTooManyRequests,     // 429
  kUnavailable,         // 503 ServiceUnavailable: a backend cannot be reached
  kDataLoss,            // 500: stored data is corrupt
  kInternal,            // 500 InternalError
  kCancelled,           // the caller went away
};

// The Kubernetes StatusReason and HTTP status code a Code maps onto.
std::string_view CodeReason(Code code);
int CodeHttpStatus(Code code);
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Gone(std::string m) { return {Code::kGone, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace carrier

// Propagates an error Status out of the enclosing function.
#define CARRIER_RETURN_IF_ERROR(expr)         \
  do {                                        \
    ::carrier::Status _st = (expr);           \
    if (!_st.ok()) return _st;                \
  } while (0)
