#include "registry/registry_server.h"

#include "http/server.h"
#include "registry/api.h"

namespace carrier::registry {

struct RegistryServer::State {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<http::Server> http;
};

RegistryServer::RegistryServer(std::unique_ptr<State> state) : state_(std::move(state)) {}
RegistryServer::~RegistryServer() { Stop(); }

Result<std::unique_ptr<RegistryServer>> RegistryServer::Start(const RegistryOptions& options) {
  auto state = std::make_unique<State>();
  auto storage = Storage::Open({options.data_dir, options.max_blob_bytes});
  if (!storage.ok()) return storage.status();
  state->storage = std::move(storage).value();
  ApiOptions api;
  api.delete_enabled = options.delete_enabled;
  api.max_manifest_bytes = options.max_manifest_bytes;
  api.auth = options.auth;
  http::ServerOptions http;
  http.address = options.address;
  http.port = options.port;
  http.threads = options.threads;
  http.tls_cert_file = options.tls_cert_file;
  http.tls_key_file = options.tls_key_file;
  auto server = http::Server::Start(http, MakeApiHandler(state->storage.get(), std::move(api)));
  if (!server.ok()) return server.status();
  state->http = std::move(server).value();
  return std::unique_ptr<RegistryServer>(new RegistryServer(std::move(state)));
}

uint16_t RegistryServer::port() const { return state_->http->port(); }
bool RegistryServer::tls() const { return state_->http->tls(); }
Storage& RegistryServer::storage() { return *state_->storage; }
void RegistryServer::Stop() {
  if (state_ && state_->http) state_->http->Stop();
}

}  // namespace carrier::registry
