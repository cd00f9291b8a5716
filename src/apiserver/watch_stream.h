#pragma once
// Watch streams: a chunked HTTP response of {"type":…,"object":…} lines fed from a store
// watch over one collection, with label/field selector filtering (objects moving in or out of
// the selection become ADDED/DELETED, as Kubernetes does), bookmarks, initial events,
// timeoutSeconds, and a 410 Expired ERROR event when the start revision was compacted.
// Streams end when the client goes away or the HTTP server stops; one timer thread serves the
// timeouts of all of them.

#include <boost/json/fwd.hpp>
#include <functional>
#include <memory>
#include <string>

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

 private:
  class Stream;
  class Timeouts;
  storage::Store& store_;
  std::unique_ptr<Timeouts> timeouts_;
};

}  // namespace carrier::apiserver
