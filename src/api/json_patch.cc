#include "api/json_patch.h"

#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "api/json_pointer.h"

namespace carrier::api {

namespace json = boost::json;

bool JsonEqual(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    // One signed, one unsigned.
    int64_t s = a.is_int64() ? a.get_int64() : b.get_int64();
    uint64_t u = a.is_uint64() ? a.get_uint64() : b.get_uint64();
    return s >= 0 && static_cast<uint64_t>(s) == u;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::object: {
      const json::object& x = a.get_object();
      const json::object& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        auto it = y.find(k);
        if (it == y.end() || !JsonEqual(v, it->value())) return false;
      }
      return true;
    }
    case json::kind::array: {
      const json::array& x = a.get_array();
      const json::array& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!JsonEqual(x[i], y[i])) return false;
      return true;
    }
    default: return a == b;
  }
}

namespace {

// One step of the undo log: what to do to revert one change.
struct Undo {
  enum Kind { kErase, kInsert, kReplace } kind;
  JsonPointer path;      // the changed location (array indices concrete)
  std::size_t position;  // kInsert into an object: the member's former position
  json::value value;     // kInsert/kReplace: the former value
};

class Patcher {
 public:
  explicit Patcher(json::value& doc) : doc_(doc) {}

  // Reverts every change made so far, newest first.
  void Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) Revert(*it);
    undo_.clear();
  }

  Status Add(const JsonPointer& path, json::value value) {
    if (path.empty()) {
      undo_.push_back({Undo::kReplace, {}, 0, std::move(doc_)});
      doc_ = std::move(value);
      return Status::Ok();
    }
    json::value* parent = ResolveParent(path);
    if (parent == nullptr) return Fail("the parent of the path does not exist");
    const std::string& token = path.back();
    if (json::object* obj = parent->if_object()) {
      auto it = obj->find(token);
      if (it != obj->end()) {
        undo_.push_back({Undo::kReplace, path, 0, std::move(it->value())});
        it->value() = std::move(value);
      } else {
        obj->emplace(token, std::move(value));
        undo_.push_back({Undo::kErase, path, 0, nullptr});
      }
      return Status::Ok();
    }
    if (json::array* arr = parent->if_array()) {
      std::size_t index = arr->size();
      if (token != "-") {
        std::optional<std::size_t> i = ParseArrayIndex(token);
        if (!i) return Fail("\"" + token + "\" is not an array index");
        if (*i > arr->size()) return Fail("index " + token + " is out of range");
        index = *i;
      }
      arr->insert(arr->begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
      JsonPointer concrete = path;
      concrete.back() = std::to_string(index);
      undo_.push_back({Undo::kErase, std::move(concrete), 0, nullptr});
      return Status::Ok();
    }
    return Fail("the parent of the path is neither an object nor an array");
  }

  // Removes the value at `path`; `out` (if given) receives a copy of it.
  Status Remove(const JsonPointer& path, json::value* out) {
    if (path.empty()) return Fail("the whole document cannot be removed");
    json::value* parent = ResolveParent(path);
    if (parent == nullptr) return Fail("the path does not exist");
    const std::string& token = path.back();
    if (json::object* obj = parent->if_object()) {
      auto it = obj->find(token);
      if (it == obj->end()) return Fail("the path does not exist");
      std::size_t position = static_cast<std::size_t>(it - obj->begin());
      if (out) *out = it->value();
      json::value old = std::move(it->value());
      obj->stable_erase(it);
      undo_.push_back({Undo::kInsert, path, position, std::move(old)});
      return Status::Ok();
    }
    if (json::array* arr = parent->if_array()) {
      std::optional<std::size_t> i = ParseArrayIndex(token);
      if (!i || *i >= arr->size()) return Fail("the path does not exist");
      if (out) *out = (*arr)[*i];
      json::value old = std::move((*arr)[*i]);
      arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(*i));
      undo_.push_back({Undo::kInsert, path, 0, std::move(old)});
      return Status::Ok();
    }
    return Fail("the path does not exist");
  }

  Status Replace(const JsonPointer& path, json::value value) {
    json::value* target = Resolve(doc_, path);
    if (target == nullptr) return Fail("the path does not exist");
    undo_.push_back({Undo::kReplace, path, 0, std::move(*target)});
    *target = std::move(value);
    return Status::Ok();
  }

  Status Fail(std::string why) {
    failure_ = std::move(why);
    return Status(Code::kInvalidArgument, failure_);
  }

  json::value& doc() { return doc_; }

 private:
  json::value* ResolveParent(const JsonPointer& path) {
    JsonPointer parent(path.begin(), path.end() - 1);
    return Resolve(doc_, parent);
  }

  void Revert(Undo& u) {
    if (u.path.empty()) {  // only kReplace reaches the root
      doc_ = std::move(u.value);
      return;
    }
    json::value* parent = ResolveParent(u.path);
    const std::string& token = u.path.back();
    if (json::object* obj = parent->if_object()) {
      switch (u.kind) {
        case Undo::kErase: obj->stable_erase(token); break;
        case Undo::kReplace: (*obj)[token] = std::move(u.value); break;
        case Undo::kInsert: InsertAt(*obj, u.position, token, std::move(u.value)); break;
      }
      return;
    }
    json::array& arr = parent->get_array();
    std::size_t index = *ParseArrayIndex(token);
    switch (u.kind) {
      case Undo::kErase: arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(index)); break;
      case Undo::kReplace: arr[index] = std::move(u.value); break;
      case Undo::kInsert:
        arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(index), std::move(u.value));
        break;
    }
  }

  // Puts a member back at its former position, moving (not copying) the others.
  static void InsertAt(json::object& obj, std::size_t position, std::string_view key,
                       json::value value) {
    if (position >= obj.size()) {
      obj.emplace(key, std::move(value));
      return;
    }
    json::object rebuilt(obj.storage());
    rebuilt.reserve(obj.size() + 1);
    std::size_t i = 0;
    for (auto& kv : obj) {
      if (i++ == position) rebuilt.emplace(key, std::move(value));
      rebuilt.emplace(kv.key(), std::move(kv.value()));
    }
    obj = std::move(rebuilt);
  }

  json::value& doc_;
  std::vector<Undo> undo_;
  std::string failure_;
};

bool IsPrefix(const JsonPointer& prefix, const JsonPointer& path) {
  if (prefix.size() > path.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (prefix[i] != path[i]) return false;
  return true;
}

Status BadPatch(std::size_t index, std::string why) {
  return Status(Code::kBadRequest,
                "json patch operation " + std::to_string(index) + ": " + std::move(why));
}

const json::string* StringMember(const json::object& op, std::string_view key) {
  const json::value* v = op.if_contains(key);
  return v ? v->if_string() : nullptr;
}

Status ApplyOne(Patcher& p, std::size_t index, const json::object& op) {
  const json::string* op_name = StringMember(op, "op");
  if (op_name == nullptr) return BadPatch(index, "missing string member \"op\"");
  const json::string* path_text = StringMember(op, "path");
  if (path_text == nullptr) return BadPatch(index, "missing string member \"path\"");
  Result<JsonPointer> path = ParseJsonPointer(*path_text);
  if (!path.ok()) return BadPatch(index, path.status().message());
  const json::value* value = op.if_contains("value");
  auto need_value = [&]() -> Status {
    return value ? Status::Ok() : BadPatch(index, "missing member \"value\"");
  };
  auto from = [&]() -> Result<JsonPointer> {
    const json::string* from_text = StringMember(op, "from");
    if (from_text == nullptr) return BadPatch(index, "missing string member \"from\"");
    Result<JsonPointer> ptr = ParseJsonPointer(*from_text);
    if (!ptr.ok()) return BadPatch(index, ptr.status().message());
    return ptr;
  };
  std::string_view name = *op_name;
  Status st;
  if (name == "add") {
    CARRIER_RETURN_IF_ERROR(need_value());
    st = p.Add(*path, *value);
  } else if (name == "remove") {
    st = p.Remove(*path, nullptr);
  } else if (name == "replace") {
    CARRIER_RETURN_IF_ERROR(need_value());
    st = p.Replace(*path, *value);
  } else if (name == "move") {
    Result<JsonPointer> src = from();
    if (!src.ok()) return src.status();
    if (*src == *path) return Status::Ok();
    if (IsPrefix(*src, *path)) {
      st = p.Fail("a value cannot be moved into one of its own children");
    } else {
      json::value moved;
      st = p.Remove(*src, &moved);
      if (st.ok()) st = p.Add(*path, std::move(moved));
    }
  } else if (name == "copy") {
    Result<JsonPointer> src = from();
    if (!src.ok()) return src.status();
    const json::value* source = Resolve(p.doc(), *src);
    st = source ? p.Add(*path, *source) : p.Fail("the \"from\" path does not exist");
  } else if (name == "test") {
    CARRIER_RETURN_IF_ERROR(need_value());
    const json::value* target = Resolve(p.doc(), *path);
    if (target == nullptr) {
      st = p.Fail("the path does not exist");
    } else if (!JsonEqual(*target, *value)) {
      st = p.Fail("the value differs from the tested value");
    }
  } else {
    return BadPatch(index, "unknown op \"" + std::string(name) + "\"");
  }
  if (st.ok()) return st;
  return Status(st.code(), "json patch operation " + std::to_string(index) + " (" +
                               std::string(name) + " " + std::string(*path_text) +
                               ") failed: " + st.message());
}

}  // namespace

Status ApplyJsonPatch(json::value& doc, const json::value& patch) {
  const json::array* ops = patch.if_array();
  if (ops == nullptr) return Status(Code::kBadRequest, "a json patch must be a list of operations");
  Patcher p(doc);
  for (std::size_t i = 0; i < ops->size(); ++i) {
    const json::object* op = (*ops)[i].if_object();
    Status st = op ? ApplyOne(p, i, *op) : BadPatch(i, "an operation must be an object");
    if (!st.ok()) {
      p.Rollback();
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace carrier::api
