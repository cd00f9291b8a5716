#pragma once
// How authenticators read the objects a credential refers to (a ServiceAccount, a bound
// Pod, a bootstrap-token Secret) in the request's logical cluster, without knowing about
// storage: core/v1 resource, namespace, name -> the object, nullopt when absent.

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string_view>

namespace carrier::apiserver::authn {

using ObjectLookup = std::function<std::optional<boost::json::object>(
    std::string_view resource, std::string_view ns, std::string_view name)>;

}  // namespace carrier::apiserver::authn
