#include "apiserver/rest_handler.h"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include "api/continue_token.h"
#include "api/field_selector.h"
#include "api/json_decode.h"
#include "api/json_patch.h"
#include "api/label_selector.h"
#include "api/managed_fields.h"
#include "api/protobuf/envelope.h"
#include "api/merge_patch.h"
#include "api/server_side_apply.h"
#include "api/status_json.h"
#include "api/strategic_merge_patch.h"
#include "api/validation.h"
#include "api/yaml_json.h"
#include "apiserver/admission/admission.h"
#include "apiserver/batch_defaults.h"
#include "apiserver/crd_strategy.h"
#include "apiserver/csr_strategy.h"
#include "apiserver/custom_resources.h"
#include "apiserver/eviction.h"
#include "apiserver/object_meta.h"
#include "apiserver/responses.h"
#include "apiserver/table_writer.h"
#include "apiserver/watch_stream.h"
#include "apiserver/workload_defaults.h"

namespace carrier::apiserver {

namespace json = boost::json;
using storage::Revision;

namespace {

constexpr uint64_t kMaxBodyBytes = 3 * 1024 * 1024;  // Kubernetes' request size limit
constexpr int kPatchRetries = 8;
constexpr std::string_view kYaml = "application/yaml";
constexpr std::string_view kApplyPatch = "application/apply-patch+yaml";

http::Response EncodeResponse(http::Response r, bool yaml);

// Everything a handler needs about one request.
struct Call {
  std::shared_ptr<http::Exchange> ex;
  RequestInfo info;
  const ResourceType* type;
  Negotiated accept;
  std::shared_ptr<const CustomTypeSet> custom_types;  // keeps a custom `type` alive
  UserInfo user;                                        // who asks
  bool yaml = false;      // Accept: application/yaml (answers are converted at the edge)
  bool applying = false;  // a server-side apply: managedFields are already computed
  // Admission warnings, sent as Warning headers with the response.
  std::shared_ptr<std::vector<std::string>> warnings =
      std::make_shared<std::vector<std::string>>();

  std::optional<std::string> Query(std::string_view key) const {
    return ex->request().QueryParam(key);
  }
  bool DryRun() const { return Query("dryRun").value_or("") == "All"; }
  void Respond(http::Response r) const {
    ex->Respond(WithWarnings(EncodeResponse(std::move(r), yaml)));
  }
  void Fail(const api::ApiError& e) const { Respond(ErrorResponse(e)); }
  void Fail(const Status& s) const { Respond(ErrorResponse(s)); }
  http::Response WithWarnings(http::Response r) const {
    for (const auto& w : *warnings) {
      std::string escaped;
      for (char ch : w) {
        if (ch == '"' || ch == '\\') escaped += '\\';
        escaped += ch;
      }
      r.headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
    }
    return r;
  }
};

// ---- YAML at the edges, and field managers --------------------------------------------

// Whether the client prefers YAML: the first media range of Accept.
bool PrefersYaml(std::string_view accept) {
  std::string_view first = accept.substr(0, accept.find(','));
  first = first.substr(0, first.find(';'));
  while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
  while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
  return first == kYaml;
}

// A JSON answer re-encoded as YAML for a client that asked for it.
http::Response EncodeResponse(http::Response r, bool yaml) {
  if (!yaml || r.file) return r;
  bool is_json = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Type") is_json = value == "application/json";
  }
  if (!is_json) return r;
  auto v = api::DecodeJson(r.body);
  if (!v.ok()) return r;
  r.body = api::JsonToYaml(*v);
  r.SetHeader("Content-Type", std::string(kYaml));
  return r;
}

// A create or update body: JSON, YAML with Content-Type application/yaml, or a built-in
// type in the Kubernetes protobuf encoding (kubectl's typed commands), transcoded to JSON.
Result<json::object> DecodeBody(std::string_view content_type, std::string_view body) {
  if (content_type == api::protobuf::kProtobufMediaType) return api::protobuf::DecodeObject(body);
  json::value v;
  if (content_type == kYaml) {
    auto parsed = api::YamlToJson(body);
    if (!parsed.ok()) return parsed.status();
    v = std::move(*parsed);
  } else {
    auto parsed = api::DecodeJson(body);
    if (!parsed.ok()) {
      return Status(Code::kBadRequest,
                    "the request body is not a JSON object: " + parsed.status().message());
    }
    v = std::move(*parsed);
  }
  if (!v.is_object()) return Status(Code::kBadRequest, "the request body is not a JSON object");
  return std::move(v.get_object());
}

api::Shape ShapeOf(const Call& c) {
  if (c.type->custom) {
    return api::Shape::OpenApi(c.type->custom->schema ? &c.type->custom->schema->source()
                                                      : nullptr);
  }
  return api::Shape::Builtin(c.type->group, c.type->kind);
}

api::FieldManagerContext ManagerOf(const Call& c) {
  api::FieldManagerContext who;
  who.manager = c.Query("fieldManager").value_or("");
  if (who.manager.empty()) who.manager = api::ManagerFromUserAgent(c.ex->request().Header("User-Agent"));
  who.api_version = c.type->GroupVersion();
  who.subresource = c.info.subresource;
  who.time = Rfc3339(std::chrono::system_clock::now());
  who.has_status = c.type->has_status;
  return who;
}

// Records a create (old null), update or non-apply patch in next's managedFields.
Status RecordUpdate(const Call& c, const json::object* old, json::object& next) {
  if (c.applying) return Status::Ok();
  return api::TrackUpdate(old, next, ShapeOf(c), ManagerOf(c));
}

api::ApiError NotFoundError(const Call& c) {
  return api::NewNotFound(c.type->group, c.type->resource, c.info.name);
}

api::ApiError ConflictError(const Call& c, std::string_view name) {
  return api::NewConflict(c.type->group, c.type->resource, name);
}

// The selection a list or watch asks for.
struct Selection {
  api::LabelSelector labels;
  api::FieldSelector fields;
  const api::FieldSet* field_set = nullptr;

  bool Matches(const json::object& obj) const {
    if (!labels.MatchesEverything()) {
      const json::value* meta = obj.if_contains("metadata");
      const json::value* l = meta && meta->is_object() ? meta->get_object().if_contains("labels")
                                                       : nullptr;
      if (!labels.Matches(l ? *l : json::value())) return false;
    }
    return fields.MatchesEverything() || fields.Matches(*field_set, json::value(obj));
  }
  bool Everything() const { return labels.MatchesEverything() && fields.MatchesEverything(); }
};

Result<Selection> ParseSelection(const Call& c) {
  Selection s;
  if (auto text = c.Query("labelSelector")) {
    auto parsed = api::LabelSelector::Parse(*text);
    if (!parsed.ok()) return parsed.status();
    s.labels = std::move(*parsed);
  }
  s.field_set = &api::FieldSet::ForKind(c.type->group, c.type->kind);
  if (auto text = c.Query("fieldSelector")) {
    auto parsed = api::FieldSelector::Parse(*text);
    if (!parsed.ok()) return parsed.status();
    CARRIER_RETURN_IF_ERROR(parsed->CheckSupported(*s.field_set));
    s.fields = std::move(*parsed);
  }
  return s;
}

// A stored object as the request's version presents it.
Result<json::object> DecodeFor(const Call& c, std::string_view bytes, Revision revision) {
  auto obj = DecodeStored(bytes, revision);
  if (obj.ok() && c.type->custom) (*obj)["apiVersion"] = c.type->GroupVersion();
  return obj;
}

// meta.k8s.io PartialObjectMetadata: the object's type and metadata only.
json::object PartialMetadata(const Call& c, const json::object& obj) {
  json::object meta;
  if (auto* m = obj.if_contains("metadata"); m && m->is_object()) meta = m->get_object();
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/" + c.accept.partial_version},
          {"metadata", std::move(meta)}};
}

// Renders one object for the client: the object itself, its PartialObjectMetadata or a
// one-row Table.
json::value Render(const Call& c, const json::object& obj) {
  if (c.type->custom) {
    const json::value* v = obj.if_contains("apiVersion");
    if (v == nullptr || *v != json::value(c.type->GroupVersion())) {
      json::object copy = obj;
      copy["apiVersion"] = c.type->GroupVersion();
      return Render(c, copy);
    }
  }
  if (c.accept.partial_metadata) return PartialMetadata(c, obj);
  if (!c.accept.table) return obj;
  json::object list_meta{{"resourceVersion", MetaString(obj, "resourceVersion")}};
  return MakeTable(*c.type, c.accept.table_version, {&obj}, list_meta,
                   ParseIncludeObject(c.Query("includeObject").value_or("")));
}

Result<Revision> ParseRevision(std::string_view text) {
  Revision r = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9' || r > (INT64_MAX - 9) / 10) {
      return Status(Code::kBadRequest,
                    "invalid resource version \"" + std::string(text) + "\"");
    }
    r = r * 10 + (ch - '0');
  }
  if (text.empty()) return Status(Code::kBadRequest, "empty resource version");
  return r;
}

std::string GenerateNameSuffix() {
  return api::GenerateName("", [](uint32_t n) {
    uint32_t r = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r);
    return r % n;
  });
}

// Whether two JSON values differ (for generation bumps and no-op detection).
bool Differs(const json::value* a, const json::value* b) {
  if (a == nullptr || b == nullptr) return a != b;
  return !api::JsonEqual(*a, *b);
}

bool IsCrd(const ResourceType& type) {
  return type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions";
}

// A custom resource is stored in its CRD's storage version and served in the version asked
// for; with conversion strategy None only apiVersion differs.
void ServeAsRequested(const Call& c, json::object& obj) {
  if (c.type->custom) obj["apiVersion"] = c.type->GroupVersion();
}

std::string StoredApiVersion(const ResourceType& type) {
  return type.custom ? type.group + "/" + type.custom->storage_version : type.GroupVersion();
}

// Defaults, prunes and validates a custom resource against its version's schema; `old` is
// the object an update replaces (its transition rules compare with it).
std::optional<api::ApiError> ApplySchema(const Call& c, json::object& obj,
                                         const json::object* old = nullptr) {
  if (!c.type->custom || !c.type->custom->schema) return std::nullopt;
  json::value v(std::move(obj));
  c.type->custom->schema->Default(v);
  c.type->custom->schema->Prune(v);
  obj = std::move(v.get_object());
  const json::value old_value = old ? json::value(*old) : json::value();
  auto errors = c.type->custom->schema->Validate(json::value(obj), old ? &old_value : nullptr);
  if (errors.empty()) return std::nullopt;
  return api::NewInvalid(c.type->group, c.type->kind, MetaString(obj, "name"), std::move(errors));
}

// The CRD strategy of a create (old == null) or update: defaults, validation, status.
std::optional<api::ApiError> PrepareCrd(json::object& crd, const json::object* old) {
  DefaultCrd(crd);
  auto errors = ValidateCrd(crd, old);
  if (!errors.empty()) {
    return api::NewInvalid("apiextensions.k8s.io", "CustomResourceDefinition",
                           MetaString(crd, "name"), std::move(errors));
  }
  SetCrdStatus(crd, old, "");
  return std::nullopt;
}

}  // namespace

class RestHandlerImpl {
 public:
  RestHandlerImpl(storage::Store& store, WatchRegistry& watches, CustomResources& customs,
                  const admission::Chain* admission)
      : store_(store), watches_(watches), customs_(customs), admission_(admission) {}

  // ---- Admission hook: the one call before every write (src/apiserver/admission/). ----
  // `obj` is the object about to be stored (mutable; null on delete), `old_obj` the stored
  // one (null on create).
  std::optional<api::ApiError> Admit(const Call& c, admission::Operation op,
                                     const json::object* old_obj, json::object* obj,
                                     std::string_view name, bool dry_run) {
    if (admission_ == nullptr) return std::nullopt;
    admission::Request r;
    r.operation = op;
    r.cluster = c.info.cluster;
    r.type = c.type;
    r.namespace_ = c.info.namespace_;
    r.name = std::string(name);
    r.subresource = c.info.subresource;
    r.user = &c.user;
    r.old_object = old_obj;
    r.object = obj;
    r.dry_run = dry_run;
    auto denied = admission_->Run(r);
    for (auto& w : r.warnings) c.warnings->push_back(std::move(w));
    return denied;
  }

  void Get(const Call& c) {
    auto got = store_.Get(Key(c, c.info.name));
    if (!got.ok()) return c.Fail(got.status());
    if (!got->kv) return c.Fail(NotFoundError(c));
    auto obj = DecodeFor(c, got->kv->value, got->kv->mod_revision);
    if (!obj.ok()) return c.Fail(obj.status());
    if (c.info.subresource == "scale") return c.Respond(JsonResponse(200, ScaleOf(*obj)));
    c.Respond(JsonResponse(200, Render(c, *obj)));
  }

  void List(const Call& c) {
    auto selection = ParseSelection(c);
    if (!selection.ok()) return c.Fail(selection.status());
    int64_t limit = 0;
    if (auto l = c.Query("limit"); l && !l->empty()) {
      auto parsed = ParseRevision(*l);
      if (!parsed.ok()) return c.Fail(Status(Code::kBadRequest, "invalid limit " + *l));
      limit = *parsed;
    }
    storage::ListOptions options;
    const std::string prefix = CollectionPrefix(c.info.cluster, *c.type, c.info.namespace_);
    options.range = storage::KeyRange::Prefix(prefix);
    if (auto token = c.Query("continue"); token && !token->empty()) {
      auto decoded = api::DecodeContinueToken(*token, prefix);
      if (!decoded.ok()) return c.Fail(decoded.status());
      options.revision = decoded->revision;
      options.start_after = decoded->start_key;
    } else {
      auto rv = ResolveListRevision(c);
      if (!rv.ok()) return c.Fail(rv.status());
      options.revision = *rv;
    }

    // Page through the store until `limit` selected objects are found or the range ends.
    std::vector<json::object> items;
    bool more = false;
    std::string last_key;
    Revision read_at = options.revision;
    while (true) {
      options.limit = limit > 0 ? std::max<int64_t>(limit - static_cast<int64_t>(items.size()),
                                                    selection->Everything() ? 0 : 64)
                                : 0;
      auto page = store_.List(options);
      if (!page.ok()) {
        if (page.status().code() == Code::kGone) {
          return c.Fail(api::NewResourceExpired(
              "The provided continue parameter is too old to display a consistent list result. "
              "You can start a new list without the continue parameter."));
        }
        return c.Fail(page.status());
      }
      read_at = page->revision;
      options.revision = read_at;
      for (auto& kv : page->kvs) {
        last_key = kv.key;
        auto obj = DecodeFor(c, kv.value, kv.mod_revision);
        if (!obj.ok()) return c.Fail(obj.status());
        if (!selection->Matches(*obj)) continue;
        items.push_back(std::move(*obj));
        if (limit > 0 && static_cast<int64_t>(items.size()) == limit) break;
      }
      more = page->more || (limit > 0 && static_cast<int64_t>(items.size()) == limit &&
                            last_key != page->kvs.back().key);
      if (!page->more || (limit > 0 && static_cast<int64_t>(items.size()) == limit)) break;
      options.start_after = last_key;
    }

    json::object list_meta{{"resourceVersion", std::to_string(read_at)}};
    if (more) {
      list_meta["continue"] = api::EncodeContinueToken(read_at, last_key, prefix);
      if (selection->Everything()) {
        // Items after the last one returned, counted without selectors.
        int64_t after = 0;
        storage::ListOptions count = options;
        count.start_after = last_key;
        count.keys_only = true;
        count.limit = 1;
        if (auto counted = store_.List(count); counted.ok()) {
          after = counted->remaining + static_cast<int64_t>(counted->kvs.size());
        }
        list_meta["remainingItemCount"] = after;
      }
    }
    if (c.accept.table) {
      std::vector<const json::object*> ptrs;
      for (const auto& i : items) ptrs.push_back(&i);
      return c.Respond(JsonResponse(
          200, MakeTable(*c.type, c.accept.table_version, ptrs, list_meta,
                         ParseIncludeObject(c.Query("includeObject").value_or("")))));
    }
    json::array array;
    array.reserve(items.size());
    if (c.accept.partial_metadata) {
      for (auto& i : items) array.emplace_back(PartialMetadata(c, i));
      return c.Respond(JsonResponse(
          200, json::object{{"kind", "PartialObjectMetadataList"},
                            {"apiVersion", "meta.k8s.io/" + c.accept.partial_version},
                            {"metadata", std::move(list_meta)},
                            {"items", std::move(array)}}));
    }
    for (auto& i : items) array.emplace_back(std::move(i));
    json::object list{{"kind", c.type->ListKind()},
                      {"apiVersion", c.type->GroupVersion()},
                      {"metadata", std::move(list_meta)},
                      {"items", std::move(array)}};
    c.Respond(JsonResponse(200, list));
  }

  void Watch(const Call& c) {
    auto selection = ParseSelection(c);
    if (!selection.ok()) return c.Fail(selection.status());
    WatchSpec spec;
    const std::string prefix = CollectionPrefix(c.info.cluster, *c.type, c.info.namespace_);
    spec.range = storage::KeyRange::Prefix(prefix);
    if (!c.info.name.empty()) spec.range = storage::KeyRange::Key(prefix + c.info.name);
    spec.bookmarks = QueryBool(c.Query("allowWatchBookmarks"));
    spec.kind = c.type->kind;
    spec.api_version = c.type->GroupVersion();
    if (auto t = c.Query("timeoutSeconds"); t && !t->empty()) {
      auto secs = ParseRevision(*t);
      if (!secs.ok()) return c.Fail(Status(Code::kBadRequest, "invalid timeoutSeconds " + *t));
      spec.timeout = std::chrono::seconds(*secs);
    }
    const std::string rv = c.Query("resourceVersion").value_or("");
    const bool send_initial = QueryBool(c.Query("sendInitialEvents"));
    if (send_initial && c.Query("resourceVersionMatch").value_or("") != "NotOlderThan") {
      return c.Fail(Status(Code::kInvalidArgument,
                           "sendInitialEvents requires resourceVersionMatch=NotOlderThan"));
    }
    if (send_initial || rv.empty() || rv == "0") {
      // Start from the current state: every selected object as ADDED, then the changes.
      storage::ListOptions options;
      options.range = spec.range;
      auto list = store_.List(options);
      if (!list.ok()) return c.Fail(list.status());
      for (const auto& kv : list->kvs) {
        auto obj = DecodeFor(c, kv.value, kv.mod_revision);
        if (obj.ok() && selection->Matches(*obj)) spec.initial.push_back(std::move(*obj));
      }
      spec.start_revision = list->revision + 1;
      spec.send_initial_events_end_bookmark = send_initial && spec.bookmarks;
    } else {
      auto parsed = ParseRevision(rv);
      if (!parsed.ok()) return c.Fail(parsed.status());
      spec.start_revision = *parsed + 1;
    }
    Selection sel = std::move(*selection);
    spec.matches = [sel](const json::object& o) { return sel.Matches(o); };
    Call call = c;
    spec.render = [call](const json::object& o) { return Render(call, o); };
    watches_.Start(c.ex, std::move(spec));
  }

  // `lost_race`: set instead of answering when the name is taken (a server-side apply that
  // creates retries as an update).
  void Create(const Call& c, json::object obj, bool* lost_race = nullptr) {
    if (auto st = CheckKind(c, obj); !st.ok()) return c.Fail(st);
    json::object& meta = MutableMetadata(obj);
    if (c.type->namespaced) {
      std::string_view ns = MetaString(obj, "namespace");
      if (!ns.empty() && ns != c.info.namespace_) {
        return c.Fail(Status(Code::kBadRequest,
                             "the namespace of the provided object does not match the "
                             "namespace sent on the request"));
      }
      if (c.info.namespace_.empty()) {
        return c.Fail(Status(Code::kNotFound, "the server could not find the requested resource"));
      }
      meta["namespace"] = c.info.namespace_;
    } else {
      meta.erase("namespace");
    }
    if (MetaString(obj, "name").empty()) {
      std::string_view base = MetaString(obj, "generateName");
      if (!base.empty()) meta["name"] = std::string(base) + GenerateNameSuffix();
    }
    auto errors = api::ValidateObjectMeta(obj["metadata"], c.type->namespaced,
                                          api::NameRule::kDns1123Subdomain);
    if (!errors.empty()) {
      return c.Fail(api::NewInvalid(c.type->group, c.type->kind, MetaString(obj, "name"),
                                    std::move(errors)));
    }
    const std::string name(MetaString(obj, "name"));
    meta["uid"] = NewUid();
    meta["creationTimestamp"] = Rfc3339(std::chrono::system_clock::now());
    meta["generation"] = 1;
    meta.erase("resourceVersion");
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
    meta.erase("selfLink");
    PrepareForCreate(*c.type, obj);
    DefaultWorkload(*c.type, obj);
    if (csr::IsCsr(*c.type)) {
      if (auto invalid = csr::PrepareForCreate(obj, c.user)) return c.Fail(*invalid);
    }
    if (c.type->custom && c.type->has_status) obj.erase("status");
    if (auto invalid = ApplySchema(c, obj)) return c.Fail(*invalid);
    if (IsCrd(*c.type)) {
      if (auto invalid = PrepareCrd(obj, nullptr)) return c.Fail(*invalid);
    }
    if (auto st = RecordUpdate(c, nullptr, obj); !st.ok()) return c.Fail(st);
    if (auto denied = Admit(c, admission::Operation::kCreate, nullptr, &obj, name, c.DryRun())) {
      return c.Fail(*denied);  // admission hook
    }
    if (c.DryRun()) return c.Respond(JsonResponse(201, obj));

    obj["apiVersion"] = StoredApiVersion(*c.type);
    auto created = store_.Create(Key(c, name), json::serialize(obj));
    if (!created.ok()) {
      if (created.status().code() == Code::kAlreadyExists) {
        if (lost_race) {
          *lost_race = true;
          return;
        }
        return c.Fail(api::NewAlreadyExists(c.type->group, c.type->resource, name));
      }
      return c.Fail(created.status());
    }
    if (IsCrd(*c.type)) customs_.Refresh(c.info.cluster);
    ServeAsRequested(c, obj);
    SetResourceVersion(obj, created->mod_revision);
    c.Respond(JsonResponse(201, Render(c, obj)));
  }

  // PUT: replaces the object (or its status, or its scale).
  void Update(const Call& c, json::object incoming) {
    if (c.info.subresource != "scale") {
      if (auto st = CheckKind(c, incoming); !st.ok()) return c.Fail(st);
      std::string_view name = MetaString(incoming, "name");
      if (name != c.info.name) {
        return c.Fail(Status(Code::kBadRequest, "the name of the object (" + std::string(name) +
                                                    ") does not match the name on the URL (" +
                                                    c.info.name + ")"));
      }
    }
    auto current = ReadCurrent(c);
    if (!current.ok()) return c.Fail(current.status());
    auto [old_obj, old_rev] = std::move(*current);
    std::string_view rv = MetaString(incoming, "resourceVersion");
    if (!rv.empty() && rv != std::to_string(old_rev)) {
      return c.Fail(ConflictError(c, c.info.name));
    }
    json::object next = c.info.subresource == "scale" ? ApplyScale(old_obj, incoming)
                                                      : std::move(incoming);
    Commit(c, old_obj, old_rev, std::move(next), 200);
  }

  void Patch(const Call& c, std::string body) {
    std::string content_type(c.ex->request().Header("Content-Type"));
    content_type = content_type.substr(0, content_type.find(';'));
    if (content_type == kApplyPatch) return Apply(c, body);
    for (int attempt = 0; attempt < kPatchRetries; ++attempt) {
      auto current = ReadCurrent(c);
      if (!current.ok()) return c.Fail(current.status());
      auto [old_obj, old_rev] = std::move(*current);
      json::value doc = c.info.subresource == "scale" ? json::value(ScaleOf(old_obj))
                                                      : json::value(old_obj);
      auto st = ApplyPatch(c, content_type, body, doc);
      if (!st.ok()) return c.Fail(st);
      if (!doc.is_object()) {
        return c.Fail(Status(Code::kBadRequest, "the patch did not produce an object"));
      }
      json::object next = c.info.subresource == "scale"
                              ? ApplyScale(old_obj, doc.get_object())
                              : std::move(doc.get_object());
      // A resourceVersion the patch itself sets is a precondition.
      std::string_view rv = MetaString(next, "resourceVersion");
      if (!rv.empty() && rv != std::to_string(old_rev)) {
        return c.Fail(ConflictError(c, c.info.name));
      }
      if (Commit(c, old_obj, old_rev, std::move(next), 200, /*retry_on_conflict=*/true)) return;
    }
    c.Fail(ConflictError(c, c.info.name));
  }

  // PATCH application/apply-patch+yaml: server-side apply of a configuration (creates when
  // the object is absent).
  void Apply(const Call& call, const std::string& body) {
    if (call.Query("fieldManager").value_or("").empty()) {
      return call.Fail(Status(Code::kBadRequest, "fieldManager is required for apply requests"));
    }
    if (call.info.subresource == "scale") {
      return call.Fail(Status(Code::kUnsupportedMedia,
                              "server-side apply of the scale subresource is not supported"));
    }
    auto parsed = api::YamlToJson(body);
    if (!parsed.ok()) return call.Fail(parsed.status());
    if (!parsed->is_object()) {
      return call.Fail(Status(Code::kBadRequest, "the applied configuration is not an object"));
    }
    json::object config = std::move(parsed->get_object());
    if (auto st = CheckKind(call, config); !st.ok()) return call.Fail(st);
    std::string_view name = MetaString(config, "name");
    if (!name.empty() && name != call.info.name) {
      return call.Fail(Status(Code::kBadRequest, "the name of the object (" + std::string(name) +
                                                     ") does not match the name on the URL (" +
                                                     call.info.name + ")"));
    }
    Call c = call;
    c.applying = true;
    const bool force = QueryBool(c.Query("force"));
    for (int attempt = 0; attempt < kPatchRetries; ++attempt) {
      auto current = ReadCurrent(c);
      if (!current.ok() && current.status().code() != Code::kNotFound) return c.Fail(current.status());
      if (!current.ok() && !c.info.subresource.empty()) return c.Fail(current.status());
      const json::object* live = current.ok() ? &current->first : nullptr;
      auto out = api::ServerSideApply(live, config, ShapeOf(c), ManagerOf(c), force);
      if (!out.ok()) return c.Fail(out.status());
      if (!out->conflicts.empty()) return c.Fail(api::ApplyConflictError(out->conflicts));
      if (live == nullptr) {
        MutableMetadata(out->object)["name"] = c.info.name;
        bool lost_race = false;
        Create(c, std::move(out->object), &lost_race);
        if (!lost_race) return;
        continue;
      }
      if (Commit(c, *live, current->second, std::move(out->object), 200,
                 /*retry_on_conflict=*/true)) {
        return;
      }
    }
    c.Fail(ConflictError(c, c.info.name));
  }

  void Delete(const Call& c, const json::object& options) {
    for (int attempt = 0; attempt < kPatchRetries; ++attempt) {
      auto current = ReadCurrent(c);
      if (!current.ok()) return c.Fail(current.status());
      auto [obj, rev] = std::move(*current);
      if (auto st = CheckPreconditions(options, obj, rev); !st.ok()) return c.Fail(st);
      if (auto denied = Admit(c, admission::Operation::kDelete, &obj, nullptr, c.info.name,
                              c.DryRun() || HasDryRun(options))) {
        return c.Fail(*denied);  // admission hook
      }
      std::string policy;
      if (auto* p = options.if_contains("propagationPolicy"); p && p->is_string()) {
        policy = std::string(p->get_string());
      }
      bool dry_run = c.DryRun() || HasDryRun(options);
      json::object& meta = MutableMetadata(obj);
      json::array finalizers;
      if (auto* f = meta.if_contains("finalizers"); f && f->is_array()) finalizers = f->get_array();
      auto add_finalizer = [&](std::string_view name) {
        for (const auto& f : finalizers) {
          if (f.is_string() && f.get_string() == name) return;
        }
        finalizers.emplace_back(name);
      };
      if (policy == "Foreground") add_finalizer("foregroundDeletion");
      if (policy == "Orphan") add_finalizer("orphan");
      const bool is_namespace = c.type->group.empty() && c.type->resource == "namespaces";
      if (!finalizers.empty() || is_namespace) {
        // Graceful: mark for deletion; whoever owns a finalizer completes it.
        if (!meta.contains("deletionTimestamp")) {
          meta["deletionTimestamp"] = Rfc3339(std::chrono::system_clock::now());
          meta["deletionGracePeriodSeconds"] = 0;
        }
        if (!finalizers.empty()) meta["finalizers"] = finalizers;
        if (is_namespace) obj["status"] = json::object{{"phase", "Terminating"}};
        if (dry_run) return c.Respond(JsonResponse(200, obj));
        auto updated = store_.Update(Key(c, c.info.name), json::serialize(obj), rev);
        if (!updated.ok()) {
          if (updated.status().code() == Code::kConflict) continue;
          return c.Fail(updated.status());
        }
        SetResourceVersion(obj, updated->mod_revision);
        return c.Respond(JsonResponse(200, obj));
      }
      if (dry_run) return c.Respond(JsonResponse(200, obj));
      if (IsCrd(*c.type)) {
        if (auto st = DeleteCustomObjects(c.info.cluster, obj); !st.ok()) return c.Fail(st);
      }
      auto deleted = store_.Delete(Key(c, c.info.name), rev);
      if (IsCrd(*c.type)) customs_.Refresh(c.info.cluster);
      if (!deleted.ok()) {
        if (deleted.status().code() == Code::kConflict) continue;
        if (deleted.status().code() == Code::kNotFound) return c.Fail(NotFoundError(c));
        return c.Fail(deleted.status());
      }
      SetResourceVersion(obj, deleted->mod_revision);
      return c.Respond(JsonResponse(200, obj));
    }
    c.Fail(ConflictError(c, c.info.name));
  }

  void DeleteCollection(const Call& c, const json::object& options) {
    auto selection = ParseSelection(c);
    if (!selection.ok()) return c.Fail(selection.status());
    storage::ListOptions list;
    list.range =
        storage::KeyRange::Prefix(CollectionPrefix(c.info.cluster, *c.type, c.info.namespace_));
    auto listed = store_.List(list);
    if (!listed.ok()) return c.Fail(listed.status());
    json::array deleted;
    for (const auto& kv : listed->kvs) {
      auto obj = DecodeFor(c, kv.value, kv.mod_revision);
      if (!obj.ok() || !selection->Matches(*obj)) continue;
      if (auto denied = Admit(c, admission::Operation::kDelete, &*obj, nullptr,
                              MetaString(*obj, "name"), c.DryRun() || HasDryRun(options))) {
        return c.Fail(*denied);  // admission hook
      }
      if (c.DryRun() || HasDryRun(options)) {
        deleted.emplace_back(std::move(*obj));
        continue;
      }
      auto gone = store_.Delete(kv.key, kv.mod_revision);
      if (gone.ok()) deleted.emplace_back(std::move(*obj));
    }
    json::object result{{"kind", c.type->ListKind()},
                        {"apiVersion", c.type->GroupVersion()},
                        {"metadata", json::object{{"resourceVersion",
                                                   std::to_string(listed->revision)}}},
                        {"items", std::move(deleted)}};
    c.Respond(JsonResponse(200, result));
  }

 private:
  std::string Key(const Call& c, std::string_view name) const {
    return ObjectKey(c.info.cluster, *c.type, c.info.namespace_, name);
  }

  Result<std::pair<json::object, Revision>> ReadCurrent(const Call& c) {
    auto got = store_.Get(Key(c, c.info.name));
    if (!got.ok()) return got.status();
    if (!got->kv) return NotFoundError(c).status;
    auto obj = DecodeFor(c, got->kv->value, got->kv->mod_revision);
    if (!obj.ok()) return obj.status();
    return std::make_pair(std::move(*obj), got->kv->mod_revision);
  }

  // Resolves resourceVersion / resourceVersionMatch of a list into a store revision (0 =
  // the latest).
  Result<Revision> ResolveListRevision(const Call& c) {
    const std::string rv = c.Query("resourceVersion").value_or("");
    const std::string match = c.Query("resourceVersionMatch").value_or("");
    if (!match.empty() && rv.empty()) {
      return Status(Code::kInvalidArgument,
                    "resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    if (rv.empty() || rv == "0") return Revision{0};
    auto parsed = ParseRevision(rv);
    if (!parsed.ok()) return parsed.status();
    if (match == "Exact") {
      auto compacted = store_.CompactedRevision();
      if (compacted.ok() && *parsed < *compacted) {
        return Status(Code::kGone, "too old resource version: " + rv + " (" +
                                       std::to_string(*compacted) + ")");
      }
      return *parsed;
    }
    if (!match.empty() && match != "NotOlderThan") {
      return Status(Code::kInvalidArgument,
                    "resourceVersionMatch: Unsupported value: \"" + match +
                        "\": supported values: \"Exact\", \"NotOlderThan\"");
    }
    // NotOlderThan (and the legacy meaning of a plain resourceVersion): the latest state,
    // which is never older than an acknowledged revision.
    auto head = store_.CurrentRevision();
    if (!head.ok()) return head.status();
    if (*parsed > *head) {
      return Status(Code::kTimeout, "Too large resource version: " + rv +
                                        ", current: " + std::to_string(*head));
    }
    return Revision{0};
  }

  Status CheckKind(const Call& c, json::object& obj) {
    auto* kind = obj.if_contains("kind");
    auto* api_version = obj.if_contains("apiVersion");
    if (kind && kind->is_string() && !kind->get_string().empty() &&
        kind->get_string() != c.type->kind) {
      return Status(Code::kBadRequest, "the kind of the provided object (" +
                                           std::string(kind->get_string()) +
                                           ") does not match the kind of the resource (" +
                                           c.type->kind + ")");
    }
    if (api_version && api_version->is_string() && !api_version->get_string().empty() &&
        api_version->get_string() != c.type->GroupVersion()) {
      return Status(Code::kBadRequest, "the API version in the data (" +
                                           std::string(api_version->get_string()) +
                                           ") does not match the expected API version (" +
                                           c.type->GroupVersion() + ")");
    }
    obj["kind"] = c.type->kind;
    obj["apiVersion"] = c.type->GroupVersion();
    return {};
  }

  static void PrepareForCreate(const ResourceType& type, json::object& obj) {
    if (type.group.empty() && type.resource == "namespaces") {
      obj["spec"] = json::object{{"finalizers", json::array{"kubernetes"}}};
      obj["status"] = json::object{{"phase", "Active"}};
    } else if (type.group.empty() && type.resource == "pods") {
      json::value& status = obj["status"];
      if (!status.is_object()) status = json::object();
      if (!status.get_object().contains("phase")) status.get_object()["phase"] = "Pending";
    } else if (type.group == "batch" && type.resource == "jobs") {
      DefaultJob(obj);
    } else if (type.group == "batch" && type.resource == "cronjobs") {
      DefaultCronJob(obj);
    }
  }

  // Writes `next` over `old` with update semantics: identity and timestamps stay, the spec
  // and status go through their own endpoints, generation follows spec changes, a no-op
  // writes nothing, and an object whose last finalizer is gone while deleting is removed.
  // Returns false when the compare-and-swap lost and the caller may retry.
  bool Commit(const Call& c, const json::object& old_obj, Revision old_rev, json::object next,
              int status, bool retry_on_conflict = false) {
    // A CSR's approval, like status, writes the status only.
    const bool status_only = c.info.subresource == "status" || c.info.subresource == "approval";
    if (status_only) {
      json::object merged = old_obj;
      if (auto* s = next.if_contains("status")) {
        merged["status"] = *s;
      } else {
        merged.erase("status");
      }
      next = std::move(merged);
    } else if (c.type->has_status) {
      if (auto* s = old_obj.if_contains("status")) {
        next["status"] = *s;
      } else {
        next.erase("status");
      }
    }
    json::object& meta = MutableMetadata(next);
    const json::object& old_meta = old_obj.at("metadata").as_object();
    for (const char* field : {"uid", "creationTimestamp", "namespace", "name",
                              "deletionTimestamp", "deletionGracePeriodSeconds", "generation"}) {
      if (auto* v = old_meta.if_contains(field)) {
        meta[field] = *v;
      } else {
        meta.erase(field);
      }
    }
    next["kind"] = c.type->kind;
    next["apiVersion"] = c.type->GroupVersion();
    if (auto invalid = ApplySchema(c, next, &old_obj)) {
      c.Fail(*invalid);
      return true;
    }
    if (IsCrd(*c.type) && !status_only) {
      if (auto invalid = PrepareCrd(next, &old_obj)) {
        c.Fail(*invalid);
        return true;
      }
    }
    if (!status_only) DefaultWorkload(*c.type, next);
    if (csr::IsCsr(*c.type)) {
      if (auto invalid = csr::PrepareForUpdate(next, old_obj, c.info.subresource)) {
        c.Fail(*invalid);
        return true;
      }
    }
    if (!status_only && Differs(old_obj.if_contains("spec"), next.if_contains("spec"))) {
      int64_t generation = 0;
      if (auto* g = old_meta.if_contains("generation"); g && g->is_int64()) generation = g->get_int64();
      meta["generation"] = generation + 1;
    }
    auto errors = api::ValidateObjectMeta(next["metadata"], c.type->namespaced,
                                          api::NameRule::kDns1123Subdomain);
    if (!errors.empty()) {
      c.Fail(api::NewInvalid(c.type->group, c.type->kind, c.info.name, std::move(errors)));
      return true;
    }
    if (auto st = RecordUpdate(c, &old_obj, next); !st.ok()) {
      c.Fail(st);
      return true;
    }
    if (auto denied = Admit(c, admission::Operation::kUpdate, &old_obj, &next, c.info.name,
                            c.DryRun())) {
      c.Fail(*denied);  // admission hook
      return true;
    }
    json::object& meta_after = MutableMetadata(next);  // admission may have replaced it
    meta_after["resourceVersion"] = std::to_string(old_rev);
    if (api::JsonEqual(json::value(old_obj), json::value(next))) {
      c.Respond(JsonResponse(status, Render(c, next)));
      return true;
    }
    meta_after.erase("resourceVersion");
    if (c.DryRun()) {
      c.Respond(JsonResponse(status, Render(c, next)));
      return true;
    }

    const bool finalized =
        meta_after.contains("deletionTimestamp") &&
        (!meta_after.contains("finalizers") || !meta_after["finalizers"].is_array() ||
         meta_after["finalizers"].as_array().empty());
    if (finalized && !(c.type->group.empty() && c.type->resource == "namespaces")) {
      auto deleted = store_.Delete(Key(c, c.info.name), old_rev);
      if (!deleted.ok()) {
        if (deleted.status().code() == Code::kConflict && retry_on_conflict) return false;
        c.Fail(deleted.status().code() == Code::kConflict
                   ? Status(ConflictError(c, c.info.name).status)
                   : deleted.status());
        return true;
      }
      SetResourceVersion(next, deleted->mod_revision);
      c.Respond(JsonResponse(status, Render(c, next)));
      return true;
    }
    next["apiVersion"] = StoredApiVersion(*c.type);
    auto updated = store_.Update(Key(c, c.info.name), json::serialize(next), old_rev);
    ServeAsRequested(c, next);
    if (!updated.ok()) {
      if (updated.status().code() == Code::kConflict) {
        if (retry_on_conflict) return false;
        c.Fail(ConflictError(c, c.info.name));
        return true;
      }
      if (updated.status().code() == Code::kNotFound) {
        c.Fail(NotFoundError(c));
        return true;
      }
      c.Fail(updated.status());
      return true;
    }
    SetResourceVersion(next, updated->mod_revision);
    if (IsCrd(*c.type)) customs_.Refresh(c.info.cluster);
    if (c.info.subresource == "scale") {
      c.Respond(JsonResponse(status, ScaleOf(next)));
    } else {
      c.Respond(JsonResponse(status, Render(c, next)));
    }
    return true;
  }

  Status ApplyPatch(const Call& c, std::string_view content_type, std::string_view body,
                    json::value& doc) {
    auto decoded = api::DecodeJson(body);
    if (!decoded.ok()) {
      return Status(Code::kBadRequest, "the patch is not valid JSON: " + decoded.status().message());
    }
    json::value patch = std::move(*decoded);
    if (content_type == "application/json-patch+json") return api::ApplyJsonPatch(doc, patch);
    if (content_type == "application/merge-patch+json") {
      api::ApplyMergePatch(doc, patch);
      return {};
    }
    if (content_type == "application/strategic-merge-patch+json") {
      return api::ApplyStrategicMergePatch(doc, patch, c.type->group, c.type->kind);
    }
    return Status(Code::kUnsupportedMedia,
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml, application/strategic-merge-patch+json");
  }

  static Status CheckPreconditions(const json::object& options, const json::object& obj,
                                   Revision rev) {
    auto* pre = options.if_contains("preconditions");
    if (pre == nullptr || !pre->is_object()) return {};
    const auto& p = pre->get_object();
    if (auto* uid = p.if_contains("uid"); uid && uid->is_string() &&
                                          uid->get_string() != MetaString(obj, "uid")) {
      return Status(Code::kConflict, "Precondition failed: UID in precondition: " +
                                         std::string(uid->get_string()) +
                                         ", UID in object meta: " +
                                         std::string(MetaString(obj, "uid")));
    }
    if (auto* rv = p.if_contains("resourceVersion");
        rv && rv->is_string() && rv->get_string() != std::to_string(rev)) {
      return Status(Code::kConflict, "Precondition failed: ResourceVersion in precondition: " +
                                         std::string(rv->get_string()) +
                                         ", ResourceVersion in object meta: " +
                                         std::to_string(rev));
    }
    return {};
  }

  static bool HasDryRun(const json::object& options) {
    auto* d = options.if_contains("dryRun");
    if (d == nullptr || !d->is_array()) return false;
    for (const auto& v : d->get_array()) {
      if (v.is_string() && v.get_string() == "All") return true;
    }
    return false;
  }

  // autoscaling/v1 Scale of a scalable object.
  static json::object ScaleOf(const json::object& obj) {
    const json::object& meta = obj.at("metadata").as_object();
    json::object scale_meta;
    for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (auto* v = meta.if_contains(f)) scale_meta[f] = *v;
    }
    int64_t spec_replicas = 1, status_replicas = 0;
    std::string selector;
    if (auto* spec = obj.if_contains("spec"); spec && spec->is_object()) {
      if (auto* r = spec->get_object().if_contains("replicas"); r && r->is_int64()) {
        spec_replicas = r->get_int64();
      }
      if (auto* sel = spec->get_object().if_contains("selector"); sel && sel->is_object()) {
        auto parsed = api::LabelSelector::FromJson(*sel);
        if (parsed.ok()) selector = parsed->ToString();
      }
    }
    if (auto* status = obj.if_contains("status"); status && status->is_object()) {
      if (auto* r = status->get_object().if_contains("replicas"); r && r->is_int64()) {
        status_replicas = r->get_int64();
      }
    }
    return {{"kind", "Scale"},
            {"apiVersion", "autoscaling/v1"},
            {"metadata", std::move(scale_meta)},
            {"spec", json::object{{"replicas", spec_replicas}}},
            {"status", json::object{{"replicas", status_replicas}, {"selector", selector}}}};
  }

  // The object with spec.replicas taken from a Scale.
  static json::object ApplyScale(const json::object& obj, const json::object& scale) {
    json::object next = obj;
    int64_t replicas = 0;
    if (auto* spec = scale.if_contains("spec"); spec && spec->is_object()) {
      if (auto* r = spec->get_object().if_contains("replicas"); r && r->is_int64()) {
        replicas = r->get_int64();
      }
    }
    json::value& spec = next["spec"];
    if (!spec.is_object()) spec = json::object();
    spec.get_object()["replicas"] = replicas;
    return next;
  }

  // Deleting a CRD deletes every object of its type in the cluster, in pages.
  Status DeleteCustomObjects(const std::string& cluster, const json::object& crd) {
    ResourceType type;
    const json::object& spec = crd.at("spec").as_object();
    type.group = std::string(spec.at("group").as_string());
    type.resource = std::string(spec.at("names").as_object().at("plural").as_string());
    storage::ListOptions list;
    list.range = storage::KeyRange::Prefix(CollectionPrefix(cluster, type, ""));
    list.keys_only = true;
    list.limit = 500;
    for (;;) {
      auto page = store_.List(list);
      if (!page.ok()) return page.status();
      for (const auto& kv : page->kvs) {
        auto gone = store_.Delete(kv.key, 0);
        if (!gone.ok() && gone.status().code() != Code::kNotFound) return gone.status();
      }
      if (!page->more || page->kvs.empty()) return {};
      list.start_after = page->kvs.back().key;
    }
  }

  storage::Store& store_;
  WatchRegistry& watches_;
  CustomResources& customs_;
  const admission::Chain* admission_;
};

RestHandler::RestHandler(storage::Store& store, const ResourceCatalog& catalog,
                         CustomResources& customs)
    : store_(store),
      catalog_(catalog),
      customs_(customs),
      watches_(std::make_unique<WatchRegistry>(store)) {}

RestHandler::~RestHandler() = default;

void RestHandler::EndWatches(const std::string& cluster) { watches_->EndWatches("/" + cluster + "/"); }

void RestHandler::Serve(std::shared_ptr<http::Exchange> exchange, const RequestInfo& info,
                        const UserInfo& user) {
  Call c{exchange, info, catalog_.Find(info.group, info.version, info.resource), {}, nullptr, user};
  if (c.type == nullptr) {
    c.type = customs_.Find(info.cluster, info.group, info.version, info.resource, c.custom_types);
  }
  if (c.type == nullptr) {
    return c.Fail(Status(Code::kNotFound, "the server could not find the requested resource"));
  }
  if (!c.type->namespaced && !info.namespace_.empty()) {
    return c.Fail(Status(Code::kNotFound, "the server could not find the requested resource"));
  }
  if (info.subresource == "eviction" && c.type->group.empty() && c.type->resource == "pods") {
    return ServeEviction(store_, exchange, info);
  }
  if (!info.subresource.empty() &&
      !((info.subresource == "status" && c.type->has_status) ||
        (info.subresource == "scale" && c.type->has_scale) ||
        std::any_of(c.type->subresources.begin(), c.type->subresources.end(),
                    [&](const Subresource& s) { return s.name == info.subresource; }))) {
    return c.Fail(Status(Code::kNotFound, "the server could not find the requested resource"));
  }
  c.yaml = PrefersYaml(exchange->request().Header("Accept")) && info.verb != "watch";
  c.accept = NegotiateAccept(c.yaml ? std::string_view() : exchange->request().Header("Accept"));
  if (!c.accept.acceptable) {
    return c.Fail(Status(Code::kNotAcceptable,
                         "only the following media types are accepted: application/json"));
  }

  auto impl = std::make_shared<RestHandlerImpl>(store_, *watches_, customs_, admission_);
  const std::string& verb = info.verb;
  if (verb == "get") return impl->Get(c);
  if (verb == "list") return impl->List(c);
  if (verb == "watch") return impl->Watch(c);
  if (verb != "create" && verb != "update" && verb != "patch" && verb != "delete" &&
      verb != "deletecollection") {
    return c.Fail(api::NewMethodNotSupported(c.type->group, c.type->resource, verb));
  }
  if ((verb == "create" && !info.name.empty()) ||
      ((verb == "update" || verb == "patch") && info.name.empty())) {
    return c.Fail(api::NewMethodNotSupported(c.type->group, c.type->resource, verb));
  }
  exchange->ReadBodyToString(kMaxBodyBytes, [c, impl](Status st, std::string body) {
    if (!st.ok()) {
      if (st.code() == Code::kTooLarge) {
        return c.Fail(Status(Code::kTooLarge, "the request is too large: the limit is " +
                                                  std::to_string(kMaxBodyBytes) + " bytes"));
      }
      return c.Fail(st);
    }
    const std::string& verb = c.info.verb;
    if (verb == "patch") return impl->Patch(c, std::move(body));
    std::string_view content_type = c.ex->request().Header("Content-Type");
    content_type = content_type.substr(0, content_type.find(';'));
    if (!body.empty() && content_type != "application/json" && content_type != kYaml &&
        content_type != api::protobuf::kProtobufMediaType && !content_type.empty()) {
      return c.Fail(Status(Code::kUnsupportedMedia,
                           "the body of the request was in an unknown format - accepted media "
                           "types include: application/json, application/yaml, "
                           "application/vnd.kubernetes.protobuf"));
    }
    json::object obj;
    if (!body.empty()) {
      auto decoded = DecodeBody(content_type, body);
      if (!decoded.ok()) return c.Fail(decoded.status());
      obj = std::move(*decoded);
    } else if (verb == "create" || verb == "update") {
      return c.Fail(Status(Code::kBadRequest, "the request body is empty"));
    }
    if (verb == "create") return impl->Create(c, std::move(obj));
    if (verb == "update") return impl->Update(c, std::move(obj));
    if (verb == "delete") return impl->Delete(c, obj);
    return impl->DeleteCollection(c, obj);
  });
}

}  // namespace carrier::apiserver
