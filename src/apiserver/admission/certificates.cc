// Kubernetes' three CertificateSigningRequest admission plugins:
//   CertificateApproval            an approval write needs verb `approve` on resource
//                                  `signers` (certificates.k8s.io) named after the signer
//   CertificateSigning             a status write that sets the certificate needs verb `sign`
//                                  on that signer
//   CertificateSubjectRestriction  no kubernetes.io/kube-apiserver-client request for a
//                                  certificate in the group system:masters
// A signer is also matched by the wildcard name "<domain>/*", as in Kubernetes.
#include <boost/json.hpp>

#include "apiserver/admission/builtin_plugins.h"
#include "apiserver/authz/rbac_authorizer.h"
#include "apiserver/csr_strategy.h"
#include "base/x509.h"

namespace carrier::apiserver::admission {

namespace json = boost::json;

namespace {

std::string SignerName(const json::object& csr) {
  const json::value* spec = csr.if_contains("spec");
  const json::value* name = spec && spec->is_object() ? spec->get_object().if_contains("signerName")
                                                      : nullptr;
  return name && name->is_string() ? std::string(name->get_string()) : std::string();
}

bool IsCsrWrite(const Request& r, std::string_view subresource) {
  return r.Is("certificates.k8s.io", "certificatesigningrequests") && r.object && r.user &&
         r.subresource == subresource;
}

class SignerPermission : public Plugin {
 public:
  SignerPermission(authz::Authorizer& a, std::string_view name, std::string verb,
                   std::string subresource)
      : authz_(a), name_(name), verb_(std::move(verb)), subresource_(std::move(subresource)) {}
  std::string_view name() const override { return name_; }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (r.operation != Operation::kUpdate || !IsCsrWrite(r, subresource_)) return std::nullopt;
    // Signing: only a write that sets the certificate needs the permission.
    if (verb_ == "sign" &&
        (csr::Certificate(*r.object).empty() ||
         (r.old_object && csr::Certificate(*r.old_object) == csr::Certificate(*r.object)))) {
      return std::nullopt;
    }
    const std::string signer = SignerName(r.old_object ? *r.old_object : *r.object);
    if (Allowed(r, signer)) return std::nullopt;
    return Forbidden(r, "user not permitted to " + verb_ + " requests with signerName \"" +
                            signer + "\"");
  }

 private:
  bool Allowed(const Request& r, const std::string& signer) {
    authz::Attributes a;
    a.verb = verb_;
    a.resource_request = true;
    a.group = "certificates.k8s.io";
    a.resource = "signers";
    a.name = signer;
    if (authz_.Authorize(r.cluster, *r.user, a).allowed) return true;
    const size_t slash = signer.find('/');
    if (slash == std::string::npos) return false;
    a.name = signer.substr(0, slash) + "/*";
    return authz_.Authorize(r.cluster, *r.user, a).allowed;
  }

  authz::Authorizer& authz_;
  std::string_view name_;
  std::string verb_;
  std::string subresource_;
};

class SubjectRestriction : public Plugin {
 public:
  std::string_view name() const override { return "CertificateSubjectRestriction"; }

  std::optional<api::ApiError> Validate(const Request& r) override {
    if (r.operation != Operation::kCreate || !IsCsrWrite(r, "")) return std::nullopt;
    if (SignerName(*r.object) != "kubernetes.io/kube-apiserver-client") return std::nullopt;
    auto pem = csr::RequestPem(*r.object);
    auto parsed = pem ? x509::ParseCertificateRequest(*pem)
                      : Result<x509::ParsedCertificateRequest>(InvalidArgument("no request"));
    if (!parsed.ok()) return std::nullopt;  // validation already rejected it
    for (const auto& org : parsed->subject.organizations) {
      if (org == "system:masters") {
        return Forbidden(r, "use of kubernetes.io/kube-apiserver-client signer with "
                            "system:masters group is not allowed");
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<Plugin> NewCertificateApproval(authz::Authorizer& authorizer) {
  return std::make_unique<SignerPermission>(authorizer, "CertificateApproval", "approve",
                                            "approval");
}

std::unique_ptr<Plugin> NewCertificateSigning(authz::Authorizer& authorizer) {
  return std::make_unique<SignerPermission>(authorizer, "CertificateSigning", "sign", "status");
}

std::unique_ptr<Plugin> NewCertificateSubjectRestriction() {
  return std::make_unique<SubjectRestriction>();
}

}  // namespace carrier::apiserver::admission
