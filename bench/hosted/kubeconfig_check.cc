#include "kubeconfig_check.h"

#include <boost/json.hpp>

#include "base/base64.h"
#include "client/kubeconfig.h"
#include "client/rest_client.h"

namespace carrier::bench::hosted {

namespace json = boost::json;

namespace {

KubeconfigCheck Failed(KubeconfigCheck c, std::string why) {
  c.error = std::move(why);
  return c;
}

}  // namespace

KubeconfigCheck CheckAdminKubeconfig(api::Connection& root, const std::string& ns,
                                     const std::string& name) {
  KubeconfigCheck out;
  const std::string secret = name + "-admin-kubeconfig";
  const api::HttpRequest get{"GET", "/api/v1/namespaces/" + ns + "/secrets/" + secret, ""};
  auto answer = root.Do(get);
  if (!answer.ok()) return Failed(out, answer.status().ToString());
  if (answer->status != 200) return Failed(out, api::Describe(get, *answer));
  boost::system::error_code ec;
  json::value parsed = json::parse(answer->body, ec);
  const json::object* data = nullptr;
  if (!ec && parsed.is_object()) {
    if (auto it = parsed.as_object().find("data"); it != parsed.as_object().end()) {
      data = it->value().if_object();
    }
  }
  const json::value* encoded = data ? data->if_contains("kubeconfig") : nullptr;
  if (encoded == nullptr || !encoded->is_string()) {
    return Failed(out, "secret " + ns + "/" + secret + " has no data.kubeconfig");
  }
  auto text = Base64Decode(std::string(encoded->get_string()));
  if (!text) return Failed(out, "data.kubeconfig of " + ns + "/" + secret + " is not base64");
  auto config = client::ParseKubeconfig(*text, "");
  if (!config.ok()) return Failed(out, "kubeconfig of " + name + ": " + config.status().ToString());
  out.server = config->server;
  out.tls_server_name = config->tls_server_name;

  client::RestClient kube(*config);
  auto list = kube.Do("GET", "/api/v1/namespaces");
  if (!list.ok()) return Failed(out, "GET " + out.server + "/api/v1/namespaces: " + list.status().ToString());
  if (list->status != 200) {
    return Failed(out, "GET " + out.server + "/api/v1/namespaces -> " + std::to_string(list->status) +
                           ": " + client::ErrorMessage(*list));
  }
  json::value namespaces = json::parse(list->body, ec);
  const json::value* items = !ec && namespaces.is_object() ? namespaces.as_object().if_contains("items") : nullptr;
  if (items == nullptr || !items->is_array()) return Failed(out, "the namespace list has no items");
  bool born_with_openshift_config = false;
  for (const json::value& item : items->get_array()) {
    const json::value* n = item.is_object() ? item.as_object().if_contains("metadata") : nullptr;
    const json::value* nn = n && n->is_object() ? n->as_object().if_contains("name") : nullptr;
    if (nn && nn->is_string() && nn->get_string() == "openshift-config") born_with_openshift_config = true;
  }
  out.namespaces = static_cast<int>(items->get_array().size());
  if (!born_with_openshift_config) return Failed(out, "the namespaces of " + name + " lack openshift-config");
  out.ok = true;
  return out;
}

}  // namespace carrier::bench::hosted
