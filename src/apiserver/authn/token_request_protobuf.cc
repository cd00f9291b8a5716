#include "apiserver/authn/token_request_protobuf.h"

#include <boost/json.hpp>

#include <optional>

namespace carrier::apiserver::authn {

namespace json = boost::json;

namespace {

constexpr std::string_view kMagic{"k8s\0", 4};

Status Malformed() { return Status(Code::kBadRequest, "the protobuf request body is malformed"); }

// One field of a protobuf message: varints and length-delimited values (fixed32/64 skipped).
struct Field {
  uint32_t number = 0;
  int wire_type = 0;
  uint64_t varint = 0;
  std::string_view bytes;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  // nullopt on malformed input.
  std::optional<Field> Next() {
    auto key = Varint();
    if (!key || (*key >> 3) == 0 || (*key >> 3) > UINT32_MAX) return std::nullopt;
    Field f;
    f.number = static_cast<uint32_t>(*key >> 3);
    f.wire_type = static_cast<int>(*key & 7);
    switch (f.wire_type) {
      case 0: {
        auto v = Varint();
        if (!v) return std::nullopt;
        f.varint = *v;
        return f;
      }
      case 1:
        return Skip(8) ? std::optional<Field>(f) : std::nullopt;
      case 2: {
        auto len = Varint();
        if (!len || *len > data_.size() - pos_) return std::nullopt;
        f.bytes = data_.substr(pos_, static_cast<size_t>(*len));
        pos_ += static_cast<size_t>(*len);
        return f;
      }
      case 5:
        return Skip(4) ? std::optional<Field>(f) : std::nullopt;
      default:
        return std::nullopt;
    }
  }

 private:
  std::optional<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return std::nullopt;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  }
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

// Calls `visit` for each field; false when malformed (or `visit` says so).
template <typename Visit>
bool ForEachField(std::string_view message, Visit visit) {
  Reader reader(message);
  while (!reader.done()) {
    auto field = reader.Next();
    if (!field || !visit(*field)) return false;
  }
  return true;
}

struct Envelope {
  json::object type_meta;
  std::string_view raw;
};

std::optional<Envelope> ReadEnvelope(std::string_view body) {
  if (body.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  Envelope env;
  bool ok = ForEachField(body.substr(kMagic.size()), [&](const Field& f) {
    if (f.number == 1 && f.wire_type == 2) {
      return ForEachField(f.bytes, [&](const Field& t) {
        if (t.wire_type == 2 && (t.number == 1 || t.number == 2)) {
          env.type_meta[t.number == 1 ? "apiVersion" : "kind"] = t.bytes;
        }
        return true;
      });
    }
    if (f.number == 2 && f.wire_type == 2) env.raw = f.bytes;
    if (f.number == 3 && f.wire_type == 2 && !f.bytes.empty()) return false;  // encoded raw
    return true;
  });
  if (!ok) return std::nullopt;
  return env;
}

}  // namespace

bool IsKubernetesProtobuf(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media == kProtobufContentType;
}

Result<json::object> DecodeProtobufTypeMeta(std::string_view body) {
  auto env = ReadEnvelope(body);
  if (!env) return Malformed();
  return env->type_meta;
}

Result<json::object> DecodeProtobufTokenRequest(std::string_view body) {
  auto env = ReadEnvelope(body);
  if (!env) return Malformed();
  json::object spec;
  json::array audiences;
  bool ok = ForEachField(env->raw, [&](const Field& f) {
    if (f.number != 2 || f.wire_type != 2) return true;  // metadata, status: not read
    return ForEachField(f.bytes, [&](const Field& s) {
      if (s.number == 1 && s.wire_type == 2) {
        audiences.emplace_back(s.bytes);
      } else if (s.number == 4 && s.wire_type == 0) {
        // int64 on the wire: a negative value is a ten-byte two's complement varint.
        spec["expirationSeconds"] = static_cast<int64_t>(s.varint);
      } else if (s.number == 3 && s.wire_type == 2) {
        json::object ref;
        bool ref_ok = ForEachField(s.bytes, [&](const Field& r) {
          static constexpr const char* kNames[] = {"", "kind", "apiVersion", "name", "uid"};
          if (r.wire_type == 2 && r.number >= 1 && r.number <= 4) ref[kNames[r.number]] = r.bytes;
          return true;
        });
        if (!ref_ok) return false;
        spec["boundObjectRef"] = std::move(ref);
      }
      return true;
    });
  });
  if (!ok) return Malformed();
  spec["audiences"] = std::move(audiences);
  json::object out = env->type_meta;
  out["spec"] = std::move(spec);
  return out;
}

}  // namespace carrier::apiserver::authn
