#include "apiserver/admission/webhook.h"

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "api/json_patch.h"
#include "api/label_selector.h"
#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/webhook_client.h"
#include "apiserver/object_meta.h"
#include "base/base64.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

std::string Str(const json::object& o, std::string_view f, std::string fallback = "") {
  auto* v = o.if_contains(f);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

const json::object* Obj(const json::object& o, std::string_view f) {
  auto* v = o.if_contains(f);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

bool HasOrStar(const json::object& o, std::string_view f, std::string_view value) {
  auto* v = o.if_contains(f);
  if (!v || !v->is_array()) return false;
  for (const auto& x : v->get_array()) {
    if (x.is_string() && (x.get_string() == "*" || x.get_string() == value)) return true;
  }
  return false;
}

bool ResourceRuleMatches(const json::object& rule, const Request& r, bool equivalent) {
  if (!HasOrStar(rule, "operations", OperationName(r.operation))) return false;
  if (!HasOrStar(rule, "apiGroups", r.type->group)) return false;
  if (!equivalent && !HasOrStar(rule, "apiVersions", r.type->version)) return false;
  auto* resources = rule.if_contains("resources");
  if (!resources || !resources->is_array()) return false;
  bool matched = false;
  for (const auto& x : resources->get_array()) {
    if (!x.is_string()) continue;
    std::string_view want = x.get_string();
    auto slash = want.find('/');
    std::string_view res = want.substr(0, slash);
    std::string_view sub = slash == std::string_view::npos ? "" : want.substr(slash + 1);
    if (slash == std::string_view::npos) {
      if (r.subresource.empty() && (res == "*" || res == r.type->resource)) matched = true;
    } else if ((res == "*" || res == r.type->resource) && (sub == "*" || sub == r.subresource)) {
      matched = true;
    }
  }
  if (!matched) return false;
  std::string scope = Str(rule, "scope", "*");
  if (scope == "Cluster" && r.type->namespaced) return false;
  if (scope == "Namespaced" && !r.type->namespaced) return false;
  return true;
}

const json::value* LabelsOf(const json::object* obj) {
  if (!obj) return nullptr;
  const json::object* meta = Obj(*obj, "metadata");
  return meta ? meta->if_contains("labels") : nullptr;
}

json::object UserInfoJson(const UserInfo& u) {
  json::object o{{"username", u.name}};
  if (!u.uid.empty()) o["uid"] = u.uid;
  json::array groups;
  for (const auto& g : u.groups) groups.emplace_back(g);
  o["groups"] = std::move(groups);
  if (!u.extra.empty()) {
    json::object extra;
    for (const auto& [k, vs] : u.extra) {
      json::array a;
      for (const auto& v : vs) a.emplace_back(v);
      extra[k] = std::move(a);
    }
    o["extra"] = std::move(extra);
  }
  return o;
}

class Webhooks : public Plugin {
 public:
  Webhooks(storage::Store& store, bool mutating) : store_(store), mutating_(mutating) {}
  std::string_view name() const override {
    return mutating_ ? "MutatingAdmissionWebhook" : "ValidatingAdmissionWebhook";
  }

  std::optional<api::ApiError> Admit(Request& r) override {
    if (!mutating_ || Exempt(r)) return std::nullopt;
    Matched matched = Matching(r);
    std::vector<const json::object*> reinvoke;
    bool changed_after = false;
    for (const json::object* hook : matched.hooks) {
      bool changed = false;
      if (auto e = Call(r, *hook, &changed)) return e;
      if (changed) changed_after = true;
      if (Str(*hook, "reinvocationPolicy", "Never") == "IfNeeded") {
        reinvoke.push_back(hook);
        changed_after = false;
      }
    }
    // IfNeeded: once more, for webhooks that saw the object before a later change.
    if (!reinvoke.empty() && changed_after) {
      for (const json::object* hook : reinvoke) {
        bool changed = false;
        if (auto e = Call(r, *hook, &changed)) return e;
      }
    }
    return std::nullopt;
  }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (mutating_ || Exempt(r)) return std::nullopt;
    Request copy = r;  // validating webhooks cannot change the object
    json::object object_copy;
    if (r.object) {
      object_copy = *r.object;
      copy.object = &object_copy;
    }
    Matched matched = Matching(copy);
    for (const json::object* hook : matched.hooks) {
      if (auto e = Call(copy, *hook, nullptr)) return e;
    }
    r.warnings = copy.warnings;
    return std::nullopt;
  }

 private:
  // Webhook configurations themselves are never sent to webhooks.
  static bool Exempt(const Request& r) {
    return !r.type || (r.type->group == "admissionregistration.k8s.io");
  }

  // The matching webhooks; `hooks` point into `configs` (a moved vector keeps its elements).
  struct Matched {
    std::vector<json::object> configs;
    std::vector<const json::object*> hooks;
  };

  Matched Matching(const Request& r) {
    Matched m;
    m.configs = ListObjects(
        store_, r.cluster, "admissionregistration.k8s.io",
        mutating_ ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations", "");
    std::optional<json::object> ns_obj;
    bool ns_loaded = false;
    for (const auto& config : m.configs) {
      auto* hooks = config.if_contains("webhooks");
      if (!hooks || !hooks->is_array()) continue;
      for (const auto& h : hooks->get_array()) {
        if (!h.is_object()) continue;
        const json::object& hook = h.get_object();
        bool equivalent = Str(hook, "matchPolicy", "Equivalent") == "Equivalent";
        bool rule_match = false;
        if (auto* rules = hook.if_contains("rules"); rules && rules->is_array()) {
          for (const auto& rule : rules->get_array()) {
            if (rule.is_object() && ResourceRuleMatches(rule.get_object(), r, equivalent)) {
              rule_match = true;
            }
          }
        }
        if (!rule_match) continue;
        if (const json::object* sel = Obj(hook, "objectSelector")) {
          auto selector = api::LabelSelector::FromJson(json::value(*sel));
          if (!selector.ok()) continue;
          const json::value* a = LabelsOf(r.object);
          const json::value* b = LabelsOf(r.old_object);
          if (!selector->Matches(a ? *a : json::value()) &&
              !selector->Matches(b ? *b : json::value())) {
            continue;
          }
        }
        if (const json::object* sel = Obj(hook, "namespaceSelector")) {
          auto selector = api::LabelSelector::FromJson(json::value(*sel));
          if (!selector.ok()) continue;
          const json::value* labels = nullptr;
          if (r.Is("", "namespaces")) {
            labels = LabelsOf(r.object ? r.object : r.old_object);
          } else if (r.type->namespaced) {
            if (!ns_loaded) {
              const ResourceType* t = ResourceCatalog::BuiltIn().Find("", "v1", "namespaces");
              ns_obj = ReadObject(store_, ObjectKey(r.cluster, *t, "", r.namespace_));
              ns_loaded = true;
            }
            labels = ns_obj ? LabelsOf(&*ns_obj) : nullptr;
          }
          if ((r.type->namespaced || r.Is("", "namespaces")) &&
              !selector->Matches(labels ? *labels : json::value())) {
            continue;
          }
        }
        m.hooks.push_back(&hook);
      }
    }
    return m;
  }

  Result<WebhookEndpoint> EndpointOf(const Request& r, const json::object& client) {
    Result<WebhookEndpoint> endpoint = Status(Code::kInvalidArgument, "no clientConfig");
    if (auto url = Str(client, "url"); !url.empty()) {
      endpoint = EndpointFromUrl(url);
    } else if (const json::object* svc = Obj(client, "service")) {
      const std::string ns = Str(*svc, "namespace"), name = Str(*svc, "name");
      WebhookEndpoint e;
      e.server_name = name + "." + ns + ".svc";
      e.host = e.server_name;
      int64_t port = 443;
      if (auto* p = svc->if_contains("port"); p && p->is_int64()) port = p->get_int64();
      e.port = std::to_string(port);
      e.path = Str(*svc, "path", "/");
      // The Service's endpoints, when it has them, say where to connect.
      const ResourceType* t = ResourceCatalog::BuiltIn().Find("", "v1", "endpoints");
      if (auto eps = ReadObject(store_, ObjectKey(r.cluster, *t, ns, name))) {
        auto* subsets = eps->if_contains("subsets");
        if (subsets && subsets->is_array() && !subsets->get_array().empty() &&
            subsets->get_array()[0].is_object()) {
          const json::object& s = subsets->get_array()[0].get_object();
          auto* addrs = s.if_contains("addresses");
          if (addrs && addrs->is_array() && !addrs->get_array().empty() &&
              addrs->get_array()[0].is_object()) {
            e.host = Str(addrs->get_array()[0].get_object(), "ip", e.host);
          }
          auto* ports = s.if_contains("ports");
          if (ports && ports->is_array() && !ports->get_array().empty() &&
              ports->get_array()[0].is_object()) {
            auto* p = ports->get_array()[0].get_object().if_contains("port");
            if (p && p->is_int64()) e.port = std::to_string(p->get_int64());
          }
        }
      }
      endpoint = e;
    }
    if (!endpoint.ok()) return endpoint;
    if (auto ca = Str(client, "caBundle"); !ca.empty()) {
      auto decoded = Base64Decode(ca);
      if (!decoded) return Status(Code::kInvalidArgument, "caBundle is not base64");
      endpoint->ca_bundle_pem = *decoded;
    }
    return endpoint;
  }

  json::object Review(const Request& r, const std::string& uid) {
    json::object kind{
        {"group", r.type->group}, {"version", r.type->version}, {"kind", r.type->kind}};
    json::object resource{
        {"group", r.type->group}, {"version", r.type->version}, {"resource", r.type->resource}};
    json::object req{
        {"uid", uid},
        {"kind", kind},
        {"resource", resource},
        {"requestKind", kind},
        {"requestResource", resource},
        {"name", r.name},
        {"operation", OperationName(r.operation)},
        {"userInfo", r.user ? UserInfoJson(*r.user) : json::object{}},
        {"object", r.object ? json::value(*r.object) : json::value(nullptr)},
        {"oldObject", r.old_object ? json::value(*r.old_object) : json::value(nullptr)},
        {"dryRun", r.dry_run}};
    if (!r.namespace_.empty()) req["namespace"] = r.namespace_;
    if (!r.subresource.empty()) {
      req["subResource"] = r.subresource;
      req["requestSubResource"] = r.subresource;
    }
    const char* options_kind = r.operation == Operation::kCreate   ? "CreateOptions"
                               : r.operation == Operation::kUpdate ? "UpdateOptions"
                                                                   : "DeleteOptions";
    req["options"] = json::object{{"kind", options_kind}, {"apiVersion", "meta.k8s.io/v1"}};
    return {{"kind", "AdmissionReview"},
            {"apiVersion", "admission.k8s.io/v1"},
            {"request", std::move(req)}};
  }

  // Calls one webhook; `changed` (mutating only) says whether its patch changed the object.
  std::optional<api::ApiError> Call(Request& r, const json::object& hook, bool* changed) {
    const std::string name = Str(hook, "name");
    const bool ignore = Str(hook, "failurePolicy", "Fail") == "Ignore";
    const std::string side_effects = Str(hook, "sideEffects", "Unknown");
    if (r.dry_run && side_effects != "None" && side_effects != "NoneOnDryRun") {
      return api::ApiError{
          Status(Code::kBadRequest, "admission webhook \"" + name + "\" does not support dry run"),
          {}};
    }
    int64_t timeout = 10;
    if (auto* t = hook.if_contains("timeoutSeconds"); t && t->is_int64()) {
      timeout = std::clamp<int64_t>(t->get_int64(), 1, 30);
    }
    const json::object* client = Obj(hook, "clientConfig");
    auto fail = [&](const std::string& why) -> std::optional<api::ApiError> {
      if (ignore) return std::nullopt;
      return api::ApiError{Status(Code::kInternal,
                                  "Internal error occurred: failed calling "
                                  "webhook \"" +
                                      name + "\": " + why),
                           {}};
    };
    if (!client) return fail("no clientConfig");
    auto endpoint = EndpointOf(r, *client);
    if (!endpoint.ok()) return fail(endpoint.status().message());
    endpoint->path += (endpoint->path.find('?') == std::string::npos ? "?" : "&") +
                      std::string("timeout=") + std::to_string(timeout) + "s";
    const std::string uid = NewUid();
    auto answer =
        PostJson(*endpoint, json::serialize(Review(r, uid)), std::chrono::seconds(timeout));
    const std::string target =
        "Post \"https://" + endpoint->server_name + ":" + endpoint->port + endpoint->path + "\"";
    if (!answer.ok()) {
      return fail("failed to call webhook: " + target + ": " + answer.status().message());
    }
    auto decoded = api::DecodeJson(*answer);
    const json::object* response = nullptr;
    if (decoded.ok() && decoded->is_object()) response = Obj(decoded->get_object(), "response");
    if (!response) return fail("received invalid webhook response: no response");
    if (Str(*response, "uid") != uid) {
      return fail("received invalid webhook response: expected response.uid=\"" + uid +
                  "\", got \"" + Str(*response, "uid") + "\"");
    }
    if (auto* w = response->if_contains("warnings"); w && w->is_array()) {
      for (const auto& x : w->get_array()) {
        if (x.is_string()) r.warnings.emplace_back(x.get_string());
      }
    }
    auto* allowed = response->if_contains("allowed");
    if (!allowed || !allowed->is_bool() || !allowed->get_bool()) {
      std::string message;
      int code = 403;
      if (const json::object* st = Obj(*response, "status")) {
        message = Str(*st, "message");
        if (auto* c = st->if_contains("code"); c && c->is_int64())
          code = static_cast<int>(c->get_int64());
      }
      std::string text = "admission webhook \"" + name + "\" denied the request" +
                         (message.empty() ? " without explanation" : ": " + message);
      Code status_code = code == 400   ? Code::kBadRequest
                         : code == 404 ? Code::kNotFound
                         : code == 409 ? Code::kConflict
                         : code == 422 ? Code::kInvalidArgument
                         : code == 429 ? Code::kTooManyRequests
                         : code >= 500 ? Code::kInternal
                                       : Code::kForbidden;
      return api::ApiError{Status(status_code, text), {}};
    }
    if (auto patch = Str(*response, "patch"); !patch.empty()) {
      if (!mutating_ || !r.object) return fail("a validating webhook returned a patch");
      if (Str(*response, "patchType", "JSONPatch") != "JSONPatch") {
        return fail("unsupported patchType " + Str(*response, "patchType"));
      }
      auto bytes = Base64Decode(patch);
      if (!bytes) return fail("received invalid webhook response: patch is not base64");
      auto ops = api::DecodeJson(*bytes);
      if (!ops.ok()) return fail("received invalid webhook response: patch is not JSON");
      json::value doc(*r.object);
      if (auto st = api::ApplyJsonPatch(doc, *ops); !st.ok()) {
        return fail("JSON patch failed: " + st.message());
      }
      if (!doc.is_object()) return fail("the patch did not produce an object");
      if (changed && !api::JsonEqual(doc, json::value(*r.object))) *changed = true;
      *r.object = std::move(doc.get_object());
    }
    return std::nullopt;
  }

  storage::Store& store_;
  bool mutating_;
};

}  // namespace

std::unique_ptr<Plugin> NewMutatingWebhooks(storage::Store& store) {
  return std::make_unique<Webhooks>(store, true);
}
std::unique_ptr<Plugin> NewValidatingWebhooks(storage::Store& store) {
  return std::make_unique<Webhooks>(store, false);
}

}  // namespace carrier::apiserver::admission
