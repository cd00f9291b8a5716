#include "apiserver/responses.h"

#include <boost/json.hpp>

namespace carrier::apiserver {

namespace json = boost::json;

http::Response JsonResponse(int status, const json::value& body) {
  http::Response r;
  r.status = status;
  r.body = json::serialize(body);
  r.SetHeader("Content-Type", "application/json");
  return r;
}

http::Response ErrorResponse(const api::ApiError& error) {
  json::object body = api::ToJson(error);
  return JsonResponse(CodeHttpStatus(error.status.code()), body);
}

http::Response ErrorResponse(const Status& status) {
  return JsonResponse(CodeHttpStatus(status.code()), api::ToJson(status));
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Negotiated NegotiateAccept(std::string_view accept) {
  Negotiated n;
  if (Trim(accept).empty()) return n;
  bool any_json = false;
  // Media ranges in order of preference; the first we can serve wins.
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = Trim(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    std::string_view type = Trim(range.substr(0, range.find(';')));
    bool wants_table = false, wants_partial = false, meta_group = false;
    std::string version;
    size_t pos = range.find(';');
    while (pos != std::string_view::npos) {
      size_t next = range.find(';', pos + 1);
      std::string_view param = Trim(range.substr(pos + 1, next == std::string_view::npos
                                                              ? std::string_view::npos
                                                              : next - pos - 1));
      if (param == "as=Table") wants_table = true;
      if (param == "as=PartialObjectMetadata" || param == "as=PartialObjectMetadataList") {
        wants_partial = true;
      }
      if (param == "g=meta.k8s.io") meta_group = true;
      if (param.substr(0, 2) == "v=") version = std::string(param.substr(2));
      pos = next;
    }
    if (type == "application/json" || type == "*/*" || type == "application/*") {
      if (wants_table && meta_group && (version == "v1" || version == "v1beta1")) {
        n.table = true;
        n.table_version = version;
        return n;
      }
      if (wants_partial && meta_group && (version == "v1" || version == "v1beta1")) {
        n.partial_metadata = true;
        n.partial_version = version;
        return n;
      }
      if (!wants_table && !wants_partial) any_json = true;
      if (any_json) return n;
    }
  }
  n.acceptable = any_json;
  return n;
}

}  // namespace carrier::apiserver
