#pragma once
// Internal to the etcd backend: says why a TLS connection to an etcd endpoint fails, for
// error messages gRPC leaves vague ("Endpoint read failed"). It connects once, as gRPC would
// (the CA, the client certificate, the endpoint's host or IP checked against the server's
// certificate), and reads briefly, since a server rejects a client certificate after the
// TLS 1.3 handshake.

#include <string>

namespace carrier::storage::etcd {

struct TlsMaterial {
  std::string ca_pem, cert_pem, key_pem;  // cert and key may be empty
};

// What goes wrong connecting to `target` ("host:port"), or "" when nothing does within about
// a second: "connection refused", "the etcd's certificate is not trusted: ...", "the etcd
// rejected the client certificate (...)".
std::string ProbeTls(const std::string& target, const TlsMaterial& tls);

}  // namespace carrier::storage::etcd
