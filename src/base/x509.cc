#include "base/x509.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <memory>

namespace carrier::x509 {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Status OpenSslError(const std::string& what) {
  char buf[256] = "unknown error";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return Internal(what + ": " + buf);
}

PKeyPtr GenerateKey() { return PKeyPtr(EVP_EC_gen("P-256")); }

std::string KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

std::string CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

X509Ptr CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PKeyPtr KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PKeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// A certificate skeleton: random serial, validity, subject, public key.
Result<X509Ptr> NewCertificate(EVP_PKEY* key, const std::string& cn,
                               const std::vector<std::string>& orgs, std::chrono::hours validity) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Backdated by an hour to tolerate clock skew between machines.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  std::chrono::duration_cast<std::chrono::seconds>(validity).count());
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& org : orgs) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_pubkey(cert.get(), key);
  return cert;
}

}  // namespace

Result<KeyPair> CreateCertificateAuthority(const std::string& common_name,
                                           std::chrono::hours validity) {
  PKeyPtr key = GenerateKey();
  if (!key) return OpenSslError("generating a CA key");
  auto cert = NewCertificate(key.get(), common_name, {}, validity);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  if (!AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !AddExtension(c, c, NID_subject_key_identifier, "hash")) {
    return OpenSslError("CA extensions");
  }
  if (X509_sign(c, key.get(), EVP_sha256()) == 0) return OpenSslError("signing the CA");
  return KeyPair{CertToPem(c), KeyToPem(key.get())};
}

Result<KeyPair> IssueCertificate(const KeyPair& ca, const CertificateRequest& request) {
  X509Ptr ca_cert = CertFromPem(ca.cert_pem);
  PKeyPtr ca_key = KeyFromPem(ca.key_pem);
  if (!ca_cert || !ca_key) return InvalidArgument("the CA certificate or key is not valid PEM");
  PKeyPtr key = GenerateKey();
  if (!key) return OpenSslError("generating a key");
  auto cert = NewCertificate(key.get(), request.common_name, request.organizations,
                             request.validity);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get()));
  std::string usage;
  if (request.server) usage += "serverAuth";
  if (request.client) usage += std::string(usage.empty() ? "" : ",") + "clientAuth";
  bool ok = AddExtension(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            AddExtension(c, ca_cert.get(), NID_key_usage,
                         "critical,digitalSignature,keyEncipherment") &&
            AddExtension(c, ca_cert.get(), NID_authority_key_identifier, "keyid:always") &&
            (usage.empty() || AddExtension(c, ca_cert.get(), NID_ext_key_usage, usage));
  if (ok && !request.sans.empty()) {
    std::string sans;
    for (const auto& san : request.sans) {
      if (!sans.empty()) sans += ",";
      sans += (IsIpAddress(san) ? "IP:" : "DNS:") + san;
    }
    ok = AddExtension(c, ca_cert.get(), NID_subject_alt_name, sans);
  }
  if (!ok) return OpenSslError("certificate extensions");
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0) return OpenSslError("signing");
  return KeyPair{CertToPem(c), KeyToPem(key.get())};
}

Result<Subject> ReadSubject(const std::string& cert_pem) {
  X509Ptr cert = CertFromPem(cert_pem);
  if (!cert) return InvalidArgument("not a PEM certificate");
  Subject subject;
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      ASN1_STRING_length(data));
    if (nid == NID_commonName) subject.common_name = value;
    if (nid == NID_organizationName) subject.organizations.push_back(value);
  }
  return subject;
}

}  // namespace carrier::x509
