#include "registry/reference.h"

#include <openssl/evp.h>

#include <array>

namespace carrier::registry {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;
constexpr std::string_view kDockerHub = "docker.io";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }
bool IsHex(char c) { return IsLowerHex(c) || (c >= 'A' && c <= 'F'); }

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidPathComponent(std::string_view c) {
  size_t i = 0;
  const size_t n = c.size();
  while (true) {
    if (i >= n || !IsLowerAlnum(c[i])) return false;
    while (i < n && IsLowerAlnum(c[i])) ++i;
    if (i == n) return true;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < n && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < n && c[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

// ([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])
bool IsValidDomainComponent(std::string_view c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  for (char ch : c) {
    if (!IsAlnum(ch) && ch != '-') return false;
  }
  return true;
}

bool IsValidDomainName(std::string_view host) {
  if (host.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    if (!IsValidDomainComponent(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "[" IPv6 "]": hex groups, ':' and an optional embedded IPv4 tail; a loose but safe check.
bool IsValidBracketedIpv6(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  std::string_view inner = host.substr(1, host.size() - 2);
  if (inner.find(':') == std::string_view::npos || inner.size() > 45) return false;
  for (char c : inner) {
    if (!IsHex(c) && c != ':' && c != '.') return false;
  }
  return true;
}

bool IsValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (!IsDigit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

const EVP_MD* DigestAlgorithm(std::string_view algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha512") return EVP_sha512();
  return nullptr;
}

std::string ToLowerHex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

// The first path component names a registry when it looks like a host (as Docker decides).
bool LooksLikeRegistry(std::string_view component) {
  if (component == "localhost") return true;
  for (char c : component) {
    if (c == '.' || c == ':' || (c >= 'A' && c <= 'Z')) return true;
  }
  return false;
}

}  // namespace

bool IsValidRepositoryName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    if (!IsValidPathComponent(name.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  if (!IsAlnum(tag[0]) && tag[0] != '_') return false;
  for (char c : tag.substr(1)) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidRegistryHost(std::string_view host) {
  std::string_view name = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(0, close + 1);
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!IsValidPort(port)) return false;
    }
    return IsValidBracketedIpv6(name);
  }
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (!IsValidPort(port)) return false;
  }
  // A dotted IPv4 address is also a valid domain name under this grammar.
  return IsValidDomainName(name);
}

bool IsSupportedDigestAlgorithm(std::string_view algorithm) {
  return DigestAlgorithm(algorithm) != nullptr;
}

Result<Digest> ParseDigest(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("digest must have the form <algorithm>:<hex>");
  }
  std::string_view algorithm = text.substr(0, colon);
  std::string_view encoded = text.substr(colon + 1);
  size_t expected_length;
  if (algorithm == "sha256") {
    expected_length = 64;
  } else if (algorithm == "sha512") {
    expected_length = 128;
  } else {
    if (algorithm.empty()) return InvalidArgument("digest has an empty algorithm");
    if (algorithm.size() > 32) return InvalidArgument("digest algorithm is not supported");
    return InvalidArgument("digest algorithm \"" + std::string(algorithm) +
                           "\" is not supported (sha256 or sha512)");
  }
  if (encoded.size() != expected_length) {
    return InvalidArgument(std::string(algorithm) + " digest must have " +
                           std::to_string(expected_length) + " hex characters, not " +
                           std::to_string(encoded.size()));
  }
  for (char c : encoded) {
    if (!IsLowerHex(c)) {
      return InvalidArgument("digest must be lowercase hexadecimal");
    }
  }
  return Digest{std::string(algorithm), std::string(encoded)};
}

Digest ComputeDigest(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = DigestAlgorithm(algorithm);
  if (md == nullptr) return Digest{std::string(algorithm), ""};
  std::array<unsigned char, EVP_MAX_MD_SIZE> out;
  unsigned int out_len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &out_len, md, nullptr) != 1) {
    return Digest{std::string(algorithm), ""};
  }
  return Digest{std::string(algorithm), ToLowerHex(out.data(), out_len)};
}

void DigestHasher::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Result<DigestHasher> DigestHasher::Create(std::string_view algorithm) {
  const EVP_MD* md = DigestAlgorithm(algorithm);
  if (md == nullptr) {
    return InvalidArgument("digest algorithm \"" + std::string(algorithm.substr(0, 32)) +
                           "\" is not supported (sha256 or sha512)");
  }
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return Internal("cannot initialise the " + std::string(algorithm) + " digest");
  }
  return DigestHasher(std::string(algorithm), std::move(ctx));
}

void DigestHasher::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

Digest DigestHasher::Finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out;
  unsigned int out_len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &out_len) != 1) return Digest{algorithm_, ""};
  return Digest{algorithm_, ToLowerHex(out.data(), out_len)};
}

std::string ImageReference::Location() const { return registry + "/" + repository; }

std::string ImageReference::ToString() const {
  std::string out = Location();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->ToString();
  return out;
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  if (text.empty()) return InvalidArgument("image reference is empty");
  ImageReference ref;
  std::string_view name = text;

  if (size_t at = name.find('@'); at != std::string_view::npos) {
    Result<Digest> digest = ParseDigest(name.substr(at + 1));
    if (!digest.ok()) {
      return InvalidArgument("image reference has an invalid digest: " + digest.status().message());
    }
    ref.digest = std::move(digest).value();
    name = name.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (an earlier ':' is a registry port).
  size_t last_slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = name.substr(colon + 1);
    if (!IsValidTag(tag)) {
      return InvalidArgument("image reference has an invalid tag (want " +
                             std::string("[A-Za-z0-9_][A-Za-z0-9._-]{0,127})"));
    }
    ref.tag = std::string(tag);
    name = name.substr(0, colon);
  }
  if (name.empty()) return InvalidArgument("image reference has no repository name");
  if (name.size() > kMaxNameLength) {
    return InvalidArgument("image name is longer than 255 characters");
  }

  std::string_view path = name;
  size_t first_slash = name.find('/');
  if (first_slash != std::string_view::npos && LooksLikeRegistry(name.substr(0, first_slash))) {
    std::string_view host = name.substr(0, first_slash);
    if (!IsValidRegistryHost(host)) {
      return InvalidArgument("image reference has an invalid registry host \"" + std::string(host) +
                             "\"");
    }
    ref.registry = host == "index.docker.io" ? std::string(kDockerHub) : std::string(host);
    path = name.substr(first_slash + 1);
  } else {
    ref.registry = std::string(kDockerHub);
  }
  if (!IsValidRepositoryName(path)) {
    return InvalidArgument(
        "image reference has an invalid repository name \"" + std::string(path) +
        "\" (lowercase components [a-z0-9] separated by '.', '_', '__' or dashes, joined by "
        "'/')");
  }
  if (ref.registry == kDockerHub && path.find('/') == std::string_view::npos) {
    ref.repository = "library/" + std::string(path);
  } else {
    ref.repository = std::string(path);
  }
  // The limit holds for the normalised name too, so the canonical form always re-parses.
  if (ref.Location().size() > kMaxNameLength) {
    return InvalidArgument("image name is longer than 255 characters once normalised (" +
                           ref.Location().substr(0, 40) + "…)");
  }
  return ref;
}

}  // namespace carrier::registry
