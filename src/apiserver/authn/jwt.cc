#include "apiserver/authn/jwt.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <boost/json.hpp>
#include <memory>

#include "api/json_decode.h"
#include "base/base64.h"

namespace carrier::apiserver::authn {

namespace json = boost::json;

namespace {

struct PKeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Status Unauthorized(std::string why) { return Status(Code::kUnauthorized, "invalid bearer token: " + why); }

PKey ReadPublicKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PKey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

PKey ReadPrivateKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<json::object> DecodeObjectPart(std::string_view part, const char* what) {
  auto bytes = Base64RawUrlDecode(part);
  if (!bytes) return Unauthorized(std::string(what) + " is not base64url");
  auto value = api::DecodeJson(*bytes);
  if (!value.ok() || !value->is_object()) return Unauthorized(std::string(what) + " is not a JSON object");
  return std::move(value->as_object());
}

// ECDSA: JOSE's fixed-width r||s <-> DER (what OpenSSL signs and verifies).
std::string RawToDer(const std::string& raw) {
  if (raw.size() != 64) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string DerToRaw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  std::string out(64, '\0');
  const BIGNUM* r = ECDSA_SIG_get0_r(sig);
  const BIGNUM* s = ECDSA_SIG_get0_s(sig);
  bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32) == 32 &&
            BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  return ok ? out : std::string();
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  if (token.empty() || token.size() > kMaxJwtBytes) return false;
  int dots = 0;
  for (char c : token) {
    if (c == '.') {
      ++dots;
    } else if (!IsBase64UrlChar(c)) {
      return false;
    }
  }
  return dots == 2;
}

Result<Jwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return Unauthorized("too long");
  if (!LooksLikeJwt(token)) return Unauthorized("not a JWT");
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  auto header = DecodeObjectPart(token.substr(0, first), "the header");
  if (!header.ok()) return header.status();
  Jwt jwt;
  auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Unauthorized("the header has no algorithm");
  jwt.algorithm = std::string(alg->get_string());
  if (jwt.algorithm != "RS256" && jwt.algorithm != "ES256") {
    return Unauthorized("algorithm \"" + jwt.algorithm + "\" is not accepted");
  }
  if (auto* typ = header->if_contains("typ"); typ && !typ->is_string()) {
    return Unauthorized("the header's typ is not a string");
  }
  if (auto* kid = header->if_contains("kid")) {
    if (!kid->is_string()) return Unauthorized("the header's kid is not a string");
    jwt.key_id = std::string(kid->get_string());
  }
  auto claims = DecodeObjectPart(token.substr(first + 1, second - first - 1), "the payload");
  if (!claims.ok()) return claims.status();
  jwt.claims = std::move(*claims);
  auto signature = Base64RawUrlDecode(token.substr(second + 1));
  if (!signature || signature->empty()) return Unauthorized("the signature is not base64url");
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, second));
  return jwt;
}

Status VerifyJwtSignature(const Jwt& jwt, const std::string& public_key_pem) {
  PKey key = ReadPublicKey(public_key_pem);
  if (!key) return Unauthorized("no usable verification key");
  const int type = EVP_PKEY_get_base_id(key.get());
  std::string signature;
  if (jwt.algorithm == "ES256" && type == EVP_PKEY_EC) {
    signature = RawToDer(jwt.signature);
  } else if (jwt.algorithm == "RS256" && type == EVP_PKEY_RSA) {
    signature = jwt.signature;
  } else {
    return Unauthorized("the algorithm does not match the key");
  }
  if (signature.empty()) return Unauthorized("malformed signature");
  MdCtx ctx(EVP_MD_CTX_new());
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
                             jwt.signing_input.size()) == 1;
  ERR_clear_error();
  if (!ok) return Unauthorized("the signature does not verify");
  return {};
}

Result<std::string> SignJwt(const json::object& claims, const std::string& private_key_pem,
                            const std::string& key_id) {
  PKey key = ReadPrivateKey(private_key_pem);
  if (!key) return Internal("the signing key is not a PEM private key");
  const int type = EVP_PKEY_get_base_id(key.get());
  if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) return Internal("unsupported signing key type");
  json::object header{{"alg", type == EVP_PKEY_EC ? "ES256" : "RS256"}, {"typ", "JWT"}};
  if (!key_id.empty()) header["kid"] = key_id;
  std::string input = Base64RawUrlEncode(json::serialize(header)) + "." +
                      Base64RawUrlEncode(json::serialize(claims));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Internal("signing a token failed");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Internal("signing a token failed");
  }
  signature.resize(len);
  if (type == EVP_PKEY_EC) {
    signature = DerToRaw(signature);
    if (signature.empty()) return Internal("encoding an ECDSA signature failed");
  }
  return input + "." + Base64RawUrlEncode(signature);
}

Result<std::string> GenerateSigningKey() {
  PKey key(EVP_EC_gen("P-256"));
  if (!key) return Internal("generating a signing key failed");
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("writing a signing key failed");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> PublicKeyPem(const std::string& private_key_pem) {
  PKey key = ReadPrivateKey(private_key_pem);
  if (!key) return InvalidArgument("not a PEM private key");
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return Internal("writing a public key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> KeyIdOf(const std::string& public_key_pem) {
  PKey key = ReadPublicKey(public_key_pem);
  if (!key) return InvalidArgument("not a PEM public key");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key.get(), &der);
  if (len <= 0) return Internal("encoding a public key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return Base64RawUrlEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

}  // namespace carrier::apiserver::authn
