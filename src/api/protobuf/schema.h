#pragma once
// Schema tables for the Kubernetes protobuf encoding of built-in types.
//
// A Message lists its fields by protobuf field number with the JSON name and shape the JSON
// API uses for the same field. The tables are Carrier's own: field numbers are those of the
// Kubernetes API's protobuf definitions; only the fields Carrier decodes are listed, and a
// field number a table does not list is an error when it appears on the wire.
//
// Kinds that are not plain scalars or messages have one fixed encoding each:
//   kTime / kMicroTime  message {int64 seconds = 1; int32 nanos = 2} -> RFC 3339 (UTC)
//   kQuantity           message {string string = 1}                  -> the string
//   kIntOrString        message {int64 type = 1; int32 intVal = 2; string strVal = 3}
//   kRawExtension / kFieldsV1  message {bytes raw = 1} holding JSON  -> that JSON
//   kInline             an embedded struct whose fields JSON flattens into the parent
//   k*Map               repeated entry message {key = 1; value = 2}

#include <cstdint>
#include <span>
#include <string_view>

namespace carrier::api::protobuf {

enum class Kind : uint8_t {
  kString, kBytes, kInt32, kInt64, kBool,
  kMessage, kInline,
  kStringMap, kBytesMap, kQuantityMap, kTimeMap,
  kStringListMap,  // map<string, {repeated string items = 1}> (user extras) -> {"k": ["v"]}
  kTime, kMicroTime, kQuantity, kIntOrString, kRawExtension, kFieldsV1,
};

// Field flags.
inline constexpr uint8_t kRepeated = 1;
// A Go pointer (or a field without omitempty): its zero value is written to JSON. Other
// scalars follow omitempty: "", 0 and false are left out, as the JSON API leaves them out.
inline constexpr uint8_t kKeepZero = 2;

struct Message;

struct Field {
  uint32_t number;
  std::string_view json;
  Kind kind;
  uint8_t flags;
  const Message* message;  // kMessage, kInline
};

struct Message {
  std::string_view name;  // protobuf full name, for errors
  std::span<const Field> fields;

  const Field* Find(uint32_t number) const {
    for (const Field& f : fields) {
      if (f.number == number) return &f;
    }
    return nullptr;
  }
};

// Table helpers.
constexpr Field Str(uint32_t n, std::string_view j, uint8_t fl = 0) { return {n, j, Kind::kString, fl, nullptr}; }
constexpr Field Bytes(uint32_t n, std::string_view j, uint8_t fl = 0) { return {n, j, Kind::kBytes, fl, nullptr}; }
constexpr Field I32(uint32_t n, std::string_view j, uint8_t fl = 0) { return {n, j, Kind::kInt32, fl, nullptr}; }
constexpr Field I64(uint32_t n, std::string_view j, uint8_t fl = 0) { return {n, j, Kind::kInt64, fl, nullptr}; }
constexpr Field Bool(uint32_t n, std::string_view j, uint8_t fl = 0) { return {n, j, Kind::kBool, fl, nullptr}; }
constexpr Field Msg(uint32_t n, std::string_view j, const Message& m, uint8_t fl = 0) { return {n, j, Kind::kMessage, fl, &m}; }
constexpr Field Inline(uint32_t n, const Message& m) { return {n, "", Kind::kInline, 0, &m}; }
constexpr Field Of(uint32_t n, std::string_view j, Kind k, uint8_t fl = 0) { return {n, j, k, fl, nullptr}; }

// The message of a top-level object named by its envelope (apiVersion "apps/v1", kind
// "Deployment"), or nullptr. DeleteOptions is found under any apiVersion.
const Message* FindTopLevel(std::string_view api_version, std::string_view kind);

}  // namespace carrier::api::protobuf
