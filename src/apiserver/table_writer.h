#pragma once
// meta.k8s.io Tables: what `kubectl get` prints. Columns are the type's (resource_catalog.h)
// framed by Name first and Age last; each row carries the object as PartialObjectMetadata
// (includeObject=Metadata, the default), the whole object (Object) or nothing (None).

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/resource_catalog.h"

namespace carrier::apiserver {

enum class IncludeObject { kNone, kMetadata, kObject };
IncludeObject ParseIncludeObject(std::string_view value);  // default kMetadata

// A Table of `objects` with list metadata (resourceVersion, continue) copied from `list_meta`.
boost::json::object MakeTable(const ResourceType& type, std::string_view table_version,
                              const std::vector<const boost::json::object*>& objects,
                              const boost::json::object& list_meta, IncludeObject include);

}  // namespace carrier::apiserver
