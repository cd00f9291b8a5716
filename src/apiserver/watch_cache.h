#pragma once
// The watch cache: a storage::Store in front of the backend that serves reads and watches
// of resource collections from memory, so GET, LIST and WATCH cost no backend round trip.
//
//  - One backend watch over the whole key space feeds every cached collection, in revision
//    order; the cache's revision is the last revision whose events it has applied. A
//    collection (by default the `/<cluster>/<group>/<resource>/` prefix of a key) is loaded
//    on first use by a list at the cache's revision, so it is consistent with the feed.
//  - Reads are consistent: a Get or List at the latest revision first waits until the cache
//    has applied every write this process has acknowledged (and, with
//    `consistent_reads_from_backend`, the backend's current revision, so that writes by
//    other replicas sharing an etcd are seen too). Reads at an explicit revision, ranges
//    that span collections and keys outside any collection go to the backend.
//  - Watches of a collection start from the cache's history (a bounded window per
//    collection) and follow the feed; a start older than the window goes to the backend,
//    which answers kGone if that history is compacted.
//  - Watches of wider ranges (the controllers follow the whole key space) that start from
//    the cache's revision or later are served from the feed too. Every watch of the cache
//    gets an event only after the cache applied it, so a read made on receiving the event
//    sees that change (a backend watch could run ahead of the cache).
//  - Writes, leases and compaction pass through.
// The cache holds no thread of its own and costs nothing for collections never read.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "storage/store.h"

namespace carrier::apiserver {

struct WatchCacheOptions {
  // The collection a key belongs to (a prefix ending in '/'), or nullopt for keys never
  // cached. Default: the first three path segments of /<cluster>/<group>/<resource>/...,
  // keys whose first segment starts with '_' excluded.
  std::function<std::optional<std::string>(std::string_view key)> collection_of;
  bool consistent_reads_from_backend = false;  // set for a backend shared with other replicas
  size_t history_per_collection = 1000;        // events kept for watch resumption
  std::chrono::milliseconds freshness_wait{5000};  // then the read goes to the backend
  std::chrono::milliseconds feed_progress_interval{1000};
};

// Starts the feed; the backend must outlive the cache.
Result<std::unique_ptr<storage::Store>> StartWatchCache(storage::Store& backend,
                                                         WatchCacheOptions options = {});

// The default collection rule (exposed for tests).
std::optional<std::string> ResourceCollectionOf(std::string_view key);

}  // namespace carrier::apiserver
