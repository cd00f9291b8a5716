#include "registry/api.h"

#include <boost/json.hpp>
#include <charconv>

#include "registry/manifest.h"
#include "registry/reference.h"

namespace carrier::registry {

namespace {

namespace json = boost::json;
using http::Exchange;
using http::Request;
using http::Response;
using ExchangePtr = std::shared_ptr<Exchange>;

constexpr std::string_view kApiVersionHeader = "Docker-Distribution-Api-Version";

Response Error(int status, std::string_view code, std::string_view message) {
  json::object err;
  err["code"] = code;
  err["message"] = message;
  json::array errors;
  errors.push_back(std::move(err));
  json::object body;
  body["errors"] = std::move(errors);
  Response r = Response::Text(status, json::serialize(body), "application/json");
  return r;
}

Response Json(int status, const json::value& v, std::string content_type = "application/json") {
  return Response::Text(status, json::serialize(v), std::move(content_type));
}

// What a request is about, parsed from its path.
struct Route {
  enum Kind {
    kBase,
    kCatalog,
    kToken,
    kTags,
    kManifest,
    kBlob,
    kUploadStart,
    kUpload,
    kReferrers,
    kUnknown,
  } kind = kUnknown;
  std::string name;       // repository
  std::string reference;  // tag, digest or upload id
};

std::string Join(const std::vector<std::string>& parts, size_t end) {
  std::string out;
  for (size_t i = 0; i < end; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

Route ParseRoute(const std::string& raw_path) {
  Route r;
  auto decoded = http::PercentDecode(raw_path);
  if (!decoded) return r;
  const std::string& path = *decoded;
  if (path == "/v2" || path == "/v2/") {
    r.kind = Route::kBase;
    return r;
  }
  if (path == "/v2/_catalog") {
    r.kind = Route::kCatalog;
    return r;
  }
  if (path == "/token") {
    r.kind = Route::kToken;
    return r;
  }
  if (path.rfind("/v2/", 0) != 0) return r;
  std::vector<std::string> c;
  size_t start = 4;
  for (;;) {
    size_t slash = path.find('/', start);
    c.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  size_t n = c.size();
  if (n >= 3 && c[n - 2] == "tags" && c[n - 1] == "list") {
    r.kind = Route::kTags;
    r.name = Join(c, n - 2);
  } else if (n >= 4 && c[n - 3] == "blobs" && c[n - 2] == "uploads") {
    r.kind = c[n - 1].empty() ? Route::kUploadStart : Route::kUpload;
    r.name = Join(c, n - 3);
    r.reference = c[n - 1];
  } else if (n >= 3 && c[n - 2] == "blobs" && c[n - 1] == "uploads") {
    r.kind = Route::kUploadStart;
    r.name = Join(c, n - 2);
  } else if (n >= 3 && c[n - 2] == "blobs") {
    r.kind = Route::kBlob;
    r.name = Join(c, n - 2);
    r.reference = c[n - 1];
  } else if (n >= 3 && c[n - 2] == "manifests") {
    r.kind = Route::kManifest;
    r.name = Join(c, n - 2);
    r.reference = c[n - 1];
  } else if (n >= 3 && c[n - 2] == "referrers") {
    r.kind = Route::kReferrers;
    r.name = Join(c, n - 2);
    r.reference = c[n - 1];
  }
  return r;
}

// "<start>-<end>" as the spec requires for Content-Range on PATCH.
bool ParseContentRange(std::string_view v, uint64_t& first, uint64_t& last) {
  if (v.substr(0, 6) == "bytes ") v.remove_prefix(6);  // tolerate the RFC 9110 form
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = v.substr(0, dash), b = v.substr(dash + 1);
  size_t slash = b.find('/');
  if (slash != std::string_view::npos) b = b.substr(0, slash);
  auto pa = std::from_chars(a.data(), a.data() + a.size(), first);
  auto pb = std::from_chars(b.data(), b.data() + b.size(), last);
  return !a.empty() && !b.empty() && pa.ec == std::errc() && pa.ptr == a.data() + a.size() &&
         pb.ec == std::errc() && pb.ptr == b.data() + b.size() && last >= first;
}

std::string RangeHeader(uint64_t size) {
  return "0-" + std::to_string(size == 0 ? 0 : size - 1);
}

// Feeds a request body into an upload.
class UploadSink : public http::BodySink {
 public:
  explicit UploadSink(std::unique_ptr<UploadWriter> writer) : writer_(std::move(writer)) {}
  Status Write(std::string_view chunk) override { return writer_->Write(chunk); }
  uint64_t size() const { return writer_->size(); }
  void Release() { writer_.reset(); }

 private:
  std::unique_ptr<UploadWriter> writer_;
};

class Api : public std::enable_shared_from_this<Api> {
 public:
  Api(Storage* storage, ApiOptions options) : storage_(storage), opt_(std::move(options)) {}

  void Handle(const ExchangePtr& ex) {
    const Request& req = ex->request();
    Route route = ParseRoute(req.path);
    if (route.kind == Route::kToken) return Token(ex);
    if (route.kind == Route::kUnknown) {
      return Send(ex, Error(404, "UNSUPPORTED", "no such endpoint: " + req.path));
    }
    if (route.kind != Route::kBase && route.kind != Route::kCatalog &&
        !IsValidRepositoryName(route.name)) {
      return Send(ex, Error(400, "NAME_INVALID", "invalid repository name"));
    }
    const std::string& m = req.method;
    bool read = m == "GET" || m == "HEAD";
    if (!Authorized(ex, route, m)) return;
    switch (route.kind) {
      case Route::kBase:
        if (!read) break;
        return Send(ex, Json(200, json::object{}));
      case Route::kCatalog:
        if (m != "GET") break;
        return Catalog(ex);
      case Route::kTags:
        if (m != "GET") break;
        return Tags(ex, route);
      case Route::kReferrers:
        if (m != "GET") break;
        return Referrers(ex, route);
      case Route::kManifest:
        if (read) return GetManifest(ex, route, m == "HEAD");
        if (m == "PUT") return PutManifest(ex, route);
        if (m == "DELETE") return DeleteManifest(ex, route);
        break;
      case Route::kBlob:
        if (read) return GetBlob(ex, route);
        if (m == "DELETE") return DeleteBlob(ex, route);
        break;
      case Route::kUploadStart:
        if (m == "POST") return StartUpload(ex, route);
        break;
      case Route::kUpload:
        if (m == "GET") return UploadStatus(ex, route);
        if (m == "PATCH") return PatchUpload(ex, route);
        if (m == "PUT") return PutUpload(ex, route);
        if (m == "DELETE") return CancelUpload(ex, route);
        break;
      default:
        break;
    }
    Send(ex, Error(405, "UNSUPPORTED", "method not allowed here"));
  }

 private:
  static void Send(const ExchangePtr& ex, Response r) {
    r.SetHeader(kApiVersionHeader, "registry/2.0");
    ex->Respond(std::move(r));
  }

  // --- authorization
  bool Authorized(const ExchangePtr& ex, const Route& route, const std::string& method) {
    if (!opt_.auth) return true;
    std::vector<auth::Access> needed;
    if (route.kind == Route::kCatalog) {
      needed.push_back({"registry", "catalog", {"*"}});
    } else if (route.kind != Route::kBase) {
      std::string action = method == "GET" || method == "HEAD" ? "pull"
                           : method == "DELETE"                 ? "delete"
                                                                : "push";
      if (route.kind == Route::kUpload || route.kind == Route::kUploadStart) action = "push";
      needed.push_back({"repository", route.name, {action}});
    }
    auth::AuthDecision d = opt_.auth->Authorize(ex->request().Header("Authorization"), needed);
    if (d.allowed) return true;
    Response r = Error(d.http_status, d.error_code.empty() ? "UNAUTHORIZED" : d.error_code,
                       d.message.empty() ? "access denied" : d.message);
    if (!d.www_authenticate.empty()) r.SetHeader("WWW-Authenticate", d.www_authenticate);
    Send(ex, std::move(r));
    return false;
  }

  bool MayPull(const ExchangePtr& ex, const std::string& repo) {
    if (!opt_.auth) return true;
    return opt_.auth->Authorize(ex->request().Header("Authorization"),
                                {{"repository", repo, {"pull"}}})
        .allowed;
  }

  void Token(const ExchangePtr& ex) {
    if (!opt_.auth) return Send(ex, Error(404, "UNSUPPORTED", "token authentication is off"));
    const Request& req = ex->request();
    auth::TokenResponse t = opt_.auth->IssueToken(
        req.Header("Authorization"), req.QueryParam("service").value_or(""),
        req.QueryParams("scope"));
    Response r = Response::Text(t.http_status, std::move(t.body), "application/json");
    if (!t.www_authenticate.empty()) r.SetHeader("WWW-Authenticate", t.www_authenticate);
    Send(ex, std::move(r));
  }

  // --- content discovery
  // Applies n/last pagination to a sorted list; sets `link` to the next page's URL.
  static Result<std::vector<std::string>> Page(const Request& req, std::vector<std::string> all,
                                               const std::string& base, std::string& link) {
    auto last = req.QueryParam("last");
    if (last) {
      all.erase(all.begin(), std::upper_bound(all.begin(), all.end(), *last));
    }
    auto n_text = req.QueryParam("n");
    if (!n_text) return all;
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(n_text->data(), n_text->data() + n_text->size(), n);
    if (ec != std::errc() || p != n_text->data() + n_text->size()) {
      return InvalidArgument("n must be a non-negative integer");
    }
    if (all.size() > n) {
      all.resize(n);
      if (n > 0) {
        link = "<" + base + "?n=" + std::to_string(n) + "&last=" + http::PercentEncode(all.back()) +
               ">; rel=\"next\"";
      }
    }
    return all;
  }

  void Catalog(const ExchangePtr& ex) {
    std::string link;
    auto page = Page(ex->request(), storage_->ListRepositories(), "/v2/_catalog", link);
    if (!page.ok()) return Send(ex, Error(400, "UNSUPPORTED", page.status().message()));
    json::array repos;
    for (auto& r : *page) repos.emplace_back(r);
    Response res = Json(200, json::object{{"repositories", std::move(repos)}});
    if (!link.empty()) res.SetHeader("Link", link);
    Send(ex, std::move(res));
  }

  void Tags(const ExchangePtr& ex, const Route& route) {
    auto tags = storage_->ListTags(route.name);
    if (!tags.ok()) return Send(ex, Error(404, "NAME_UNKNOWN", "repository name not known"));
    std::string link;
    auto page = Page(ex->request(), std::move(tags).value(), "/v2/" + route.name + "/tags/list",
                     link);
    if (!page.ok()) return Send(ex, Error(400, "UNSUPPORTED", page.status().message()));
    json::array list;
    for (auto& t : *page) list.emplace_back(t);
    Response res = Json(200, json::object{{"name", route.name}, {"tags", std::move(list)}});
    if (!link.empty()) res.SetHeader("Link", link);
    Send(ex, std::move(res));
  }

  void Referrers(const ExchangePtr& ex, const Route& route) {
    auto subject = ParseDigest(route.reference);
    if (!subject.ok()) return Send(ex, Error(400, "DIGEST_INVALID", subject.status().message()));
    auto filter = ex->request().QueryParam("artifactType");
    json::array manifests;
    for (const auto& text : storage_->Referrers(route.name, *subject)) {
      boost::system::error_code ec;
      json::value d = json::parse(text, ec);
      if (ec || !d.is_object()) continue;
      if (filter) {
        auto* at = d.as_object().if_contains("artifactType");
        if (!at || !at->is_string() || at->get_string() != *filter) continue;
      }
      manifests.push_back(std::move(d));
    }
    json::object index{{"schemaVersion", 2},
                       {"mediaType", std::string(kOciIndex)},
                       {"manifests", std::move(manifests)}};
    Response res = Json(200, index, std::string(kOciIndex));
    if (filter) res.SetHeader("OCI-Filters-Applied", "artifactType");
    Send(ex, std::move(res));
  }

  // --- manifests
  // Resolves a tag or digest reference; on failure sends the error and returns nullopt.
  std::optional<Digest> ResolveReference(const ExchangePtr& ex, const Route& route) {
    if (route.reference.find(':') != std::string::npos) {
      auto d = ParseDigest(route.reference);
      if (!d.ok()) {
        Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
        return std::nullopt;
      }
      return *d;
    }
    if (!IsValidTag(route.reference)) {
      Send(ex, Error(400, "MANIFEST_INVALID", "invalid tag"));
      return std::nullopt;
    }
    auto d = storage_->ResolveTag(route.name, route.reference);
    if (!d.ok()) {
      Send(ex, Error(404, "MANIFEST_UNKNOWN", "manifest unknown"));
      return std::nullopt;
    }
    return *d;
  }

  void GetManifest(const ExchangePtr& ex, const Route& route, bool head) {
    auto digest = ResolveReference(ex, route);
    if (!digest) return;
    auto stored = storage_->GetManifest(route.name, *digest);
    if (!stored.ok()) return Send(ex, Error(404, "MANIFEST_UNKNOWN", "manifest unknown"));
    Response res;
    res.SetHeader("Content-Type", stored->media_type);
    res.SetHeader("Docker-Content-Digest", digest->ToString());
    res.SetHeader("ETag", "\"" + digest->ToString() + "\"");
    if (head) {
      res.head_content_length = stored->bytes.size();
    } else {
      res.body = std::move(stored->bytes);
    }
    Send(ex, std::move(res));
  }

  void PutManifest(const ExchangePtr& ex, const Route& route) {
    std::optional<Digest> by_digest;
    std::vector<std::string> tags;
    if (route.reference.find(':') != std::string::npos) {
      auto d = ParseDigest(route.reference);
      if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
      by_digest = *d;
    } else if (IsValidTag(route.reference)) {
      tags.push_back(route.reference);
    } else {
      return Send(ex, Error(400, "MANIFEST_INVALID", "invalid tag"));
    }
    for (auto& t : ex->request().QueryParams("tag")) {
      if (!IsValidTag(t)) return Send(ex, Error(400, "MANIFEST_INVALID", "invalid tag " + t));
      tags.push_back(std::move(t));
    }
    auto self = shared_from_this();
    ex->ReadBodyToString(opt_.max_manifest_bytes, [self, ex, route, by_digest, tags](
                                                      Status st, std::string body) {
      self->StoreManifest(ex, route, by_digest, tags, st, body);
    });
  }

  void StoreManifest(const ExchangePtr& ex, const Route& route, std::optional<Digest> by_digest,
                     const std::vector<std::string>& tags, const Status& st,
                     const std::string& body) {
    if (st.code() == Code::kTooLarge) {
      return Send(ex, Error(413, "SIZE_INVALID", "manifest too large"));
    }
    if (!st.ok()) return Send(ex, Error(400, "MANIFEST_INVALID", st.message()));
    auto info = ParseManifest(ex->request().Header("Content-Type"), body);
    if (!info.ok()) return Send(ex, Error(400, "MANIFEST_INVALID", info.status().message()));
    Digest digest = ComputeDigest(by_digest ? by_digest->algorithm : "sha256", body);
    if (by_digest && !(digest == *by_digest)) {
      return Send(ex, Error(400, "DIGEST_INVALID", "manifest digest is " + digest.ToString()));
    }
    Status put = storage_->PutManifest(route.name, digest, body, *info, tags);
    if (put.code() == Code::kNotFound) {
      return Send(ex, Error(400, "MANIFEST_BLOB_UNKNOWN", put.message()));
    }
    if (!put.ok()) return Send(ex, Error(500, "UNKNOWN", put.message()));
    Response res;
    res.status = 201;
    res.SetHeader("Location", "/v2/" + route.name + "/manifests/" + digest.ToString());
    res.SetHeader("Docker-Content-Digest", digest.ToString());
    if (info->subject) res.SetHeader("OCI-Subject", info->subject->ToString());
    Send(ex, std::move(res));
  }

  void DeleteManifest(const ExchangePtr& ex, const Route& route) {
    if (!opt_.delete_enabled) return Send(ex, Error(405, "UNSUPPORTED", "deletes are disabled"));
    Status st;
    if (route.reference.find(':') != std::string::npos) {
      auto d = ParseDigest(route.reference);
      if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
      st = storage_->DeleteManifest(route.name, *d);
    } else {
      if (!IsValidTag(route.reference)) {
        return Send(ex, Error(400, "MANIFEST_INVALID", "invalid tag"));
      }
      st = storage_->DeleteTag(route.name, route.reference);
    }
    if (st.code() == Code::kNotFound) {
      return Send(ex, Error(404, "MANIFEST_UNKNOWN", "manifest unknown"));
    }
    if (!st.ok()) return Send(ex, Error(500, "UNKNOWN", st.message()));
    Send(ex, Response::Text(202, ""));
  }

  // --- blobs
  void GetBlob(const ExchangePtr& ex, const Route& route) {
    auto d = ParseDigest(route.reference);
    if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
    if (ex->request().method == "HEAD") {
      auto size = storage_->StatBlob(route.name, *d);
      if (!size.ok()) return Send(ex, Error(404, "BLOB_UNKNOWN", "blob unknown"));
      Response res;
      res.head_content_length = *size;
      res.SetHeader("Content-Type", "application/octet-stream");
      res.SetHeader("Docker-Content-Digest", d->ToString());
      res.SetHeader("Accept-Ranges", "bytes");
      return Send(ex, std::move(res));
    }
    auto blob = storage_->OpenBlob(route.name, *d);
    if (!blob.ok()) return Send(ex, Error(404, "BLOB_UNKNOWN", "blob unknown"));
    Response res;
    res.file.emplace(blob->fd, blob->size);
    res.SetHeader("Content-Type", "application/octet-stream");
    res.SetHeader("Docker-Content-Digest", d->ToString());
    res.SetHeader("ETag", "\"" + d->ToString() + "\"");
    Send(ex, std::move(res));
  }

  void DeleteBlob(const ExchangePtr& ex, const Route& route) {
    if (!opt_.delete_enabled) return Send(ex, Error(405, "UNSUPPORTED", "deletes are disabled"));
    auto d = ParseDigest(route.reference);
    if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
    if (!storage_->UnlinkBlob(route.name, *d).ok()) {
      return Send(ex, Error(404, "BLOB_UNKNOWN", "blob unknown"));
    }
    Send(ex, Response::Text(202, ""));
  }

  // --- uploads
  static std::string UploadLocation(const Route& route, const std::string& id) {
    return "/v2/" + route.name + "/blobs/uploads/" + id;
  }

  Response BlobCreated(const Route& route, const Digest& d) {
    Response res;
    res.status = 201;
    res.SetHeader("Location", "/v2/" + route.name + "/blobs/" + d.ToString());
    res.SetHeader("Docker-Content-Digest", d.ToString());
    return res;
  }

  Response UploadProgress(int status, const Route& route, const std::string& id, uint64_t size) {
    Response res;
    res.status = status;
    res.SetHeader("Location", UploadLocation(route, id));
    res.SetHeader("Range", RangeHeader(size));
    res.SetHeader("Docker-Upload-UUID", id);
    return res;
  }

  void StartUpload(const ExchangePtr& ex, const Route& route) {
    const Request& req = ex->request();
    auto mount = req.QueryParam("mount");
    auto from = req.QueryParam("from");
    if (mount) {
      auto d = ParseDigest(*mount);
      if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
      if (from && IsValidRepositoryName(*from) && MayPull(ex, *from) &&
          storage_->MountBlob(route.name, *from, *d).ok()) {
        return Send(ex, BlobCreated(route, *d));
      }
      // Not mountable: fall back to a regular upload session, as the spec allows.
    }
    std::optional<Digest> digest;
    if (auto text = req.QueryParam("digest")) {
      auto d = ParseDigest(*text);
      if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
      digest = *d;
    }
    auto id = storage_->StartUpload(route.name);
    if (!id.ok()) return Send(ex, Error(500, "UNKNOWN", id.status().message()));
    if (!digest) return Send(ex, UploadProgress(202, route, *id, 0));
    // Monolithic upload in one POST.
    auto writer = storage_->AppendToUpload(route.name, *id, std::nullopt);
    if (!writer.ok()) return Send(ex, Error(500, "UNKNOWN", writer.status().message()));
    ReceiveChunk(ex, route, *id, std::move(writer).value(), digest);
  }

  void UploadStatus(const ExchangePtr& ex, const Route& route) {
    auto size = storage_->UploadSize(route.name, route.reference);
    if (!size.ok()) return Send(ex, Error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown"));
    Send(ex, UploadProgress(204, route, route.reference, *size));
  }

  // Opens the upload for this request's chunk, checking Content-Range when present.
  // Sends the error and returns null on failure.
  std::unique_ptr<UploadWriter> OpenChunk(const ExchangePtr& ex, const Route& route) {
    const Request& req = ex->request();
    std::optional<uint64_t> start;
    if (req.HasHeader("Content-Range")) {
      uint64_t first = 0, last = 0;
      if (!ParseContentRange(req.Header("Content-Range"), first, last)) {
        Send(ex, Error(416, "BLOB_UPLOAD_INVALID", "malformed Content-Range"));
        return nullptr;
      }
      auto length = req.ContentLength();
      if (length && *length != last - first + 1) {
        Send(ex, Error(400, "SIZE_INVALID", "Content-Length does not match Content-Range"));
        return nullptr;
      }
      start = first;
    }
    auto writer = storage_->AppendToUpload(route.name, route.reference, start);
    if (writer.ok()) return std::move(writer).value();
    if (writer.status().code() == Code::kNotFound) {
      Send(ex, Error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown"));
      return nullptr;
    }
    auto size = storage_->UploadSize(route.name, route.reference);
    Response res = Error(416, "BLOB_UPLOAD_INVALID", writer.status().message());
    res.SetHeader("Location", UploadLocation(route, route.reference));
    res.SetHeader("Range", RangeHeader(size.ok() ? *size : 0));
    Send(ex, std::move(res));
    return nullptr;
  }

  void PatchUpload(const ExchangePtr& ex, const Route& route) {
    auto writer = OpenChunk(ex, route);
    if (!writer) return;
    ReceiveChunk(ex, route, route.reference, std::move(writer), std::nullopt);
  }

  void PutUpload(const ExchangePtr& ex, const Route& route) {
    auto text = ex->request().QueryParam("digest");
    if (!text) return Send(ex, Error(400, "DIGEST_INVALID", "digest parameter missing"));
    auto d = ParseDigest(*text);
    if (!d.ok()) return Send(ex, Error(400, "DIGEST_INVALID", d.status().message()));
    if (!ex->request().HasBody()) return Complete(ex, route, route.reference, *d);
    auto writer = OpenChunk(ex, route);
    if (!writer) return;
    ReceiveChunk(ex, route, route.reference, std::move(writer), *d);
  }

  // Streams the body into the upload; then either reports progress (202) or, with a
  // digest, completes the upload.
  void ReceiveChunk(const ExchangePtr& ex, const Route& route, const std::string& id,
                    std::unique_ptr<UploadWriter> writer, std::optional<Digest> complete_with) {
    auto sink = std::make_shared<UploadSink>(std::move(writer));
    auto self = shared_from_this();
    ex->ReadBody(sink, UINT64_MAX, [self, ex, route, id, sink, complete_with](Status st) {
      uint64_t size = sink->size();
      sink->Release();  // the upload is free for the next request
      if (st.code() == Code::kTooLarge) {
        return Send(ex, Error(413, "SIZE_INVALID", st.message()));
      }
      if (!st.ok()) {
        bool client_side = st.code() == Code::kCancelled || st.code() == Code::kBadRequest;
        return Send(ex, Error(client_side ? 400 : 500,
                              client_side ? "BLOB_UPLOAD_INVALID" : "UNKNOWN", st.message()));
      }
      if (complete_with) return self->Complete(ex, route, id, *complete_with);
      Send(ex, self->UploadProgress(202, route, id, size));
    });
  }

  void Complete(const ExchangePtr& ex, const Route& route, const std::string& id,
                const Digest& digest) {
    auto done = storage_->CompleteUpload(route.name, id, digest);
    if (done.ok()) return Send(ex, BlobCreated(route, digest));
    switch (done.status().code()) {
      case Code::kNotFound:
        return Send(ex, Error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown"));
      case Code::kInvalidArgument:
        return Send(ex, Error(400, "DIGEST_INVALID", done.status().message()));
      case Code::kConflict:
        return Send(ex, Error(416, "BLOB_UPLOAD_INVALID", done.status().message()));
      default:
        return Send(ex, Error(500, "UNKNOWN", done.status().message()));
    }
  }

  void CancelUpload(const ExchangePtr& ex, const Route& route) {
    if (!storage_->CancelUpload(route.name, route.reference).ok()) {
      return Send(ex, Error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown"));
    }
    Send(ex, Response::Text(204, ""));
  }

  Storage* storage_;
  ApiOptions opt_;
};

}  // namespace

http::Handler MakeApiHandler(Storage* storage, ApiOptions options) {
  auto api = std::make_shared<Api>(storage, std::move(options));
  return [api](std::shared_ptr<Exchange> ex) { api->Handle(ex); };
}

}  // namespace carrier::registry
