#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/admission/quantity.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

const json::object* ObjAt(const json::object& o, std::string_view f) {
  auto* v = o.if_contains(f);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string QuantityText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_double()) return FormatQuantity(v.get_double());
  return "";
}

class LimitRanger : public Plugin {
 public:
  explicit LimitRanger(storage::Store& store) : store_(store) {}
  std::string_view name() const override { return "LimitRanger"; }

  // Defaults: containers without a request or limit take the Container defaults.
  std::optional<api::ApiError> Admit(Request& r) override {
    if (!Applies(r)) return std::nullopt;
    auto limits = ContainerLimits(r);
    if (limits.empty()) return std::nullopt;
    ForEachContainer(*r.object, [&](json::object& c) {
      json::value& res = c["resources"];
      if (!res.is_object()) res = json::object();
      for (const json::object& limit : limits) {
        const json::object* l = &limit;
        for (auto [field, target] :
             {std::pair{"default", "limits"}, std::pair{"defaultRequest", "requests"}}) {
          const json::object* defaults = ObjAt(*l, field);
          if (!defaults) continue;
          json::value& t = res.get_object()[target];
          if (!t.is_object()) t = json::object();
          for (const auto& [name, value] : *defaults) {
            if (!t.get_object().contains(name)) t.get_object()[name] = value;
          }
        }
      }
      // A limit without a request: the request equals the limit (as Kubernetes defaults).
      json::object& ro = res.get_object();
      if (auto* lim = ro.if_contains("limits"); lim && lim->is_object()) {
        // A copy: inserting "requests" may rehash `ro` and move what `lim` points to.
        const json::object limits_set = lim->get_object();
        json::value& req = ro["requests"];
        if (!req.is_object()) req = json::object();
        for (const auto& [name, value] : limits_set) {
          if (!req.get_object().contains(name)) req.get_object()[name] = value;
        }
      }
    });
    return std::nullopt;
  }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (!Applies(r)) return std::nullopt;
    auto limits = ContainerLimits(r);
    if (limits.empty()) return std::nullopt;
    std::vector<std::string> errors;
    json::object copy = *r.object;
    ForEachContainer(copy, [&](json::object& c) {
      const json::object* res = ObjAt(c, "resources");
      const json::object* requests = res ? ObjAt(*res, "requests") : nullptr;
      const json::object* lims = res ? ObjAt(*res, "limits") : nullptr;
      for (const json::object& limit : limits) {
        const json::object* l = &limit;
        if (const json::object* min = ObjAt(*l, "min")) {
          for (const auto& [name, value] : *min) {
            auto bound = ParseQuantity(QuantityText(value));
            const json::value* req = requests ? requests->if_contains(name) : nullptr;
            if (!req) {
              errors.push_back("minimum " + std::string(name) + " usage per Container is " +
                               QuantityText(value) + ".  No request is specified");
              continue;
            }
            auto got = ParseQuantity(QuantityText(*req));
            if (bound && got && *got < *bound) {
              errors.push_back("minimum " + std::string(name) + " usage per Container is " +
                               QuantityText(value) + ", but request is " + QuantityText(*req));
            }
          }
        }
        if (const json::object* max = ObjAt(*l, "max")) {
          for (const auto& [name, value] : *max) {
            auto bound = ParseQuantity(QuantityText(value));
            const json::value* lim = lims ? lims->if_contains(name) : nullptr;
            if (!lim) {
              errors.push_back("maximum " + std::string(name) + " usage per Container is " +
                               QuantityText(value) + ".  No limit is specified");
              continue;
            }
            auto got = ParseQuantity(QuantityText(*lim));
            if (bound && got && *got > *bound) {
              errors.push_back("maximum " + std::string(name) + " usage per Container is " +
                               QuantityText(value) + ", but limit is " + QuantityText(*lim));
            }
          }
        }
      }
    });
    if (errors.empty()) return std::nullopt;
    std::string message = errors.size() == 1 ? errors[0] : "[";
    if (errors.size() > 1) {
      for (size_t i = 0; i < errors.size(); ++i) message += (i ? ", " : "") + errors[i];
      message += "]";
    }
    return Forbidden(r, message);
  }

 private:
  static bool Applies(const Request& r) {
    return (r.operation == Operation::kCreate || r.operation == Operation::kUpdate) &&
           r.Is("", "pods") && r.subresource.empty() && r.object;
  }

  // The type: Container entries of the namespace's LimitRanges.
  std::vector<json::object> ContainerLimits(const Request& r) {
    std::vector<json::object> out;
    for (const auto& lr : ListObjects(store_, r.cluster, "", "limitranges", r.namespace_)) {
      const json::object* spec = ObjAt(lr, "spec");
      auto* list = spec ? spec->if_contains("limits") : nullptr;
      if (!list || !list->is_array()) continue;
      for (const auto& l : list->get_array()) {
        if (!l.is_object()) continue;
        auto* type = l.get_object().if_contains("type");
        if (type && type->is_string() && type->get_string() == "Container") {
          out.push_back(l.get_object());
        }
      }
    }
    return out;
  }

  template <typename F>
  static void ForEachContainer(json::object& pod, F f) {
    json::value& spec = pod["spec"];
    if (!spec.is_object()) return;
    for (const char* list : {"initContainers", "containers"}) {
      auto* cs = spec.get_object().if_contains(list);
      if (!cs || !cs->is_array()) continue;
      for (auto& c : cs->get_array()) {
        if (c.is_object()) f(c.get_object());
      }
    }
  }

  storage::Store& store_;
};

}  // namespace

std::unique_ptr<Plugin> NewLimitRanger(storage::Store& store) {
  return std::make_unique<LimitRanger>(store);
}

}  // namespace carrier::apiserver::admission
