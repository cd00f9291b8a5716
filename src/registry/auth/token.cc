#include "registry/auth/token.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>

#include "registry/auth/encoding.h"

namespace carrier::registry::auth {
namespace {

constexpr size_t kMaxTokenLength = 16 << 10;
constexpr int kEs256PartLength = 32;

// Failed checks leave OpenSSL errors queued on the thread; they must not leak into later calls.
Status Unauthorized(std::string message) {
  ERR_clear_error();
  return {Code::kUnauthorized, std::move(message)};
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

Result<PkeyPtr> ReadKey(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return InvalidArgument("token key " + path.string() + " cannot be opened");
  PkeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!key) return InvalidArgument("token key " + path.string() + " is not a PEM private key");
  return key;
}

Result<PkeyPtr> CreateKey(const std::filesystem::path& path) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Internal("cannot generate an EC P-256 token key");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return InvalidArgument("token key " + path.string() + " cannot be created");
  FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) {
    ::close(fd);
    return Internal("token key " + path.string() + " cannot be written");
  }
  bool written = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  written = (std::fflush(f) == 0) && written && (::fsync(fd) == 0);
  std::fclose(f);
  if (!written) return Internal("token key " + path.string() + " cannot be written");
  return key;
}

// Key id: base64url of the first 15 bytes of SHA-256 over the DER public key.
std::string KeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  int ok = EVP_Digest(der, static_cast<size_t>(len), hash, &hash_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  if (ok != 1) return "";
  return Base64UrlEncode(std::string_view(reinterpret_cast<char*>(hash), 15));
}

}  // namespace

Result<std::unique_ptr<TokenSigner>> TokenSigner::LoadOrCreate(const std::filesystem::path& path) {
  std::error_code ec;
  Result<PkeyPtr> key = std::filesystem::exists(path, ec) ? ReadKey(path) : CreateKey(path);
  if (!key.ok()) return key.status();
  EVP_PKEY* pkey = key->get();
  std::string algorithm;
  if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t group_len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof group, &group_len) != 1 ||
        std::string_view(group) != "prime256v1") {
      return InvalidArgument("token key " + path.string() +
                             ": EC keys must use the P-256 curve (ES256)");
    }
    algorithm = "ES256";
  } else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(pkey) < 2048) {
      return InvalidArgument("token key " + path.string() + ": RSA keys need at least 2048 bits");
    }
    algorithm = "RS256";
  } else {
    return InvalidArgument("token key " + path.string() +
                           ": only EC P-256 and RSA keys are supported");
  }
  std::string kid = KeyId(pkey);
  return std::unique_ptr<TokenSigner>(new TokenSigner(key->release(), algorithm, kid));
}

TokenSigner::TokenSigner(evp_pkey_st* key, std::string algorithm, std::string key_id)
    : key_(key), algorithm_(std::move(algorithm)), key_id_(std::move(key_id)) {}

TokenSigner::~TokenSigner() { EVP_PKEY_free(key_); }

Result<std::string> TokenSigner::Sign(std::string_view claims) const {
  boost::json::object header{{"typ", "JWT"}, {"alg", algorithm_}, {"kid", key_id_}};
  std::string signing_input =
      Base64UrlEncode(boost::json::serialize(header)) + "." + Base64UrlEncode(claims);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("cannot sign the token");
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("cannot sign the token");
  }
  sig.resize(sig_len);
  if (algorithm_ == "ES256") {
    // JWS carries ECDSA signatures as fixed-width r || s, not DER (RFC 7518 §3.4).
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    EcdsaSigPtr ecdsa(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
    if (!ecdsa) return Internal("cannot encode the token signature");
    std::string raw(2 * kEs256PartLength, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa.get()), out, kEs256PartLength) != kEs256PartLength ||
        BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa.get()), out + kEs256PartLength, kEs256PartLength) !=
            kEs256PartLength) {
      return Internal("cannot encode the token signature");
    }
    sig = std::move(raw);
  }
  return signing_input + "." + Base64UrlEncode(sig);
}

Result<std::string> TokenSigner::Verify(std::string_view token) const {
  if (token.size() > kMaxTokenLength) return Unauthorized("token is too long");
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Unauthorized("token is not a JWS compact serialization");
  }
  auto header_text = Base64UrlDecode(token.substr(0, first));
  auto claims = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  auto sig = Base64UrlDecode(token.substr(second + 1));
  if (!header_text || !claims || !sig) return Unauthorized("token is not valid base64url");

  boost::system::error_code ec;
  boost::json::value header = boost::json::parse(*header_text, ec);
  if (ec || !header.is_object()) return Unauthorized("token header is not a JSON object");
  const boost::json::value* alg = header.as_object().if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != algorithm_) {
    return Unauthorized("token is not signed with " + algorithm_);
  }

  std::string der;
  if (algorithm_ == "ES256") {
    if (sig->size() != 2 * kEs256PartLength) return Unauthorized("token signature is malformed");
    EcdsaSigPtr ecdsa(ECDSA_SIG_new());
    const auto* raw = reinterpret_cast<const unsigned char*>(sig->data());
    BIGNUM* r = BN_bin2bn(raw, kEs256PartLength, nullptr);
    BIGNUM* s = BN_bin2bn(raw + kEs256PartLength, kEs256PartLength, nullptr);
    if (!ecdsa || r == nullptr || s == nullptr || ECDSA_SIG_set0(ecdsa.get(), r, s) != 1) {
      BN_free(r);
      BN_free(s);
      return Internal("cannot decode the token signature");
    }
    unsigned char* out = nullptr;
    int len = i2d_ECDSA_SIG(ecdsa.get(), &out);
    if (len <= 0) return Internal("cannot decode the token signature");
    der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
  } else {
    der = std::move(*sig);
  }
  std::string_view signing_input = token.substr(0, second);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
    return Unauthorized("token signature does not verify");
  }
  return std::move(*claims);
}

}  // namespace carrier::registry::auth
