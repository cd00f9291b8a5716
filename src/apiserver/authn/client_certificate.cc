#include "apiserver/authn/client_certificate.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "base/x509.h"

namespace carrier::apiserver::authn {

struct ClientCertificateAuthenticator::Impl {
  X509_STORE* store = nullptr;
  std::string required_group;
  ~Impl() { X509_STORE_free(store); }
};

namespace {

X509* ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

}  // namespace

ClientCertificateAuthenticator::ClientCertificateAuthenticator(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
ClientCertificateAuthenticator::~ClientCertificateAuthenticator() = default;

Result<std::unique_ptr<ClientCertificateAuthenticator>> ClientCertificateAuthenticator::Create(
    const std::string& ca_pem, std::string required_group) {
  auto impl = std::make_unique<Impl>();
  impl->required_group = std::move(required_group);
  impl->store = X509_STORE_new();
  X509* ca = ParsePem(ca_pem);
  if (ca == nullptr) return InvalidArgument("the client CA is not a PEM certificate");
  X509_STORE_add_cert(impl->store, ca);
  X509_free(ca);
  return std::unique_ptr<ClientCertificateAuthenticator>(
      new ClientCertificateAuthenticator(std::move(impl)));
}

Result<UserInfo> ClientCertificateAuthenticator::Authenticate(
    const std::string& certificate_pem) const {
  if (certificate_pem.empty() || certificate_pem.size() > 64 * 1024) return Status(Code::kUnauthorized, "Unauthorized");
  X509* cert = ParsePem(certificate_pem);
  if (cert == nullptr) return Status(Code::kUnauthorized, "Unauthorized");
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, impl_->store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
  const bool verified = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_free(cert);
  if (!verified) return Status(Code::kUnauthorized, "Unauthorized");
  auto subject = x509::ReadSubject(certificate_pem);
  if (!subject.ok() || subject->common_name.empty()) {
    return Status(Code::kUnauthorized, "Unauthorized");
  }
  UserInfo user;
  user.name = subject->common_name;
  user.groups = subject->organizations;
  if (!impl_->required_group.empty() && !user.InGroup(impl_->required_group)) {
    return Status(Code::kUnauthorized, "Unauthorized");
  }
  user.groups.push_back("system:authenticated");
  return user;
}

}  // namespace carrier::apiserver::authn
