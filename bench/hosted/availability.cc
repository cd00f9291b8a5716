#include "availability.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>

namespace carrier::bench::hosted {

namespace json = boost::json;

namespace {

const json::object* ObjectField(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : it->value().if_object();
}

std::string_view StringField(const json::object* o, std::string_view key) {
  if (o == nullptr) return {};
  auto it = o->find(key);
  const json::string* s = it == o->end() ? nullptr : it->value().if_string();
  return s ? std::string_view(*s) : std::string_view();
}

bool IsAvailable(const json::object* status) {
  if (status == nullptr) return false;
  auto it = status->find("conditions");
  const json::array* conditions = it == status->end() ? nullptr : it->value().if_array();
  if (conditions == nullptr) return false;
  for (const json::value& c : *conditions) {
    if (StringField(c.if_object(), "type") == "Available") {
      return StringField(c.if_object(), "status") == "True";
    }
  }
  return false;
}

}  // namespace

void Availability::OnLine(std::string_view line) {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  ++events_;
  boost::system::error_code ec;
  json::value event = json::parse(line, ec);
  const json::object* e = ec ? nullptr : event.if_object();
  const json::object* hc = ObjectField(e, "object");
  if (hc == nullptr) return Note("unparsable watch line: " + std::string(line.substr(0, 300)));
  if (StringField(e, "type") == "ERROR") return Note("watch ERROR event: " + std::string(line));
  const json::object* meta = ObjectField(hc, "metadata");
  if (std::string_view rv = StringField(meta, "resourceVersion"); !rv.empty()) {
    std::lock_guard lock(mu_);
    last_rv_ = std::string(rv);
  }
  const std::string_view name = StringField(meta, "name");
  if (!name.starts_with("hc-") || !IsAvailable(ObjectField(hc, "status"))) return;
  const long i = std::atol(std::string(name.substr(3)).c_str());
  if (i < 0 || i >= static_cast<long>(available_ns_.size())) return;
  int64_t unset = 0;
  if (available_ns_[i].compare_exchange_strong(unset, now)) ++available_;
}

std::string Availability::last_resource_version() const {
  std::lock_guard lock(mu_);
  return last_rv_;
}

std::vector<std::string> Availability::oddities() const {
  std::lock_guard lock(mu_);
  return odd_;
}

void Availability::Note(std::string what) {
  std::lock_guard lock(mu_);
  if (odd_.size() < 5) odd_.push_back(std::move(what));
}

}  // namespace carrier::bench::hosted
