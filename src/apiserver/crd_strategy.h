#pragma once
// The resource strategy of apiextensions.k8s.io/v1 CustomResourceDefinition: defaulting,
// validation (names, group, scope, versions with exactly one storage version, structural
// schemas, printer columns, subresources) and the status Kubernetes' CRD controllers
// maintain (acceptedNames, storedVersions, the NamesAccepted and Established conditions),
// set as part of the write so that a CRD is usable as soon as its create returns.

#include <boost/json/fwd.hpp>

#include "api/validation.h"

namespace carrier::apiserver {

// Fills spec.names.singular and listKind, spec.conversion.strategy.
void DefaultCrd(boost::json::object& crd);

// Field errors of a CRD (after DefaultCrd). An update may not change spec.group,
// spec.names.plural or spec.scope (`old` is null on create).
api::FieldErrors ValidateCrd(const boost::json::object& crd, const boost::json::object* old);

// Writes status: acceptedNames, storedVersions (the old ones plus the storage version),
// NamesAccepted and Established. `name_conflict` (empty when none) makes NamesAccepted
// False with that message and keeps the CRD unestablished.
void SetCrdStatus(boost::json::object& crd, const boost::json::object* old,
                  const std::string& name_conflict);

// Whether a stored CRD is established (its types are served).
bool CrdEstablished(const boost::json::object& crd);

}  // namespace carrier::apiserver
