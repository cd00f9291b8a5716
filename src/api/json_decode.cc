#include "api/json_decode.h"

#include <boost/json.hpp>

namespace carrier::api {

Result<boost::json::value> DecodeJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (ec) return Status(Code::kBadRequest, "invalid JSON: " + ec.message());
  return v;
}

}  // namespace carrier::api
