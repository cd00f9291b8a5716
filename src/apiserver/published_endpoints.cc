#include "apiserver/published_endpoints.h"

#include <algorithm>
#include <cctype>

namespace carrier::apiserver {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsClustersPath(std::string_view path) {
  return path == "/clusters" || path.rfind("/clusters/", 0) == 0;
}

}  // namespace

void PublishedEndpoints::Attach(http::Server* server, std::string shared_host,
                                std::string bind_address) {
  std::unique_lock lock(mu_);
  server_ = server;
  shared_host_ = std::move(shared_host);
  bind_address_ = std::move(bind_address);
}

std::string PublishedEndpoints::shared_host() const {
  std::shared_lock lock(mu_);
  return shared_host_;
}

uint16_t PublishedEndpoints::shared_port() const {
  std::shared_lock lock(mu_);
  return server_ ? server_->port() : 0;
}

std::shared_ptr<const http::TlsContext> PublishedEndpoints::ContextFor(
    std::string_view server_name) const {
  std::shared_lock lock(mu_);
  auto it = cluster_by_hostname_.find(Lower(server_name));
  if (it == cluster_by_hostname_.end()) return nullptr;
  const Entry& entry = by_cluster_.at(it->second);
  if (auto named = entry.named.find(it->first); named != entry.named.end()) return named->second.context;
  return entry.context;
}

std::optional<std::string> PublishedEndpoints::ClusterOf(const http::Request& request) const {
  std::shared_lock lock(mu_);
  if (request.listener != 0) {
    auto it = cluster_by_listener_.find(request.listener);
    return it == cluster_by_listener_.end() ? std::string() : it->second;
  }
  if (!request.tls || request.server_name.empty()) return std::nullopt;
  auto it = cluster_by_hostname_.find(Lower(request.server_name));
  if (it == cluster_by_hostname_.end()) return std::nullopt;
  return it->second;
}

Result<RequestInfo> PublishedEndpoints::Parse(const http::Request& request, std::string_view path,
                                              bool watch) const {
  auto cluster = ClusterOf(request);
  if (!cluster) return ParseRequestInfo(request.method, path, watch);
  if (cluster->empty() || IsClustersPath(path)) {
    return Status(Code::kNotFound, "the server could not find the requested resource");
  }
  auto info = ParseRequestInfo(request.method, path, watch);
  if (info.ok()) info->cluster = std::move(*cluster);
  return info;
}

Status PublishedEndpoints::Publish(const std::string& cluster,
                                   const hosted::PublishedApiServer& published) {
  std::lock_guard serial(publish_mu_);
  if (published.serving_cert_pem.empty() || published.serving_key_pem.empty()) {
    return InvalidArgument("cluster " + cluster + " has no serving certificate to publish");
  }
  if (published.node_port != 0 && !range_.Contains(published.node_port)) {
    return InvalidArgument("node port " + std::to_string(published.node_port) +
                           " is outside the node port range " + std::to_string(range_.first) + "-" +
                           std::to_string(range_.last));
  }
  Entry next;
  for (const std::string& name : published.route_hostnames) next.hostnames.push_back(Lower(name));
  for (const hosted::NamedCertificate& cert : published.named_certificates) {
    for (const std::string& name : cert.names) {
      next.named[Lower(name)] = Entry::Named{cert.cert_pem, cert.key_pem, nullptr};
      next.hostnames.push_back(Lower(name));
    }
  }
  std::sort(next.hostnames.begin(), next.hostnames.end());
  next.hostnames.erase(std::unique(next.hostnames.begin(), next.hostnames.end()), next.hostnames.end());
  next.node_port = published.node_port;
  next.bind_address = published.node_port_bind_address;
  next.cert_pem = published.serving_cert_pem;
  next.key_pem = published.serving_key_pem;

  http::Server* server;
  std::optional<Entry> current;
  {
    std::shared_lock lock(mu_);
    server = server_;
    if (server == nullptr) return Unavailable("the API server is not serving yet");
    if (next.bind_address.empty()) next.bind_address = bind_address_;
    for (const std::string& name : next.hostnames) {
      auto it = cluster_by_hostname_.find(name);
      if (it != cluster_by_hostname_.end() && it->second != cluster) {
        return AlreadyExists("host name " + name + " is already published by cluster " + it->second);
      }
    }
    for (const auto& [other, entry] : by_cluster_) {
      if (other != cluster && next.node_port != 0 && entry.node_port == next.node_port) {
        return AlreadyExists("node port " + std::to_string(next.node_port) +
                             " is already published by cluster " + other);
      }
    }
    if (auto it = by_cluster_.find(cluster); it != by_cluster_.end()) current = it->second;
  }
  // One TLS context per certificate: reused while the certificate stays the same.
  if (current && current->cert_pem == next.cert_pem && current->key_pem == next.key_pem) {
    next.context = current->context;
  } else {
    auto context = server->NewTlsContext({next.cert_pem, next.key_pem});
    if (!context.ok()) return context.status();
    next.context = std::move(*context);
  }
  for (auto& [name, named] : next.named) {
    const Entry::Named* before = nullptr;
    if (current) {
      if (auto it = current->named.find(name); it != current->named.end()) before = &it->second;
    }
    if (before && before->cert_pem == named.cert_pem && before->key_pem == named.key_pem) {
      named.context = before->context;
      continue;
    }
    auto context = server->NewTlsContext({named.cert_pem, named.key_pem});
    if (!context.ok()) {
      return InvalidArgument("the named certificate for " + name + " cannot be served: " +
                             context.status().message());
    }
    named.context = std::move(*context);
  }
  // The NodePort listener: kept when its port and address stay, else a new one is opened
  // before the old one closes (a failure leaves the old publication whole).
  const bool same_listener = current && current->listener != 0 &&
                             current->node_port == next.node_port &&
                             current->bind_address == next.bind_address;
  if (same_listener) {
    next.listener = current->listener;
    if (next.context != current->context) {
      CARRIER_RETURN_IF_ERROR(server->SetListenerContext(next.listener, next.context));
    }
  } else if (next.node_port != 0) {
    auto listener = server->AddListener(next.bind_address, next.node_port, next.context);
    if (!listener.ok()) return listener.status();
    next.listener = listener->id;
  }
  {
    std::unique_lock lock(mu_);
    if (current) {
      for (const std::string& name : current->hostnames) cluster_by_hostname_.erase(name);
      if (current->listener != 0) cluster_by_listener_.erase(current->listener);
    }
    for (const std::string& name : next.hostnames) cluster_by_hostname_[name] = cluster;
    if (next.listener != 0) cluster_by_listener_[next.listener] = cluster;
    by_cluster_[cluster] = next;
  }
  if (current && current->listener != 0 && !same_listener) server->RemoveListener(current->listener);
  return Status::Ok();
}

void PublishedEndpoints::Unpublish(const std::string& cluster) {
  std::lock_guard serial(publish_mu_);
  Entry gone;
  http::Server* server;
  {
    std::unique_lock lock(mu_);
    auto it = by_cluster_.find(cluster);
    if (it == by_cluster_.end()) return;
    gone = std::move(it->second);
    by_cluster_.erase(it);
    for (const std::string& name : gone.hostnames) cluster_by_hostname_.erase(name);
    if (gone.listener != 0) cluster_by_listener_.erase(gone.listener);
    server = server_;
  }
  if (gone.listener != 0 && server != nullptr) server->RemoveListener(gone.listener);
}

}  // namespace carrier::apiserver
