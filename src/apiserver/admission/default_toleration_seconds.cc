// DefaultTolerationSeconds, as Kubernetes' plugin of that name: every pod tolerates
// node.kubernetes.io/not-ready:NoExecute and node.kubernetes.io/unreachable:NoExecute for
// 300 s (operator Exists) unless it already tolerates them, so a pod leaves a failed node
// five minutes after the node lifecycle controller tainted it.
#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

constexpr int64_t kDefaultTolerationSeconds = 300;

std::string_view StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

class DefaultTolerationSecondsPlugin : public Plugin {
 public:
  std::string_view name() const override { return "DefaultTolerationSeconds"; }

  std::optional<api::ApiError> Admit(Request& r) override {
    if (r.operation == Operation::kDelete || !r.Is("", "pods") || !r.subresource.empty() ||
        !r.object) {
      return std::nullopt;
    }
    json::value& spec = (*r.object)["spec"];
    if (!spec.is_object()) spec = json::object();
    json::value& tolerations = spec.get_object()["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array();
    json::array& list = tolerations.get_array();
    // A toleration with an empty key (operator Exists) or an empty effect covers the taint.
    bool not_ready = false, unreachable = false;
    for (const auto& t : list) {
      const json::object* o = t.if_object();
      if (o == nullptr) continue;
      const std::string_view key = StringField(*o, "key"), effect = StringField(*o, "effect");
      if (!effect.empty() && effect != "NoExecute") continue;
      not_ready |= key.empty() || key == "node.kubernetes.io/not-ready";
      unreachable |= key.empty() || key == "node.kubernetes.io/unreachable";
    }
    for (auto [tolerated, key] : {std::pair{not_ready, "node.kubernetes.io/not-ready"},
                                  std::pair{unreachable, "node.kubernetes.io/unreachable"}}) {
      if (tolerated) continue;
      list.push_back(json::object{{"key", key},
                                  {"operator", "Exists"},
                                  {"effect", "NoExecute"},
                                  {"tolerationSeconds", kDefaultTolerationSeconds}});
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Plugin> NewDefaultTolerationSeconds() {
  return std::make_unique<DefaultTolerationSecondsPlugin>();
}

}  // namespace carrier::apiserver::admission
