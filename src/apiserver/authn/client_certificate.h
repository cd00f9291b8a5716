#pragma once
// Authentication of API requests by x509 client certificate: the certificate must chain to
// the cluster's client CA and allow client authentication; CN is the user name and each O a
// group, as in Kubernetes. Each logical cluster has its own CA, so a certificate of one
// cluster is worthless at another.

#include <memory>
#include <string>
#include <vector>

#include "apiserver/user_info.h"
#include "base/status.h"

namespace carrier::apiserver::authn {

class ClientCertificateAuthenticator {
 public:
  // `required_group`, when set, admits only certificates whose O includes it (the management
  // CA's superusers are admitted at every cluster this way).
  static Result<std::unique_ptr<ClientCertificateAuthenticator>> Create(
      const std::string& ca_pem, std::string required_group = "");
  ~ClientCertificateAuthenticator();

  // kUnauthorized when the certificate is missing, malformed, expired or not issued by
  // the CA.
  Result<UserInfo> Authenticate(const std::string& certificate_pem) const;

 private:
  struct Impl;
  explicit ClientCertificateAuthenticator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::apiserver::authn
