#pragma once
// Closed-loop durable-write load shared by the benchmarks: `threads` writers each write fresh
// keys for a while, and the figure is acknowledged writes per second. RawEtcdWriter is the
// peer every write benchmark compares against: etcd's plain Put through the same gRPC client
// the etcd Store uses (storage/etcd/etcd_raw.h), with no Store layer on top.

#include <functional>
#include <string>

#include "storage/etcd/etcd_raw.h"

namespace carrier::bench {

// One durable write of `key`; the writer exits the process (after printing why) on error.
using WriteFn = std::function<bool(const std::string& key, const std::string& value)>;

// Writes/s with `threads` writers each writing fresh keys under `prefix` (values of
// `value_bytes` bytes) for `seconds`.
double MeasureWrites(const WriteFn& write, const std::string& prefix, int threads,
                     double seconds, size_t value_bytes);

// A WriteFn that does one raw etcd Put through `client` (which must outlive it).
WriteFn RawEtcdWriter(storage::EtcdRawClient& client);

}  // namespace carrier::bench
