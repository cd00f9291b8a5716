#pragma once
// Watch streams: a chunked HTTP response of {"type":…,"object":…} lines fed from a store
// watch over one collection, with label/field selector filtering (objects moving in or out of
// the selection become ADDED/DELETED, as Kubernetes does), bookmarks, initial events,
// timeoutSeconds, and a 410 Expired ERROR event when the start revision was compacted.
// Streams end when the client goes away or the HTTP server stops; one timer thread serves the
// timeouts of all of them.

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "http/server.h"
#include "storage/store.h"

namespace carrier::apiserver {

struct WatchSpec {
  storage::KeyRange range;
  storage::Revision start_revision = 0;  // first revision to deliver (0: from now on)
  // Objects to send as ADDED before the live events (the initial state), in order.
  std::vector<boost::json::object> initial;
  bool send_initial_events_end_bookmark = false;
  bool bookmarks = false;
  std::chrono::seconds timeout{0};  // 0: until the client goes away
  // Whether an object is selected (label and field selectors).
  std::function<bool(const boost::json::object&)> matches;
  // Renders an object for the wire (plain JSON or a one-row Table).
  std::function<boost::json::value(const boost::json::object&)> render;
  std::string kind;         // for bookmark objects
  std::string api_version;  // for bookmark objects
};

class WatchRegistry {
 public:
  explicit WatchRegistry(storage::Store& store);
  ~WatchRegistry();

  // Starts streaming to `exchange`. Errors before the stream starts (e.g. compacted start)
  // are answered as an ERROR event in a 200 stream, as Kubernetes does.
  void Start(std::shared_ptr<http::Exchange> exchange, WatchSpec spec);
  // Ends every open stream over keys starting with `key_prefix` (the client sees the stream
  // end, as when an API server restarts, and watches again).
  void EndWatches(std::string_view key_prefix);

 private:
  class Stream;
  class Timeouts;
  struct OpenStream {
    std::string range_begin;
    std::weak_ptr<http::ChunkWriter> writer;
  };
  storage::Store& store_;
  std::unique_ptr<Timeouts> timeouts_;
  std::mutex open_mu_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, OpenStream> open_;
};

}  // namespace carrier::apiserver
