#pragma once
// The admission chain: every create, update (incl. patch) and delete passes it once, just
// before the write, with the object as it will be stored. Mutating plugins run first, in
// order, and may change the object; then validating plugins, in order. The first rejection
// aborts the request with that plugin's Status (reason and code) — nothing is written.
// Plugins may add warnings; the REST layer sends them as `Warning: 299 - "<text>"` headers.
//
// Plugins hold no per-cluster state: what they need (namespaces, service accounts,
// LimitRanges, quotas, webhook configurations) they read from the watch cache per request.

#include <boost/json/fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/status_json.h"
#include "base/status.h"
#include "apiserver/resource_catalog.h"
#include "apiserver/user_info.h"

namespace carrier::apiserver::admission {

enum class Operation { kCreate, kUpdate, kDelete };
std::string_view OperationName(Operation op);  // CREATE, UPDATE, DELETE

struct Request {
  Operation operation = Operation::kCreate;
  std::string cluster;
  const ResourceType* type = nullptr;
  std::string namespace_;
  std::string name;
  std::string subresource;
  const UserInfo* user = nullptr;
  const boost::json::object* old_object = nullptr;  // update and delete
  boost::json::object* object = nullptr;            // create and update (mutable); null on delete
  bool dry_run = false;
  mutable std::vector<std::string> warnings;  // added by plugins (Validate may add too)

  bool Is(std::string_view group, std::string_view resource) const {
    return type && type->group == group && type->resource == resource;
  }
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
  // Mutating phase; may change *request.object.
  virtual std::optional<api::ApiError> Admit(Request& request) {
    (void)request;
    return std::nullopt;
  }
  // Validating phase; the object is final.
  virtual std::optional<api::ApiError> Validate(const Request& request) {
    (void)request;
    return std::nullopt;
  }
  // False for checks that are part of authorization rather than policy (RBAC escalation
  // prevention), which Kubernetes does not let an operator turn off.
  virtual bool can_be_disabled() const { return true; }
};

class Chain {
 public:
  void Add(std::unique_ptr<Plugin> plugin) { plugins_.push_back(std::move(plugin)); }
  // Removes the named plugins (kube-apiserver's --disable-admission-plugins). kInvalidArgument
  // naming the known plugins for a name no plugin has or one that cannot be turned off.
  Status Disable(const std::vector<std::string>& names);
  // Runs every plugin's Admit, then every Validate; the first error stops the chain.
  std::optional<api::ApiError> Run(Request& request) const;

 private:
  std::vector<std::unique_ptr<Plugin>> plugins_;
};

// A 403 Forbidden as Kubernetes' admission plugins word it:
//   <resource>[.<group>] "<name>" is forbidden: <message>
api::ApiError Forbidden(const Request& request, const std::string& message);

}  // namespace carrier::apiserver::admission
