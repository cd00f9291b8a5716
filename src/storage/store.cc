#include "storage/store.h"

namespace carrier::storage {

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every byte was 0xff: the range runs to the end
}

KeyRange KeyRange::Prefix(std::string_view prefix) {
  if (prefix.empty()) return All();
  return {std::string(prefix), PrefixEnd(prefix)};
}

bool KeyRange::Contains(std::string_view key) const {
  if (end.empty()) return key == begin;
  if (key < std::string_view(begin)) return false;
  if (end.size() == 1 && end[0] == '\0') return true;
  return key < std::string_view(end);
}

Result<KeyValue> Store::Create(std::string key, std::string value, LeaseId lease) {
  TxnRequest txn;
  txn.compares.push_back(Compare::Absent(key));
  txn.success.push_back(Op::Put(key, std::move(value), lease));
  auto result = Txn(txn);
  if (!result.ok()) return result.status();
  if (!result->succeeded) return AlreadyExists("key " + key + " already exists");
  return std::move(*result->results.at(0).kv);
}

Result<KeyValue> Store::Update(std::string key, std::string value, Revision expected,
                               LeaseId lease) {
  TxnRequest txn;
  txn.compares.push_back(Compare::ModRevisionIs(key, expected));
  txn.success.push_back(Op::Put(key, std::move(value), lease));
  txn.failure.push_back(Op::Get(key));
  auto result = Txn(txn);
  if (!result.ok()) return result.status();
  if (!result->succeeded) {
    const auto& current = result->results.at(0).kv;
    if (!current) return NotFound("key " + key + " not found");
    return Conflict("key " + key + " was modified at revision " +
                    std::to_string(current->mod_revision) + ", expected " +
                    std::to_string(expected));
  }
  return std::move(*result->results.at(0).kv);
}

Result<KeyValue> Store::Put(std::string key, std::string value, LeaseId lease) {
  TxnRequest txn;
  txn.success.push_back(Op::Put(std::move(key), std::move(value), lease));
  auto result = Txn(txn);
  if (!result.ok()) return result.status();
  return std::move(*result->results.at(0).kv);
}

Result<KeyValue> Store::Delete(std::string key, Revision expected) {
  TxnRequest txn;
  if (expected != 0) {
    txn.compares.push_back(Compare::ModRevisionIs(key, expected));
  } else {
    // Unconditional, but a missing key is NotFound rather than a silent no-op.
    txn.compares.push_back(
        {key, Compare::Target::kModRevision, Compare::Result::kGreater, 0, {}});
  }
  txn.success.push_back(Op::Delete(key));
  txn.failure.push_back(Op::Get(key));
  auto result = Txn(txn);
  if (!result.ok()) return result.status();
  if (!result->succeeded) {
    const auto& current = result->results.at(0).kv;
    if (!current) return NotFound("key " + key + " not found");
    return Conflict("key " + key + " was modified at revision " +
                    std::to_string(current->mod_revision) + ", expected " +
                    std::to_string(expected));
  }
  KeyValue deleted = std::move(*result->results.at(0).prev_kv);
  deleted.mod_revision = result->revision;
  return deleted;
}

}  // namespace carrier::storage
