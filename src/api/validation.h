#pragma once
// Validation of object metadata with Kubernetes' rules and messages.
//
// The Is* checks return the list of problems with a value (empty when valid), worded as
// Kubernetes words them. Object-level checks return FieldErrors: each names a field path, a
// cause type (FieldValueInvalid, FieldValueRequired, FieldValueTooLong, ...) and a message;
// they map one-to-one onto a Kubernetes Status `details.causes` (see status_json.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

namespace carrier::api {

enum class CauseType {
  kFieldValueInvalid,
  kFieldValueRequired,
  kFieldValueTooLong,
  kFieldValueNotSupported,
  kFieldValueDuplicate,
  kFieldValueForbidden,
  kFieldManagerConflict,  // server-side apply: a field another manager owns
};

// "FieldValueInvalid", ...: the metav1.CauseType string.
std::string_view CauseTypeName(CauseType type);

struct FieldError {
  CauseType type;
  std::string field;    // "metadata.name", "metadata.labels"
  std::string message;  // the body: `Invalid value: "x": must be ...`
  // "<field>: <message>", as Kubernetes prints one error.
  std::string ToString() const;
};
using FieldErrors = std::vector<FieldError>;

// Builders with Kubernetes' wording. `value` is quoted the way Go's %q quotes a string.
FieldError InvalidValue(std::string field, std::string_view value, std::string_view detail);
FieldError RequiredValue(std::string field, std::string_view detail = {});
FieldError TooLongValue(std::string field, std::size_t max_bytes);
FieldError ForbiddenValue(std::string field, std::string_view detail);
FieldError DuplicateValue(std::string field, std::string_view value);
FieldError NotSupportedValue(std::string field, std::string_view value,
                             const std::vector<std::string_view>& supported);

// Go-style %q of a string: `"a\"b"`.
std::string QuoteGo(std::string_view s);

inline constexpr std::size_t kDns1123LabelMaxLength = 63;
inline constexpr std::size_t kDns1123SubdomainMaxLength = 253;
inline constexpr std::size_t kDns1035LabelMaxLength = 63;
inline constexpr std::size_t kQualifiedNameMaxLength = 63;
inline constexpr std::size_t kLabelValueMaxLength = 63;
inline constexpr std::size_t kTotalAnnotationSizeLimit = 256 * 1024;

std::vector<std::string> IsDns1123Label(std::string_view value);
std::vector<std::string> IsDns1123Subdomain(std::string_view value);
std::vector<std::string> IsDns1035Label(std::string_view value);
// A label or annotation key: [prefix/]name, prefix a DNS-1123 subdomain, name ≤ 63.
std::vector<std::string> IsQualifiedName(std::string_view value);
std::vector<std::string> IsValidLabelValue(std::string_view value);
// A name that is safe as one URL path segment (not "." or "..", no "/" or "%").
std::vector<std::string> IsValidPathSegmentName(std::string_view value);

// How a resource type validates metadata.name.
enum class NameRule { kDns1123Subdomain, kDns1123Label, kDns1035Label, kPathSegment };
// Validates a name (or, with `prefix`, a generateName whose trailing '-' is ignored).
std::vector<std::string> ValidateName(NameRule rule, std::string_view name, bool prefix);

// `labels` and `annotations` are the JSON values of metadata.labels/annotations (any kind;
// a non-object or a non-string value is an error). `path` is the field path to report.
FieldErrors ValidateLabels(const boost::json::value& labels, std::string_view path);
FieldErrors ValidateAnnotations(const boost::json::value& annotations, std::string_view path);

// Validates an ObjectMeta: name or generateName, namespace (required iff namespaced),
// labels, annotations, finalizers (qualified names), ownerReferences (apiVersion, kind,
// name, uid present). `meta` that is not an object is an error.
FieldErrors ValidateObjectMeta(const boost::json::value& meta, bool namespaced, NameRule rule);

// Kubernetes' alphabet for generated name suffixes (no vowels, no look-alikes).
inline constexpr std::string_view kGenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
inline constexpr std::size_t kGenerateNameSuffixLength = 5;
// The name for generateName `base`: base cut to 58 characters (as Kubernetes does, so the
// result fits a DNS label) plus 5 characters drawn from the alphabet.
// `random_below(n)` returns a uniform integer in [0, n).
std::string GenerateName(std::string_view base, const std::function<uint32_t(uint32_t)>& random_below);

}  // namespace carrier::api
