#pragma once
// The CustomResourceDefinitions of hosted control planes, from the YAML manifests in
// src/hosted/crds/ (embedded at build time):
//   root:                 hostedclusters, nodepools, hostedcontrolplanes (hypershift.openshift.io)
//   every hosted cluster: clusterversions (config.openshift.io)
// Installing is idempotent: a CRD is created when missing and rewritten only when its spec
// differs from the manifest (a newer Carrier), so restarts cost one read per CRD. The CRDs
// go through the same strategy as a kubectl-created CRD (defaults, validation, status), and
// identical schemas in many clusters share one compiled copy (custom_resources.h).

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace carrier::hosted {

struct EmbeddedManifest {
  std::string_view file;  // e.g. "hostedclusters.yaml"
  std::string_view text;
};
// Every manifest of src/hosted/crds/ (generated file).
const std::vector<EmbeddedManifest>& EmbeddedManifests();

// Installs the CRDs of `files` (names of embedded manifests) in `cluster`. kInternal when a
// manifest does not parse or fails CRD validation (a build defect, reported with its errors).
Status InstallCrds(storage::Store& store, const std::string& cluster,
                   const std::vector<std::string_view>& files);

// The hypershift.openshift.io CRDs in root.
Status InstallManagementCrds(storage::Store& store);
// The CRDs every hosted cluster is born with.
Status InstallHostedClusterCrds(storage::Store& store, const std::string& cluster);

}  // namespace carrier::hosted
