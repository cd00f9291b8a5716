#pragma once
// The protobuf wire format, read only: a bounds-checked reader over one message's bytes.
//
// WireReader yields the fields of one message in order. Every read is checked against the
// end of the buffer; a varint longer than ten bytes, a length past the end, field number 0
// or above 2^29-1, and the deprecated group wire types are errors (400 BadRequest), never
// an over-read. Length-delimited values are views into the input: the input must outlive
// the fields.

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace carrier::api::protobuf {

enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

std::string_view WireTypeName(WireType type);

struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t scalar = 0;      // kVarint, kFixed64, kFixed32 (little-endian value)
  std::string_view bytes;   // kLen
};

// Reads one varint from the front of `data` and removes it.
Result<uint64_t> ReadVarint(std::string_view& data);

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return data_.empty(); }
  // The next field; an error leaves the reader unusable.
  Result<WireField> Next();

 private:
  std::string_view data_;
};

}  // namespace carrier::api::protobuf
