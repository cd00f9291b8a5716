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
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using ExtsPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), void (*)(STACK_OF(X509_EXTENSION)*)>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;

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

ReqPtr ReqFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return req;
}

void FreeExtensions(STACK_OF(X509_EXTENSION)* exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

std::string Text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

void SetRandomSerial(X509* cert) {
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
}

// A certificates.k8s.io/v1 usage as OpenSSL's extension configuration names it, and whether
// it is an extended key usage; {nullptr, false} for an unknown name.
std::pair<const char*, bool> UsageName(std::string_view usage) {
  static const std::pair<std::string_view, std::pair<const char*, bool>> kUsages[] = {
      {"signing", {"digitalSignature", false}},
      {"digital signature", {"digitalSignature", false}},
      {"content commitment", {"nonRepudiation", false}},
      {"key encipherment", {"keyEncipherment", false}},
      {"key agreement", {"keyAgreement", false}},
      {"data encipherment", {"dataEncipherment", false}},
      {"cert sign", {"keyCertSign", false}},
      {"crl sign", {"cRLSign", false}},
      {"encipher only", {"encipherOnly", false}},
      {"decipher only", {"decipherOnly", false}},
      {"any", {"anyExtendedKeyUsage", true}},
      {"server auth", {"serverAuth", true}},
      {"client auth", {"clientAuth", true}},
      {"code signing", {"codeSigning", true}},
      {"email protection", {"emailProtection", true}},
      {"s/mime", {"emailProtection", true}},
      {"ipsec end system", {"ipsecEndSystem", true}},
      {"ipsec tunnel", {"ipsecTunnel", true}},
      {"ipsec user", {"ipsecUser", true}},
      {"timestamping", {"timeStamping", true}},
      {"ocsp signing", {"OCSPSigning", true}},
      {"microsoft sgc", {"msSGC", true}},
      {"netscape sgc", {"nsSGC", true}},
  };
  for (const auto& [name, openssl] : kUsages) {
    if (name == usage) return openssl;
  }
  return {nullptr, false};
}

// CN and O of a subject name.
Subject SubjectOf(const X509_NAME* name) {
  Subject subject;
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

// A certificate skeleton: random serial, validity, subject, public key.
Result<X509Ptr> NewCertificate(EVP_PKEY* key, const std::string& cn,
                               const std::vector<std::string>& orgs, std::chrono::seconds validity) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);
  SetRandomSerial(cert.get());
  // Backdated by an hour to tolerate clock skew between machines.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity.count());
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
  return SubjectOf(X509_get_subject_name(cert.get()));
}

namespace {

std::chrono::system_clock::time_point TimeOf(const ASN1_TIME* t) {
  struct tm parts = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &parts) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

// DNS names and IP addresses of a subjectAltName extension.
void ReadAltNames(const GENERAL_NAMES* names, std::vector<std::string>& dns,
                  std::vector<std::string>& ips, std::vector<std::string>* emails,
                  std::vector<std::string>* uris) {
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) dns.push_back(Text(n->d.dNSName));
    if (n->type == GEN_EMAIL && emails) emails->push_back(Text(n->d.rfc822Name));
    if (n->type == GEN_URI && uris) uris->push_back(Text(n->d.uniformResourceIdentifier));
    if (n->type == GEN_IPADD) {
      char buf[INET6_ADDRSTRLEN] = "";
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      int family = ip->length == 4 ? AF_INET : ip->length == 16 ? AF_INET6 : 0;
      if (family != 0 && inet_ntop(family, ip->data, buf, sizeof buf)) ips.push_back(buf);
    }
  }
}

}  // namespace

Result<CertificateInfo> ReadCertificate(const std::string& cert_pem) {
  X509Ptr cert = CertFromPem(cert_pem);
  if (!cert) return InvalidArgument("not a PEM certificate");
  CertificateInfo info;
  info.subject = SubjectOf(X509_get_subject_name(cert.get()));
  info.not_before = TimeOf(X509_get0_notBefore(cert.get()));
  info.not_after = TimeOf(X509_get0_notAfter(cert.get()));
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ReadAltNames(names.get(), info.dns_names, info.ip_addresses, nullptr, nullptr);
  if (X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0) {
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    info.self_signed = key != nullptr && X509_verify(cert.get(), key) == 1;
  }
  ERR_clear_error();
  return info;
}

bool KeyMatchesCertificate(const std::string& cert_pem, const std::string& key_pem) {
  X509Ptr cert = CertFromPem(cert_pem);
  PKeyPtr key = KeyFromPem(key_pem);
  const bool match = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return match;
}

std::vector<std::string> SplitPemChain(const std::string& chain_pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = chain_pem.find(kBegin, at)) != std::string::npos) {
    const size_t end = chain_pem.find(kEnd, at);
    if (end == std::string::npos) break;
    out.push_back(chain_pem.substr(at, end + kEnd.size() - at) + "\n");
    at = end + kEnd.size();
  }
  return out;
}

Result<KeyPair> CreateCertificateRequest(const CertificateRequest& request) {
  PKeyPtr key = GenerateKey();
  if (!key) return OpenSslError("generating a key");
  ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  for (const auto& org : request.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(request.common_name.c_str()),
                             -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key.get());
  if (!request.sans.empty()) {
    std::string sans;
    for (const auto& san : request.sans) {
      sans += (sans.empty() ? "" : ",") + ((IsIpAddress(san) ? "IP:" : "DNS:") + san);
    }
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, nullptr, nullptr, req.get(), nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, sans.c_str());
    if (ext == nullptr) return OpenSslError("subjectAltName");
    ExtsPtr exts(sk_X509_EXTENSION_new_null(), FreeExtensions);
    sk_X509_EXTENSION_push(exts.get(), ext);
    X509_REQ_add_extensions(req.get(), exts.get());
  }
  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("signing");
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return KeyPair{std::string(data, len), KeyToPem(key.get())};
}

Result<ParsedCertificateRequest> ParseCertificateRequest(std::string_view pem) {
  ReqPtr req = ReqFromPem(pem);
  if (!req) return InvalidArgument("PEM block type must be CERTIFICATE REQUEST");
  PKeyPtr key(X509_REQ_get_pubkey(req.get()));
  if (!key || X509_REQ_verify(req.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("the certificate request's signature does not verify");
  }
  ParsedCertificateRequest out;
  out.subject = SubjectOf(X509_REQ_get_subject_name(req.get()));
  ExtsPtr exts(X509_REQ_get_extensions(req.get()), FreeExtensions);
  if (!exts) return out;
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, nullptr, nullptr)));
  ReadAltNames(names.get(), out.dns_names, out.ip_addresses, &out.email_addresses, &out.uris);
  return out;
}

Result<std::string> SignCertificateRequest(const KeyPair& ca, std::string_view csr_pem,
                                           const std::vector<std::string>& usages,
                                           std::chrono::seconds validity) {
  X509Ptr ca_cert = CertFromPem(ca.cert_pem);
  PKeyPtr ca_key = KeyFromPem(ca.key_pem);
  if (!ca_cert || !ca_key) return InvalidArgument("the CA certificate or key is not valid PEM");
  auto parsed = ParseCertificateRequest(csr_pem);  // the signature is checked here
  if (!parsed.ok()) return parsed.status();
  ReqPtr req = ReqFromPem(csr_pem);
  PKeyPtr key(X509_REQ_get_pubkey(req.get()));
  std::string key_usage, extended;
  for (const auto& u : usages) {
    auto [name, is_extended] = UsageName(u);
    if (name == nullptr) return InvalidArgument("unsupported key usage \"" + u + "\"");
    std::string& list = is_extended ? extended : key_usage;
    if (list.find(name) == std::string::npos) list += std::string(list.empty() ? "" : ",") + name;
  }

  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  X509* c = cert.get();
  X509_set_version(c, 2);
  SetRandomSerial(c);
  // Valid from five minutes ago, to tolerate clock skew, until the end of the validity or
  // the CA's own expiry, whichever comes first.
  X509_gmtime_adj(X509_getm_notBefore(c), -300);
  X509_gmtime_adj(X509_getm_notAfter(c), validity.count());
  if (X509_cmp_time(X509_get0_notAfter(ca_cert.get()), nullptr) < 0) {
    return InvalidArgument("the CA certificate has expired");
  }
  if (ASN1_TIME_compare(X509_get0_notAfter(c), X509_get0_notAfter(ca_cert.get())) > 0) {
    X509_set1_notAfter(c, X509_get0_notAfter(ca_cert.get()));
  }
  X509_set_subject_name(c, X509_REQ_get_subject_name(req.get()));
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert.get()));
  X509_set_pubkey(c, key.get());
  bool ok = AddExtension(c, ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            AddExtension(c, ca_cert.get(), NID_authority_key_identifier, "keyid:always") &&
            (key_usage.empty() ||
             AddExtension(c, ca_cert.get(), NID_key_usage, "critical," + key_usage)) &&
            (extended.empty() || AddExtension(c, ca_cert.get(), NID_ext_key_usage, extended));
  std::string sans;
  auto add_sans = [&](const char* prefix, const std::vector<std::string>& values) {
    for (const auto& v : values) sans += (sans.empty() ? "" : ",") + (prefix + v);
  };
  add_sans("DNS:", parsed->dns_names);
  add_sans("IP:", parsed->ip_addresses);
  add_sans("email:", parsed->email_addresses);
  add_sans("URI:", parsed->uris);
  if (ok && !sans.empty()) ok = AddExtension(c, ca_cert.get(), NID_subject_alt_name, sans);
  if (!ok) return OpenSslError("certificate extensions");
  if (X509_sign(c, ca_key.get(), EVP_sha256()) == 0) return OpenSslError("signing");
  return CertToPem(c);
}

}  // namespace carrier::x509
