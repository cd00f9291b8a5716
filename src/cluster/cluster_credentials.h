#pragma once
// A logical cluster's own credentials: the client CA that signs its users' certificates and
// the key that signs its service-account tokens. Every cluster but root gets new ones when
// it is created (or is given ones its creator generated, e.g. a HostedCluster's PKI); root
// uses the management plane's CA and key from the data directory. They are stored with the
// cluster's record, so a credential of one cluster is worthless at every other.

#include <boost/json/fwd.hpp>
#include <string>

#include "base/status.h"
#include "base/x509.h"

namespace carrier::cluster {

struct ClusterCredentials {
  x509::KeyPair client_ca;              // CA certificate and private key (PEM)
  std::string service_account_key_pem;  // private key (PEM, EC P-256 or RSA)
};

// New credentials for cluster `name`.
Result<ClusterCredentials> GenerateClusterCredentials(const std::string& name);

// kInvalidArgument unless the CA certificate and key parse and the signing key is usable.
Status ValidateClusterCredentials(const ClusterCredentials& credentials);

// The record's "credentials" field, and back (kDataLoss when the stored form is damaged).
boost::json::object CredentialsToJson(const ClusterCredentials& credentials);
Result<ClusterCredentials> CredentialsFromJson(const boost::json::value& value);

}  // namespace carrier::cluster
