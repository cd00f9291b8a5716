#include "api/protobuf/wire.h"

#include <string>

namespace carrier::api::protobuf {

namespace {
constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

Status Truncated(std::string_view what) {
  return Status(Code::kBadRequest, "protobuf: truncated " + std::string(what));
}

uint64_t LittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i > 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[i - 1]);
  return v;
}
}  // namespace

std::string_view WireTypeName(WireType type) {
  switch (type) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLen: return "length-delimited";
    case WireType::kFixed32: return "fixed32";
  }
  return "unknown";
}

Result<uint64_t> ReadVarint(std::string_view& data) {
  uint64_t value = 0;
  for (size_t i = 0; i < 10; ++i) {
    if (i >= data.size()) return Truncated("varint");
    auto byte = static_cast<uint8_t>(data[i]);
    if (i == 9 && byte > 1) {
      return Status(Code::kBadRequest, "protobuf: varint overflows 64 bits");
    }
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      data.remove_prefix(i + 1);
      return value;
    }
  }
  return Status(Code::kBadRequest, "protobuf: varint longer than 10 bytes");
}

Result<WireField> WireReader::Next() {
  auto tag = ReadVarint(data_);
  if (!tag.ok()) return tag.status();
  uint64_t number = *tag >> 3;
  auto type = static_cast<uint32_t>(*tag & 7);
  if (number == 0 || number > kMaxFieldNumber) {
    data_ = {};
    return Status(Code::kBadRequest,
                  "protobuf: invalid field number " + std::to_string(number));
  }
  WireField f;
  f.number = static_cast<uint32_t>(number);
  switch (type) {
    case 0: {
      f.type = WireType::kVarint;
      auto v = ReadVarint(data_);
      if (!v.ok()) return v.status();
      f.scalar = *v;
      return f;
    }
    case 1:
    case 5: {
      size_t width = type == 1 ? 8 : 4;
      if (data_.size() < width) return Truncated(type == 1 ? "fixed64" : "fixed32");
      f.type = type == 1 ? WireType::kFixed64 : WireType::kFixed32;
      f.scalar = LittleEndian(data_.substr(0, width));
      data_.remove_prefix(width);
      return f;
    }
    case 2: {
      f.type = WireType::kLen;
      auto len = ReadVarint(data_);
      if (!len.ok()) return len.status();
      if (*len > data_.size()) {
        data_ = {};
        return Truncated("length-delimited field " + std::to_string(number));
      }
      f.bytes = data_.substr(0, static_cast<size_t>(*len));
      data_.remove_prefix(static_cast<size_t>(*len));
      return f;
    }
    default:
      data_ = {};
      return Status(Code::kBadRequest, "protobuf: unsupported wire type " +
                                           std::to_string(type) + " for field " +
                                           std::to_string(number));
  }
}

}  // namespace carrier::api::protobuf
