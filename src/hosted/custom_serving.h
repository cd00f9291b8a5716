#pragma once
// A hosted API server's custom serving certificates and custom DNS name:
//   spec.configuration.apiServer.servingCerts.namedCertificates[]: {names, servingCertificate:
//     {name}} — a kubernetes.io/tls Secret in the HostedCluster's namespace whose certificate
//     is presented (SNI on the shared listener) for `names`, or for its own DNS SANs when
//     `names` is empty;
//   spec.kubeAPIServerDNSName — the API server is also served at that name (with a named
//     certificate that covers it, else with kas-server-crt, which carries it), and the
//     HostedCluster gets <name>-custom-admin-kubeconfig (and the control plane
//     custom-admin-kubeconfig) pointing at it, referenced from status.customKubeconfig.

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "hosted/pki.h"
#include "hosted/service_publisher.h"
#include "storage/store.h"

namespace carrier::hosted {

struct CustomServing {
  std::vector<NamedCertificate> named_certificates;
  std::string dns_name;  // spec.kubeAPIServerDNSName ("" when not set)
  // What the custom kubeconfig trusts for dns_name: the hosted root CA, or the top of a named
  // certificate's chain when that is a self-signed CA; "" for the system's roots.
  std::string dns_name_ca_pem;
};

// The Secrets the named certificates of a HostedCluster name (in its namespace).
std::vector<std::string> NamedCertificateSecrets(const boost::json::object& hosted_cluster);

// Reads the named certificates' Secrets from `ns`. kInvalidArgument naming the entry and
// what is wrong: a missing Secret or key, an unreadable certificate, a key that does not
// belong to it, a name it does not cover.
Result<CustomServing> ReadCustomServing(storage::Store& store, const std::string& ns,
                                        const boost::json::object& spec, const HostedPki& pki);

}  // namespace carrier::hosted
