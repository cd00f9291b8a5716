#pragma once
// The handful of API calls hcp makes through a RestClient: the REST path of the objects it
// writes, create (an existing namespace is fine), get, delete, and waiting for a
// HostedCluster condition.

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "base/status.h"
#include "client/rest_client.h"

namespace carrier::hcp {

// The REST path of `kind` (Namespace, Secret, ConfigMap, HostedCluster, NodePool) in `ns`,
// with the name when given.
std::string PathOf(std::string_view kind, const std::string& ns, const std::string& name = "");

// Creates the object. kAlreadyExists (with the server's message) when it exists, except for
// a Namespace, which may.
Status Create(client::RestClient& api, const boost::json::object& object);
// nullopt when it does not exist.
Result<std::optional<boost::json::object>> Get(client::RestClient& api, const std::string& path);
// OK when deleted or already gone.
Status Delete(client::RestClient& api, const std::string& path);

// Waits until the HostedCluster's condition `type` is True; kTimeout with its last message.
Status WaitForCondition(client::RestClient& api, const std::string& ns, const std::string& name,
                        const std::string& type, std::chrono::seconds timeout);

}  // namespace carrier::hcp
