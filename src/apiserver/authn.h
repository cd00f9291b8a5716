#pragma once
// Authentication of API requests by x509 client certificate: the certificate must chain to
// the cluster's client CA; CN is the user name and each O a group, as in Kubernetes.
// (Tokens, and per-cluster CAs for hosted clusters, come with the security work.)

#include <memory>
#include <string>
#include <vector>

#include "apiserver/user_info.h"
#include "base/status.h"

namespace carrier::apiserver {


class ClientCertificateAuthenticator {
 public:
  static Result<std::unique_ptr<ClientCertificateAuthenticator>> Create(
      const std::string& ca_pem);
  ~ClientCertificateAuthenticator();

  // kUnauthorized when the certificate is missing, malformed, expired or not issued by
  // the CA.
  Result<UserInfo> Authenticate(const std::string& certificate_pem) const;

 private:
  struct Impl;
  explicit ClientCertificateAuthenticator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace carrier::apiserver
