#include "api/protobuf/envelope.h"

#include <boost/json.hpp>

#include "api/protobuf/schema.h"
#include "api/protobuf/transcode.h"
#include "api/protobuf/wire.h"

namespace carrier::api::protobuf {

namespace json = boost::json;

namespace {
Status Bad(std::string what) {
  return Status(Code::kBadRequest, "protobuf envelope: " + std::move(what));
}

Status ReadTypeMeta(std::string_view bytes, Envelope& out) {
  WireReader r(bytes);
  while (!r.done()) {
    auto f = r.Next();
    if (!f.ok()) return Bad(f.status().message());
    if (f->type != WireType::kLen || (f->number != 1 && f->number != 2)) {
      return Bad("unknown field " + std::to_string(f->number) + " in typeMeta");
    }
    (f->number == 1 ? out.api_version : out.kind) = std::string(f->bytes);
  }
  return Status::Ok();
}
}  // namespace

Result<Envelope> DecodeEnvelope(std::string_view body) {
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return Bad("the body does not start with the k8s\\0 prefix");
  }
  Envelope out;
  WireReader r(body.substr(kMagic.size()));
  while (!r.done()) {
    auto f = r.Next();
    if (!f.ok()) return Bad(f.status().message());
    if (f->type != WireType::kLen || f->number < 1 || f->number > 4) {
      return Bad("unknown field " + std::to_string(f->number) + " in runtime.Unknown");
    }
    switch (f->number) {
      case 1: CARRIER_RETURN_IF_ERROR(ReadTypeMeta(f->bytes, out)); break;
      case 2: out.raw = f->bytes; break;
      case 3: out.content_encoding = std::string(f->bytes); break;
      case 4: out.content_type = std::string(f->bytes); break;
    }
  }
  return out;
}

Result<json::object> DecodeObject(std::string_view body) {
  auto env = DecodeEnvelope(body);
  if (!env.ok()) return env.status();
  if (!env->content_encoding.empty()) {
    return Bad("contentEncoding " + env->content_encoding + " is not supported");
  }
  if (!env->content_type.empty() && env->content_type != kProtobufMediaType) {
    return Bad("contentType " + env->content_type + " is not supported");
  }
  if (env->kind.empty()) return Bad("typeMeta.kind is empty");
  const Message* message = FindTopLevel(env->api_version, env->kind);
  if (message == nullptr) {
    return Status(Code::kUnsupportedMedia,
                  "the server cannot decode " + env->kind + " (" + env->api_version +
                      ") from application/vnd.kubernetes.protobuf; send application/json");
  }
  auto fields = TranscodeToJson(*message, env->raw);
  if (!fields.ok()) return fields.status();
  json::object out;
  out.reserve(fields->size() + 2);
  out["apiVersion"] = env->api_version;
  out["kind"] = env->kind;
  for (auto& [key, value] : *fields) out[key] = std::move(value);
  return out;
}

}  // namespace carrier::api::protobuf
