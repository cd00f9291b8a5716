#pragma once
// Helpers for the metadata every stored object carries (uid, timestamps, resourceVersion)
// and for where objects live in the store:
//   /<cluster>/<group or "core">/<resource>/[<namespace>/]<name>

#include <boost/json/fwd.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "apiserver/resource_catalog.h"
#include "storage/store.h"

namespace carrier::apiserver {

// A random RFC 4122 version-4 UUID.
std::string NewUid();
// RFC 3339 UTC with seconds ("2026-11-22T19:05:00Z").
std::string Rfc3339(std::chrono::system_clock::time_point t);
// Kubernetes' short human duration since an RFC 3339 time ("12s", "5m", "3h", "2d").
std::string HumanAgeSince(std::string_view rfc3339, std::chrono::system_clock::time_point now);

// Store keys. `ns` is ignored for cluster-scoped types; an empty `ns` for a namespaced type
// gives the prefix of every namespace.
std::string CollectionPrefix(std::string_view cluster, const ResourceType& type,
                             std::string_view ns);
std::string ObjectKey(std::string_view cluster, const ResourceType& type, std::string_view ns,
                      std::string_view name);

// The object's metadata object, created when missing or not an object.
boost::json::object& MutableMetadata(boost::json::object& obj);
// A string field of metadata ("" when absent).
std::string_view MetaString(const boost::json::object& obj, std::string_view field);
void SetResourceVersion(boost::json::object& obj, storage::Revision revision);

// Parses a stored value and stamps its resourceVersion from the store revision.
Result<boost::json::object> DecodeStored(std::string_view bytes, storage::Revision revision);

}  // namespace carrier::apiserver
