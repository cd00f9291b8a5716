#include "apiserver/authn/authentication_api.h"

#include <boost/json.hpp>

#include <chrono>

#include "api/json_decode.h"
#include "api/status_json.h"
#include "apiserver/authn/service_account_token.h"
#include "apiserver/authn/token_request_protobuf.h"
#include "apiserver/object_meta.h"
#include "apiserver/responses.h"

namespace carrier::apiserver::authn {

namespace json = boost::json;

namespace {

constexpr std::string_view kGroup = "authentication.k8s.io";
constexpr uint64_t kMaxBodyBytes = 1 << 20;

json::object UserInfoJson(const UserInfo& user) {
  json::object extra;
  for (const auto& [k, v] : user.extra) extra[k] = json::value_from(v);
  json::object out{{"username", user.name}, {"groups", json::value_from(user.groups)}};
  if (!user.uid.empty()) out["uid"] = user.uid;
  if (!extra.empty()) out["extra"] = std::move(extra);
  return out;
}

std::string Now() { return Rfc3339(std::chrono::system_clock::now()); }

// The body as a JSON object; kBadRequest when it is not one.
Result<json::object> BodyObject(const std::string& body) {
  auto value = api::DecodeJson(body);
  if (!value.ok()) return value.status();
  if (!value->is_object()) return Status(Code::kBadRequest, "the request body is not a JSON object");
  return std::move(value->as_object());
}

const json::object* ObjectAt(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::string StringAt(const json::object& obj, std::string_view key) {
  auto* v = obj.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A string array field; nullopt when present but not an array of strings.
std::optional<std::vector<std::string>> StringsAt(const json::object& obj, std::string_view key) {
  std::vector<std::string> out;
  auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return std::nullopt;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

void Fail(const std::shared_ptr<http::Exchange>& ex, const api::ApiError& error) {
  ex->Respond(ErrorResponse(error));
}

void ServeTokenReview(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info,
                      const AuthenticationApiContext& ctx, const std::string& body) {
  auto obj = BodyObject(body);
  if (!obj.ok()) return Fail(ex, {obj.status(), {}});
  const json::object* spec = ObjectAt(*obj, "spec");
  const std::string token = spec ? StringAt(*spec, "token") : std::string();
  auto audiences = spec ? StringsAt(*spec, "audiences") : std::vector<std::string>{};
  if (token.empty()) {
    return Fail(ex, api::NewInvalid(kGroup, "TokenReview", "",
                                    {api::RequiredValue("spec.token", "")}));
  }
  if (!audiences) {
    return Fail(ex, api::NewInvalid(kGroup, "TokenReview", "",
                                    {api::InvalidValue("spec.audiences", "", "must be a list of strings")}));
  }
  json::object status;
  auto result = ctx.authenticator->AuthenticateToken(token, *audiences, ctx.lookup,
                                                     std::chrono::system_clock::now());
  if (result.ok()) {
    status = {{"authenticated", true},
              {"user", UserInfoJson(result->user)},
              {"audiences", json::value_from(result->audiences)}};
  } else {
    status = {{"authenticated", false}, {"error", result.status().message()}};
  }
  json::object spec_out{{"token", token}};
  if (!audiences->empty()) spec_out["audiences"] = json::value_from(*audiences);
  json::object out{{"kind", "TokenReview"},
                   {"apiVersion", std::string(kGroup) + "/" + info.version},
                   {"metadata", json::object{{"creationTimestamp", nullptr}}},
                   {"spec", std::move(spec_out)},
                   {"status", std::move(status)}};
  ex->Respond(JsonResponse(201, out));
}

void ServeSelfSubjectReview(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info,
                            const UserInfo& user, const std::string& body) {
  if (!body.empty()) {
    auto obj = BodyObject(body);
    if (!obj.ok()) return Fail(ex, {obj.status(), {}});
  }
  json::object out{{"kind", "SelfSubjectReview"},
                   {"apiVersion", std::string(kGroup) + "/" + info.version},
                   {"metadata", json::object{{"creationTimestamp", Now()}}},
                   {"status", json::object{{"userInfo", UserInfoJson(user)}}}};
  ex->Respond(JsonResponse(201, out));
}

void ServeTokenRequest(const std::shared_ptr<http::Exchange>& ex, const RequestInfo& info,
                       const AuthenticationApiContext& ctx, const std::string& body) {
  auto obj = BodyObject(body.empty() ? std::string("{}") : body);
  if (!obj.ok()) return Fail(ex, {obj.status(), {}});
  auto invalid = [&](api::FieldError e) {
    Fail(ex, api::NewInvalid(kGroup, "TokenRequest", info.name, {std::move(e)}));
  };
  const json::object empty;
  const json::object* spec = ObjectAt(*obj, "spec");
  if (spec == nullptr) spec = &empty;
  auto audiences = StringsAt(*spec, "audiences");
  if (!audiences) return invalid(api::InvalidValue("spec.audiences", "", "must be a list of strings"));
  int64_t seconds = kDefaultTokenSeconds;
  if (auto* e = spec->if_contains("expirationSeconds"); e && !e->is_null()) {
    if (e->is_int64()) {
      seconds = e->get_int64();
    } else if (e->is_uint64()) {
      seconds = e->get_uint64() > static_cast<uint64_t>(kMaxTokenSeconds) ? kMaxTokenSeconds + 1
                                                                           : static_cast<int64_t>(e->get_uint64());
    } else {
      return invalid(api::InvalidValue("spec.expirationSeconds", json::serialize(*e), "must be an integer"));
    }
    if (seconds < kMinTokenSeconds) {
      return invalid(api::InvalidValue("spec.expirationSeconds", std::to_string(seconds),
                                       "may not specify a duration less than 10 minutes"));
    }
    if (seconds > kMaxTokenSeconds) {
      return invalid(api::InvalidValue("spec.expirationSeconds", std::to_string(seconds),
                                       "may not specify a duration larger than 2^32 seconds"));
    }
  }
  auto account = ctx.lookup("serviceaccounts", info.namespace_, info.name);
  if (!account) return Fail(ex, api::NewNotFound("", "serviceaccounts", info.name));
  const json::object* meta = ObjectAt(*account, "metadata");
  ServiceAccountTokenSpec token;
  token.issuer = ctx.authenticator->keys().issuer;
  token.audiences = audiences->empty()
                        ? (ctx.authenticator->keys().audiences.empty()
                               ? std::vector<std::string>{token.issuer}
                               : ctx.authenticator->keys().audiences)
                        : *audiences;
  token.ns = info.namespace_;
  token.name = info.name;
  token.uid = meta ? StringAt(*meta, "uid") : std::string();
  token.issued_at = std::chrono::system_clock::now();
  token.lifetime = std::chrono::seconds(seconds);
  json::value bound_json = nullptr;
  if (const json::object* ref = ObjectAt(*spec, "boundObjectRef")) {
    const std::string kind = StringAt(*ref, "kind");
    const std::string name = StringAt(*ref, "name");
    if (kind != "Pod" && kind != "Secret") {
      return invalid(api::InvalidValue("spec.boundObjectRef.kind", kind, "must be Pod or Secret"));
    }
    if (name.empty()) return invalid(api::RequiredValue("spec.boundObjectRef.name"));
    auto object = ctx.lookup(kind == "Pod" ? "pods" : "secrets", info.namespace_, name);
    if (!object) return Fail(ex, api::NewNotFound("", kind == "Pod" ? "pods" : "secrets", name));
    const json::object* bound_meta = ObjectAt(*object, "metadata");
    const std::string uid = bound_meta ? StringAt(*bound_meta, "uid") : std::string();
    const std::string wanted = StringAt(*ref, "uid");
    if (!wanted.empty() && wanted != uid) {
      return Fail(ex, api::NewConflict("", kind == "Pod" ? "pods" : "secrets", name,
                                       "the UID in the bound object reference (" + wanted +
                                           ") does not match the object's (" + uid + ")"));
    }
    token.bound = BoundObject{kind, name, uid};
    bound_json = json::object{{"kind", kind}, {"apiVersion", "v1"}, {"name", name}, {"uid", uid}};
  }
  auto key = ctx.signing_key();
  if (!key.ok()) return Fail(ex, {key.status(), {}});
  auto signed_token = IssueServiceAccountToken(token, *key);
  if (!signed_token.ok()) return Fail(ex, {signed_token.status(), {}});
  json::object spec_out{{"audiences", json::value_from(token.audiences)},
                        {"expirationSeconds", seconds},
                        {"boundObjectRef", std::move(bound_json)}};
  json::object out{
      {"kind", "TokenRequest"},
      {"apiVersion", std::string(kGroup) + "/v1"},
      {"metadata", json::object{{"name", info.name},
                                {"namespace", info.namespace_},
                                {"creationTimestamp", Rfc3339(token.issued_at)}}},
      {"spec", std::move(spec_out)},
      {"status", json::object{{"token", *signed_token},
                              {"expirationTimestamp", Rfc3339(token.issued_at + token.lifetime)}}}};
  ex->Respond(JsonResponse(201, out));
}

}  // namespace

bool IsAuthenticationApiRequest(const RequestInfo& info) {
  if (!info.is_resource) return false;
  if (info.group == kGroup) {
    return (info.version == "v1" && info.resource == "tokenreviews") ||
           ((info.version == "v1" || info.version == "v1beta1") &&
            info.resource == "selfsubjectreviews");
  }
  return info.group.empty() && info.version == "v1" && info.resource == "serviceaccounts" &&
         info.subresource == "token";
}

void ServeAuthenticationApi(std::shared_ptr<http::Exchange> exchange, const RequestInfo& info,
                            const UserInfo& user, AuthenticationApiContext context) {
  auto token_request_body = [](const RequestInfo& i) { return i.subresource == "token"; };
  const bool token_request = info.subresource == "token";
  // Only create exists; collections and named objects are not addressable.
  if (info.verb != "create" || (!token_request && !info.name.empty())) {
    return Fail(exchange, api::NewMethodNotSupported(token_request ? "" : std::string(kGroup),
                                                     token_request ? "serviceaccounts/token" : info.resource,
                                                     info.verb));
  }
  exchange->ReadBodyToString(
      kMaxBodyBytes, [exchange, info, user, context = std::move(context), token_request_body](
                         Status st, std::string body) {
        if (!st.ok()) return Fail(exchange, {st, {}});
        if (IsKubernetesProtobuf(exchange->request().Header("Content-Type"))) {
          if (info.resource == "selfsubjectreviews") {
            auto type = DecodeProtobufTypeMeta(body);
            if (!type.ok()) return Fail(exchange, {type.status(), {}});
            return ServeSelfSubjectReview(exchange, info, user, "");
          }
          if (token_request_body(info)) {
            auto request = DecodeProtobufTokenRequest(body);
            if (!request.ok()) return Fail(exchange, {request.status(), {}});
            return ServeTokenRequest(exchange, info, context, json::serialize(*request));
          }
          return Fail(exchange, {Status(Code::kUnsupportedMedia,
                                        "the body of the request was in an unknown format - "
                                        "accepted media types include: application/json"),
                                 {}});
        }
        if (info.resource == "tokenreviews") return ServeTokenReview(exchange, info, context, body);
        if (info.resource == "selfsubjectreviews") {
          return ServeSelfSubjectReview(exchange, info, user, body);
        }
        ServeTokenRequest(exchange, info, context, body);
      });
}

}  // namespace carrier::apiserver::authn
