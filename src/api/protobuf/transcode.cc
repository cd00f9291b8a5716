#include "api/protobuf/transcode.h"

#include <string>

#include <boost/json.hpp>

#include "api/json_decode.h"
#include "api/protobuf/wire.h"
#include "base/base64.h"

namespace carrier::api::protobuf {

namespace json = boost::json;

namespace {

Status Bad(const Message& m, uint32_t number, std::string_view what) {
  return Status(Code::kBadRequest, "protobuf: field " + std::to_string(number) + " of " +
                                       std::string(m.name) + ": " + std::string(what));
}

Status WrongWireType(const Message& m, const WireField& f, std::string_view expected) {
  return Bad(m, f.number, "wire type " + std::string(WireTypeName(f.type)) + ", expected " +
                              std::string(expected));
}

// Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

// The fields of one small special message (Time, Quantity, IntOrString, raw bytes).
struct Special {
  int64_t i1 = 0, i2 = 0;
  std::string_view s1, s3;
};

Result<Special> ReadSpecial(const Message& owner, uint32_t number, Kind kind,
                            std::string_view bytes) {
  Special out;
  WireReader r(bytes);
  while (!r.done()) {
    auto f = r.Next();
    if (!f.ok()) return f.status();
    bool ok = false;
    switch (kind) {
      case Kind::kTime:
      case Kind::kMicroTime:
        if ((f->number == 1 || f->number == 2) && f->type == WireType::kVarint) {
          (f->number == 1 ? out.i1 : out.i2) = static_cast<int64_t>(f->scalar);
          ok = true;
        }
        break;
      case Kind::kQuantity:
      case Kind::kRawExtension:
      case Kind::kFieldsV1:
        if (f->number == 1 && f->type == WireType::kLen) {
          out.s1 = f->bytes;
          ok = true;
        }
        break;
      case Kind::kIntOrString:
        if ((f->number == 1 || f->number == 2) && f->type == WireType::kVarint) {
          (f->number == 1 ? out.i1 : out.i2) = static_cast<int64_t>(f->scalar);
          ok = true;
        } else if (f->number == 3 && f->type == WireType::kLen) {
          out.s3 = f->bytes;
          ok = true;
        }
        break;
      default:
        break;
    }
    if (!ok) {
      return Bad(owner, number, "unknown field " + std::to_string(f->number) + " (wire type " +
                                    std::string(WireTypeName(f->type)) + ") in its value");
    }
  }
  return out;
}

// A special message's JSON value; null means "leave the field out" (a zero Time).
Result<json::value> SpecialValue(const Message& owner, uint32_t number, Kind kind,
                                 std::string_view bytes) {
  auto s = ReadSpecial(owner, number, kind, bytes);
  if (!s.ok()) return s.status();
  switch (kind) {
    case Kind::kTime:
    case Kind::kMicroTime: {
      if (bytes.empty()) return json::value(nullptr);
      if (s->i2 < 0 || s->i2 > 999'999'999) return Bad(owner, number, "nanos out of range");
      auto text = FormatTime(s->i1, static_cast<int32_t>(s->i2), kind == Kind::kMicroTime);
      if (!text.ok()) return Bad(owner, number, text.status().message());
      return json::value(json::string(*text));
    }
    case Kind::kQuantity:
      return json::value(json::string(s->s1));
    case Kind::kIntOrString:
      if (s->i1 == 0) return json::value(static_cast<int64_t>(static_cast<int32_t>(s->i2)));
      if (s->i1 == 1) return json::value(json::string(s->s3));
      return Bad(owner, number, "IntOrString type " + std::to_string(s->i1) + " is neither 0 nor 1");
    case Kind::kRawExtension:
    case Kind::kFieldsV1: {
      if (s->s1.empty()) return json::value(json::object());
      auto v = DecodeJson(s->s1);
      if (!v.ok()) return Bad(owner, number, "raw value is not JSON: " + v.status().message());
      return std::move(*v);
    }
    default:
      return Internal("not a special kind");
  }
}

class Transcoder {
 public:
  explicit Transcoder(const TranscodeLimits& limits) : limits_(limits) {}

  Status Fill(json::object& out, const Message& m, std::string_view bytes, int depth) {
    if (depth > limits_.max_depth) {
      return Status(Code::kBadRequest, "protobuf: messages nested deeper than " +
                                           std::to_string(limits_.max_depth) + " levels");
    }
    WireReader r(bytes);
    while (!r.done()) {
      auto f = r.Next();
      if (!f.ok()) {
        return Status(Code::kBadRequest, f.status().message() + " in " + std::string(m.name));
      }
      const Field* field = m.Find(f->number);
      if (field == nullptr) {
        return Bad(m, f->number, "unknown field (wire type " +
                                     std::string(WireTypeName(f->type)) + ")");
      }
      CARRIER_RETURN_IF_ERROR(FillField(out, m, *field, *f, depth));
    }
    return Status::Ok();
  }

 private:
  Status FillField(json::object& out, const Message& m, const Field& field, const WireField& f,
                   int depth) {
    bool repeated = (field.flags & kRepeated) != 0;
    switch (field.kind) {
      case Kind::kInline:
        if (f.type != WireType::kLen) return WrongWireType(m, f, "length-delimited");
        return Fill(out, *field.message, f.bytes, depth + 1);
      case Kind::kMessage: {
        if (f.type != WireType::kLen) return WrongWireType(m, f, "length-delimited");
        if (repeated) {
          json::object element;
          CARRIER_RETURN_IF_ERROR(Fill(element, *field.message, f.bytes, depth + 1));
          Array(out, field).emplace_back(std::move(element));
          return Status::Ok();
        }
        json::value& slot = out[field.json];
        if (!slot.is_object()) slot = json::object();
        return Fill(slot.get_object(), *field.message, f.bytes, depth + 1);
      }
      case Kind::kStringMap:
      case Kind::kBytesMap:
      case Kind::kQuantityMap:
      case Kind::kTimeMap:
      case Kind::kStringListMap:
        if (f.type != WireType::kLen) return WrongWireType(m, f, "length-delimited");
        return FillMapEntry(out, m, field, f.bytes);
      case Kind::kTime:
      case Kind::kMicroTime:
      case Kind::kQuantity:
      case Kind::kIntOrString:
      case Kind::kRawExtension:
      case Kind::kFieldsV1: {
        if (f.type != WireType::kLen) return WrongWireType(m, f, "length-delimited");
        auto v = SpecialValue(m, field.number, field.kind, f.bytes);
        if (!v.ok()) return v.status();
        if (repeated) {
          Array(out, field).emplace_back(std::move(*v));
        } else if (v->is_null()) {
          out.erase(field.json);
        } else {
          out[field.json] = std::move(*v);
        }
        return Status::Ok();
      }
      case Kind::kString:
      case Kind::kBytes:
        if (f.type != WireType::kLen) return WrongWireType(m, f, "length-delimited");
        return Put(out, field,
                   field.kind == Kind::kString ? json::value(json::string(f.bytes))
                                               : json::value(json::string(Base64Encode(f.bytes))),
                   f.bytes.empty());
      case Kind::kInt32:
      case Kind::kInt64:
      case Kind::kBool:
        if (f.type == WireType::kVarint) return Put(out, field, Number(field.kind, f.scalar), f.scalar == 0);
        if (repeated && f.type == WireType::kLen) {  // packed
          std::string_view packed = f.bytes;
          while (!packed.empty()) {
            auto v = ReadVarint(packed);
            if (!v.ok()) return Bad(m, field.number, v.status().message());
            Array(out, field).emplace_back(Number(field.kind, *v));
          }
          return Status::Ok();
        }
        return WrongWireType(m, f, "varint");
    }
    return Internal("unhandled field kind");
  }

  static json::value Number(Kind kind, uint64_t raw) {
    if (kind == Kind::kBool) return json::value(raw != 0);
    if (kind == Kind::kInt32) return json::value(static_cast<int64_t>(static_cast<int32_t>(raw)));
    return json::value(static_cast<int64_t>(raw));
  }

  static json::array& Array(json::object& out, const Field& field) {
    json::value& slot = out[field.json];
    if (!slot.is_array()) slot = json::array();
    return slot.get_array();
  }

  static Status Put(json::object& out, const Field& field, json::value v, bool zero) {
    if (field.flags & kRepeated) {
      Array(out, field).emplace_back(std::move(v));
    } else if (zero && !(field.flags & kKeepZero)) {
      out.erase(field.json);
    } else {
      out[field.json] = std::move(v);
    }
    return Status::Ok();
  }

  Status FillMapEntry(json::object& out, const Message& m, const Field& field,
                      std::string_view entry) {
    std::string_view key;
    json::value value;
    switch (field.kind) {
      case Kind::kStringMap:
      case Kind::kBytesMap: value = json::string(); break;
      case Kind::kQuantityMap: value = json::string("0"); break;
      case Kind::kStringListMap: value = json::array(); break;
      default: value = nullptr; break;
    }
    WireReader r(entry);
    while (!r.done()) {
      auto f = r.Next();
      if (!f.ok()) return Bad(m, field.number, f.status().message());
      if (f->type != WireType::kLen || (f->number != 1 && f->number != 2)) {
        return Bad(m, field.number, "unknown field " + std::to_string(f->number) +
                                        " in a map entry");
      }
      if (f->number == 1) {
        key = f->bytes;
        continue;
      }
      switch (field.kind) {
        case Kind::kStringMap: value = json::string(f->bytes); break;
        case Kind::kBytesMap: value = json::string(Base64Encode(f->bytes)); break;
        case Kind::kQuantityMap:
        case Kind::kTimeMap: {
          auto v = SpecialValue(m, field.number,
                                field.kind == Kind::kQuantityMap ? Kind::kQuantity : Kind::kTime,
                                f->bytes);
          if (!v.ok()) return v.status();
          value = std::move(*v);
          break;
        }
        case Kind::kStringListMap: {
          json::array items;
          WireReader list(f->bytes);
          while (!list.done()) {
            auto item = list.Next();
            if (!item.ok()) return Bad(m, field.number, item.status().message());
            if (item->type != WireType::kLen || item->number != 1) {
              return Bad(m, field.number, "unknown field " + std::to_string(item->number) +
                                              " in a list of strings");
            }
            items.emplace_back(json::string(item->bytes));
          }
          value = std::move(items);
          break;
        }
        default: break;
      }
    }
    json::value& slot = out[field.json];
    if (!slot.is_object()) slot = json::object();
    slot.get_object()[key] = std::move(value);
    return Status::Ok();
  }

  const TranscodeLimits& limits_;
};

}  // namespace

Result<std::string> FormatTime(int64_t seconds, int32_t nanos, bool micro) {
  // 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z
  constexpr int64_t kMin = -62135596800, kMax = 253402300799;
  if (seconds < kMin || seconds > kMax) {
    return Status(Code::kBadRequest, "time " + std::to_string(seconds) + "s is out of range");
  }
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rem = seconds - days * 86400;
  int64_t y;
  unsigned mo, d;
  CivilFromDays(days, y, mo, d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), mo, d, static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (micro) {
    std::snprintf(buf, sizeof buf, ".%06d", nanos / 1000);
    out += buf;
  }
  out += 'Z';
  return out;
}

Result<json::object> TranscodeToJson(const Message& message, std::string_view bytes,
                                     const TranscodeLimits& limits) {
  json::object out;
  Transcoder t(limits);
  CARRIER_RETURN_IF_ERROR(t.Fill(out, message, bytes, 0));
  return out;
}

}  // namespace carrier::api::protobuf
