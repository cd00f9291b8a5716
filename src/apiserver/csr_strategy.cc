#include "apiserver/csr_strategy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>

#include "api/validation.h"
#include "apiserver/authz/rbac.h"
#include "apiserver/object_meta.h"
#include "base/base64.h"
#include "base/x509.h"

namespace carrier::apiserver::csr {

namespace json = boost::json;

namespace {

constexpr std::string_view kGroup = "certificates.k8s.io";
constexpr std::string_view kKind = "CertificateSigningRequest";
constexpr int64_t kMinExpirationSeconds = 600;
constexpr int64_t kMaxExpirationSeconds = (int64_t{1} << 31) - 1;

// certificates.k8s.io/v1 KeyUsage values.
const std::vector<std::string_view>& KnownUsages() {
  static const std::vector<std::string_view> usages = {
      "signing",          "digital signature", "content commitment", "key encipherment",
      "key agreement",    "data encipherment", "cert sign",          "crl sign",
      "encipher only",    "decipher only",     "any",                "server auth",
      "client auth",      "code signing",      "email protection",   "s/mime",
      "ipsec end system", "ipsec tunnel",      "ipsec user",         "timestamping",
      "ocsp signing",     "microsoft sgc",     "netscape sgc"};
  return usages;
}

const json::object* Obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const json::array* Conditions(const json::object& csr) {
  const json::object* status = Obj(csr, "status");
  const json::value* c = status ? status->if_contains("conditions") : nullptr;
  return c ? c->if_array() : nullptr;
}

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object& MutableChild(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

size_t CountOf(const json::object& csr, std::string_view type) {
  size_t n = 0;
  if (const json::array* conditions = Conditions(csr)) {
    for (const auto& c : *conditions) {
      if (c.is_object() && Str(c.get_object(), "type") == type) ++n;
    }
  }
  return n;
}

// The signer name: "<domain>/<path>", the domain a DNS subdomain.
void ValidateSignerName(const std::string& name, api::FieldErrors& errors) {
  const std::string field = "spec.signerName";
  if (name.empty()) {
    errors.push_back(api::RequiredValue(field));
    return;
  }
  const size_t slash = name.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
    errors.push_back(api::InvalidValue(
        field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
    return;
  }
  for (const auto& problem : api::IsDns1123Subdomain(name.substr(0, slash))) {
    errors.push_back(api::InvalidValue(field, name, "the domain part: " + problem));
  }
}

void ValidateSpec(const json::object& csr, api::FieldErrors& errors) {
  const json::object* spec = Obj(csr, "spec");
  if (spec == nullptr) {
    errors.push_back(api::RequiredValue("spec"));
    return;
  }
  const json::value* request = spec->if_contains("request");
  if (request == nullptr || (request->is_string() && request->get_string().empty())) {
    errors.push_back(api::RequiredValue("spec.request"));
  } else if (auto pem = RequestPem(csr); !pem) {
    errors.push_back(api::InvalidValue("spec.request", "<request data>",
                                       "must be base64-encoded PEM data"));
  } else if (auto parsed = x509::ParseCertificateRequest(*pem); !parsed.ok()) {
    errors.push_back(api::InvalidValue("spec.request", "<request data>", parsed.status().message()));
  }
  ValidateSignerName(Str(*spec, "signerName"), errors);

  const json::value* usages = spec->if_contains("usages");
  if (usages == nullptr || !usages->is_array() || usages->get_array().empty()) {
    errors.push_back(api::RequiredValue("spec.usages"));
  } else {
    const json::array& list = usages->get_array();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string field = "spec.usages[" + std::to_string(i) + "]";
      std::string_view usage = list[i].is_string() ? std::string_view(list[i].get_string()) : "";
      const auto& known = KnownUsages();
      if (std::find(known.begin(), known.end(), usage) == known.end()) {
        errors.push_back(api::NotSupportedValue(field, usage, known));
        continue;
      }
      for (size_t j = 0; j < i; ++j) {
        if (list[j] == list[i]) {
          errors.push_back(api::DuplicateValue(field, usage));
          break;
        }
      }
    }
  }
  if (const json::value* e = spec->if_contains("expirationSeconds"); e && !e->is_null()) {
    const std::string field = "spec.expirationSeconds";
    if (!e->is_int64()) {
      errors.push_back(api::InvalidValue(field, json::serialize(*e), "must be an integer"));
    } else if (e->get_int64() < kMinExpirationSeconds) {
      errors.push_back(api::InvalidValue(field, std::to_string(e->get_int64()),
                                         "may not specify a duration less than 600 seconds (10 minutes)"));
    } else if (e->get_int64() > kMaxExpirationSeconds) {
      errors.push_back(api::InvalidValue(field, std::to_string(e->get_int64()),
                                         "may not specify a duration larger than 2147483647 seconds"));
    }
  }
}

void ValidateConditions(const json::object& csr, api::FieldErrors& errors) {
  const json::array* conditions = Conditions(csr);
  if (conditions == nullptr) return;
  bool approved = false, denied = false;
  for (size_t i = 0; i < conditions->size(); ++i) {
    const std::string field = "status.conditions[" + std::to_string(i) + "]";
    const json::object* c = (*conditions)[i].if_object();
    if (c == nullptr) {
      errors.push_back(api::InvalidValue(field, json::serialize((*conditions)[i]), "must be an object"));
      continue;
    }
    const std::string type = Str(*c, "type"), status = Str(*c, "status");
    if (type.empty()) errors.push_back(api::RequiredValue(field + ".type"));
    if (status.empty()) {
      errors.push_back(api::RequiredValue(field + ".status"));
    } else if (type == "Approved" || type == "Denied") {
      if (status != "True") errors.push_back(api::NotSupportedValue(field + ".status", status, {"True"}));
    } else if (status != "True" && status != "False" && status != "Unknown") {
      errors.push_back(api::NotSupportedValue(field + ".status", status, {"False", "True", "Unknown"}));
    }
    if (type == "Approved" || type == "Denied" || type == "Failed") {
      for (size_t j = 0; j < i; ++j) {
        const json::object* earlier = (*conditions)[j].if_object();
        if (earlier && Str(*earlier, "type") == type) {
          errors.push_back(api::DuplicateValue(field + ".type", type));
          break;
        }
      }
    }
    approved = approved || type == "Approved";
    denied = denied || type == "Denied";
  }
  if (approved && denied) {
    errors.push_back(api::InvalidValue("status.conditions", "<conditions>",
                                       "Approved and Denied conditions are mutually exclusive"));
  }
}

void ValidateStatusUpdate(const json::object& next, const json::object& old,
                          api::FieldErrors& errors) {
  ValidateConditions(next, errors);
  for (std::string_view type : {"Approved", "Denied", "Failed"}) {
    if (CountOf(next, type) < CountOf(old, type)) {
      errors.push_back(api::ForbiddenValue(
          "status.conditions", "updates may not remove a condition of type \"" + std::string(type) + "\""));
    }
  }
  const std::string before = Certificate(old);
  const std::string after = Certificate(next);
  const json::object* status = Obj(next, "status");
  const json::value* raw = status ? status->if_contains("certificate") : nullptr;
  if (raw && !raw->is_null() && after.empty() &&
      !(raw->is_string() && raw->get_string().empty())) {
    errors.push_back(api::InvalidValue("status.certificate", "<certificate data>",
                                       "must be base64-encoded PEM data"));
    return;
  }
  if (!before.empty() && after != before) {
    errors.push_back(api::ForbiddenValue("status.certificate",
                                         "updates may not modify existing certificate content"));
    return;
  }
  if (!after.empty() && before.empty()) {
    if (!HasCondition(next, "Approved")) {
      errors.push_back(api::ForbiddenValue("status.certificate",
                                           "may only be set once the request is Approved"));
    } else if (!x509::ReadSubject(after).ok()) {
      errors.push_back(api::InvalidValue("status.certificate", "<certificate data>",
                                         "must contain one or more PEM blocks of type CERTIFICATE"));
    }
  }
}

// lastUpdateTime is now when unset; lastTransitionTime is kept from the old condition of the
// same type and status, else now.
void StampConditions(json::object& next, const json::object& old) {
  json::object* status = next.if_contains("status") ? next["status"].if_object() : nullptr;
  json::value* c = status ? status->if_contains("conditions") : nullptr;
  if (c == nullptr || !c->is_array()) return;
  const std::string now = Rfc3339(std::chrono::system_clock::now());
  for (auto& value : c->get_array()) {
    json::object* cond = value.if_object();
    if (cond == nullptr) continue;
    if (Str(*cond, "lastUpdateTime").empty()) (*cond)["lastUpdateTime"] = now;
    if (!Str(*cond, "lastTransitionTime").empty()) continue;
    std::string transition = now;
    if (const json::array* previous = Conditions(old)) {
      for (const auto& p : *previous) {
        const json::object* o = p.if_object();
        if (o && Str(*o, "type") == Str(*cond, "type") && Str(*o, "status") == Str(*cond, "status") &&
            !Str(*o, "lastTransitionTime").empty()) {
          transition = Str(*o, "lastTransitionTime");
        }
      }
    }
    (*cond)["lastTransitionTime"] = transition;
  }
}

std::optional<api::ApiError> Invalid(const json::object& csr, api::FieldErrors errors) {
  if (errors.empty()) return std::nullopt;
  return api::NewInvalid(kGroup, kKind, MetaString(csr, "name"), std::move(errors));
}

}  // namespace

bool IsCsr(const ResourceType& type) {
  return type.group == kGroup && type.resource == "certificatesigningrequests";
}

std::optional<api::ApiError> PrepareForCreate(json::object& csr, const UserInfo& requester) {
  // The groups as Kubernetes' authenticators report them (system:authenticated included).
  const UserInfo user = authz::WithImplicitGroups(requester);
  csr.erase("status");
  json::object& spec = MutableChild(csr, "spec");
  spec["username"] = user.name;
  spec.erase("uid");
  if (!user.uid.empty()) spec["uid"] = user.uid;
  spec.erase("groups");
  if (!user.groups.empty()) spec["groups"] = json::value_from(user.groups);
  spec.erase("extra");
  if (!user.extra.empty()) {
    json::object extra;
    for (const auto& [key, values] : user.extra) extra[key] = json::value_from(values);
    spec["extra"] = std::move(extra);
  }
  api::FieldErrors errors;
  ValidateSpec(csr, errors);
  return Invalid(csr, std::move(errors));
}

std::optional<api::ApiError> PrepareForUpdate(json::object& next, const json::object& old,
                                              std::string_view subresource) {
  if (const json::value* spec = old.if_contains("spec")) {
    next["spec"] = *spec;
  } else {
    next.erase("spec");
  }
  if (subresource.empty()) return std::nullopt;  // status was kept by the REST layer
  json::object& status = MutableChild(next, "status");
  if (subresource == "approval") {
    // Only the conditions change through the approval subresource.
    status.erase("certificate");
    if (const json::object* s = Obj(old, "status"); s && s->contains("certificate")) {
      status["certificate"] = s->at("certificate");
    }
  } else {
    // Approval stays with the approval subresource: Approved/Denied as they were.
    json::array conditions;
    if (const json::value* c = status.if_contains("conditions"); c && c->is_array()) {
      for (const auto& v : c->get_array()) {
        const json::object* o = v.if_object();
        const std::string type = o ? Str(*o, "type") : "";
        if (type != "Approved" && type != "Denied") conditions.push_back(v);
      }
    }
    if (const json::array* previous = Conditions(old)) {
      for (const auto& v : *previous) {
        const json::object* o = v.if_object();
        const std::string type = o ? Str(*o, "type") : "";
        if (type == "Approved" || type == "Denied") conditions.push_back(v);
      }
    }
    status.erase("conditions");
    if (!conditions.empty()) status["conditions"] = std::move(conditions);
  }
  if (status.empty()) next.erase("status");
  StampConditions(next, old);
  api::FieldErrors errors;
  ValidateStatusUpdate(next, old, errors);
  return Invalid(next, std::move(errors));
}

std::optional<std::string> RequestPem(const json::object& csr) {
  const json::object* spec = Obj(csr, "spec");
  const json::value* request = spec ? spec->if_contains("request") : nullptr;
  if (request == nullptr || !request->is_string()) return std::nullopt;
  return Base64Decode(request->get_string());
}

std::vector<std::string> Usages(const json::object& csr) {
  std::vector<std::string> out;
  const json::object* spec = Obj(csr, "spec");
  const json::value* usages = spec ? spec->if_contains("usages") : nullptr;
  if (usages && usages->is_array()) {
    for (const auto& u : usages->get_array()) {
      if (u.is_string()) out.emplace_back(u.get_string());
    }
  }
  return out;
}

bool HasCondition(const json::object& csr, std::string_view type) {
  if (const json::array* conditions = Conditions(csr)) {
    for (const auto& c : *conditions) {
      const json::object* o = c.if_object();
      if (o && Str(*o, "type") == type && Str(*o, "status") != "False" &&
          Str(*o, "status") != "Unknown") {
        return true;
      }
    }
  }
  return false;
}

std::string Certificate(const json::object& csr) {
  const json::object* status = Obj(csr, "status");
  const json::value* cert = status ? status->if_contains("certificate") : nullptr;
  if (cert == nullptr || !cert->is_string()) return "";
  return Base64Decode(cert->get_string()).value_or("");
}

std::string ConditionText(const json::object& csr) {
  std::string text = HasCondition(csr, "Denied")     ? "Denied"
                     : HasCondition(csr, "Approved") ? "Approved"
                                                     : "Pending";
  if (HasCondition(csr, "Failed")) text += ",Failed";
  if (!Certificate(csr).empty()) text += ",Issued";
  return text;
}

}  // namespace carrier::apiserver::csr
