#pragma once
// Events from controllers, de-duplicated as Kubernetes' client-side correlator does: the same
// event about the same object (type, reason, message and reporting component) is one core/v1
// Event whose `count` and `lastTimestamp` grow, not a new object per occurrence. The Event's
// name is derived from those fields (`<object name>.<16 hex digits>`), so no recorder keeps
// state between calls and every worker, cluster and process agrees on it. Events expire an
// hour after their last write (the store's event TTL, apiserver/event_ttl_store.h).

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/store.h"

namespace carrier::controllers {

struct EventSource {
  std::string_view component;  // e.g. "default-scheduler"
  std::string_view host;       // "" unless the reporter runs on a node
};

// Records an event about `involved` (an object with apiVersion, kind and metadata) in
// `cluster`; cluster-scoped objects' events go to namespace "default", as Kubernetes does.
// `type` is "Normal" or "Warning".
Status RecordEvent(storage::Store& store, const std::string& cluster,
                   const boost::json::object& involved, std::string_view type,
                   std::string_view reason, const std::string& message, EventSource source);

}  // namespace carrier::controllers
