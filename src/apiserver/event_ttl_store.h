#pragma once
// Events expire: a Store decorator that attaches a lease to every write of an Event (core/v1
// `events` and `events.k8s.io` `events` of any logical cluster), so the store deletes an
// event `ttl` after its last write, as kube-apiserver's --event-ttl (default one hour) does.
// Writes close in time share one lease (for up to a minute or 5% of the TTL, and up to 1,000
// writes; the lease is granted for the TTL plus that time), as Kubernetes reuses leases, so a
// busy cluster costs about one lease per minute, not one per event.
// It sits under the watch cache; every writer (REST, controllers) passes through it.

#include <chrono>
#include <memory>

#include "storage/store.h"

namespace carrier::apiserver {

// Whether `key` (/<cluster>/<group>/<resource>/...) is an Event's.
bool IsEventKey(std::string_view key);

std::unique_ptr<storage::Store> WithEventTtl(storage::Store& backend, std::chrono::seconds ttl);

}  // namespace carrier::apiserver
