#include "hcp/objects.h"

#include <boost/json.hpp>
#include <thread>

namespace carrier::hcp {

namespace json = boost::json;

namespace {
// A request that got no HTTP answer, naming the server.
Status Unreachable(const client::RestClient& api, const Status& status) {
  return Status(status.code(), api.config().server + ": " + status.message());
}
}  // namespace

std::string PathOf(std::string_view kind, const std::string& ns, const std::string& name) {
  std::string path;
  if (kind == "Namespace") return "/api/v1/namespaces" + (name.empty() ? "" : "/" + name);
  if (kind == "Secret") path = "/api/v1/namespaces/" + ns + "/secrets";
  else if (kind == "ConfigMap") path = "/api/v1/namespaces/" + ns + "/configmaps";
  else if (kind == "HostedCluster") path = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + ns + "/hostedclusters";
  else if (kind == "NodePool") path = "/apis/hypershift.openshift.io/v1beta1/namespaces/" + ns + "/nodepools";
  return name.empty() ? path : path + "/" + name;
}

Status Create(client::RestClient& api, const json::object& object) {
  const std::string kind(object.at("kind").as_string());
  const json::object& meta = object.at("metadata").as_object();
  const std::string ns = meta.contains("namespace") ? std::string(meta.at("namespace").as_string()) : "";
  auto r = api.Do("POST", PathOf(kind, ns), json::serialize(object));
  if (!r.ok()) return Unreachable(api, r.status());
  if (r->status == 201 || r->status == 200) return {};
  if (r->status == 409 && kind == "Namespace") return {};
  const Code code = r->status == 409 ? Code::kAlreadyExists : Code::kInvalidArgument;
  return Status(code, client::ErrorMessage(*r));
}

Result<std::optional<json::object>> Get(client::RestClient& api, const std::string& path) {
  auto r = api.Do("GET", path);
  if (!r.ok()) return Unreachable(api, r.status());
  if (r->status == 404) return std::optional<json::object>();
  if (r->status != 200) return Status(Code::kUnavailable, client::ErrorMessage(*r));
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return Status(Code::kDataLoss, "the server answered " + path + " with something not JSON");
  return std::optional<json::object>(std::move(v.as_object()));
}

Status Delete(client::RestClient& api, const std::string& path) {
  auto r = api.Do("DELETE", path);
  if (!r.ok()) return Unreachable(api, r.status());
  if (r->status == 200 || r->status == 202 || r->status == 404) return {};
  return Status(Code::kUnavailable, client::ErrorMessage(*r));
}

Status WaitForCondition(client::RestClient& api, const std::string& ns, const std::string& name,
                        const std::string& type, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no status yet";
  for (;;) {
    auto hc = Get(api, PathOf("HostedCluster", ns, name));
    if (!hc.ok()) return hc.status();
    if (!*hc) return Status(Code::kNotFound, "hostedcluster " + ns + "/" + name + " does not exist");
    const json::value* conditions = nullptr;
    if (const auto* status = (*hc)->if_contains("status"); status && status->is_object()) {
      conditions = status->get_object().if_contains("conditions");
    }
    if (conditions && conditions->is_array()) {
      for (const auto& c : conditions->get_array()) {
        const json::object* o = c.if_object();
        if (!o || !o->contains("type") || o->at("type") != json::value(type)) continue;
        if (o->contains("status") && o->at("status") == "True") return {};
        if (const auto* m = o->if_contains("message"); m && m->is_string()) last = std::string(m->get_string());
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kTimeout, "hostedcluster " + ns + "/" + name + " is not " + type + ": " + last);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace carrier::hcp
