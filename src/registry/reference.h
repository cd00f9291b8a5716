#pragma once
// Image names, tags, digests and full image references, as the OCI distribution spec and
// the containers image reference grammar define them. Every parser here takes untrusted
// input (URL paths, manifests, config files) and never crashes on it; each has a libFuzzer
// target in tests/fuzz/.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace carrier::registry {

// Repository name: path components [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* joined by '/',
// at most 255 characters in all.
bool IsValidRepositoryName(std::string_view name);
// Tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool IsValidTag(std::string_view tag);
// Registry host as it appears in a reference: a DNS name, an IPv4 address or a bracketed
// IPv6 address, optionally followed by ":<port>" (1–65535).
bool IsValidRegistryHost(std::string_view host);

struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string encoded;    // lowercase hex of the right length (64 or 128)
  std::string ToString() const { return algorithm + ":" + encoded; }
  bool operator==(const Digest&) const = default;
};

// True for the algorithms this registry computes and accepts: "sha256" and "sha512".
bool IsSupportedDigestAlgorithm(std::string_view algorithm);

// Parses "<algorithm>:<hex>". Only sha256 and sha512 are accepted (kInvalidArgument
// otherwise, with a message saying what is wrong).
Result<Digest> ParseDigest(std::string_view text);

// The digest of `data` under `algorithm` ("sha256" or "sha512"). For any other algorithm
// the result has an empty `encoded`, so it never equals a parsed digest.
Digest ComputeDigest(std::string_view algorithm, std::string_view data);

// Incremental digest of a stream (blob uploads arrive in chunks). Movable, not copyable.
class DigestHasher {
 public:
  // kInvalidArgument for an unsupported algorithm.
  static Result<DigestHasher> Create(std::string_view algorithm);
  void Update(std::string_view data);
  // The digest of everything passed to Update(); the hasher may not be used afterwards.
  Digest Finish();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  DigestHasher(std::string algorithm, std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx)
      : algorithm_(std::move(algorithm)), ctx_(std::move(ctx)) {}
  std::string algorithm_;
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

// A full reference such as "quay.io:443/openshift/release:4.14.0@sha256:…".
// registry: host[:port] ("docker.io" when the first component is not a host, i.e. has no
// '.' or ':' and is not "localhost"); repository: the path (docker.io single names get
// "library/"); tag and digest optional (both may be present).
struct ImageReference {
  std::string registry;
  std::string repository;
  std::string tag;
  std::optional<Digest> digest;

  // registry/repository, e.g. "quay.io/openshift/release".
  std::string Location() const;
  // The canonical text form: Location() then ":tag" and/or "@digest".
  std::string ToString() const;
};

Result<ImageReference> ParseImageReference(std::string_view text);

}  // namespace carrier::registry
