// `carrier serve`: the management plane. Opens the store (SQLite in the data directory, or
// etcd), starts the API server (and, with --registry-listen, the OCI mirror registry) and
// serves until SIGINT/SIGTERM.
#include <csignal>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "apiserver/api_server.h"
#include "cli/commands.h"
#include "registry/config.h"
#include "storage/open_store.h"

namespace carrier::cli {

namespace {

struct ServeFlags {
  storage::StoreConfig store;
  apiserver::ApiServerOptions api;
  std::string registry_listen;  // empty: no embedded registry
  std::string registry_root;    // empty: <data-dir>/registry
};

// The embedded registry: the root folder (certs/ auth/ data/ conf/) is laid out as
// `carrier registry init` does unless it exists, then served as `carrier registry serve` does.
Result<std::unique_ptr<registry::RegistryServer>> StartRegistry(const ServeFlags& flags,
                                                                std::string& url) {
  std::string root = flags.registry_root.empty()
                         ? (std::filesystem::path(flags.store.data_dir) / "registry").string()
                         : flags.registry_root;
  CARRIER_RETURN_IF_ERROR(registry::InitRegistryRoot(root, "", "", ""));
  auto config = registry::LoadRegistryConfig(root, "");
  if (!config.ok()) return config.status();
  CARRIER_RETURN_IF_ERROR(registry::SetListenAddress(*config, flags.registry_listen));
  auto server = registry::StartConfiguredRegistry(*config);
  if (!server.ok()) return server.status();
  url = std::string((*server)->tls() ? "https://" : "http://") + config->address + ":" +
        std::to_string((*server)->port()) + " (root " + root +
        (config->auth.htpasswd_path.empty() ? ", no authentication)" : ", authentication on)");
  return server;
}

// Blocks until SIGINT or SIGTERM arrives.
void WaitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
}

int RunServe(ServeFlags& flags) {
  // Block the termination signals before any thread starts so that only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  flags.api.data_dir = flags.store.data_dir;
  flags.api.store_shared = !flags.store.etcd_endpoints.empty();  // other replicas may write
  auto store = storage::OpenStore(flags.store);
  if (!store.ok()) {
    std::cerr << "carrier serve: cannot open the store (" << storage::DescribeStore(flags.store)
              << "): " << store.status().ToString() << "\n";
    return 1;
  }
  auto server = apiserver::ApiServer::Start(flags.api, **store);
  if (!server.ok()) {
    std::cerr << "carrier serve: " << server.status().ToString() << "\n";
    return 1;
  }
  std::unique_ptr<registry::RegistryServer> registry;
  std::string registry_url = "off (--registry-listen HOST:PORT)";
  if (!flags.registry_listen.empty()) {
    auto started = StartRegistry(flags, registry_url);
    if (!started.ok()) {
      std::cerr << "carrier serve: registry: " << started.status().ToString() << "\n";
      (*server)->Stop();
      return 1;
    }
    registry = std::move(started).value();
  }
  std::cout << "Carrier is serving the Kubernetes API at " << (*server)->url() << "\n"
            << "  store:      " << storage::DescribeStore(flags.store) << "\n"
            << "  kubeconfig: " << (*server)->pki().admin_kubeconfig_file << "\n"
            << "  registry:   " << registry_url << "\n\n"
            << "Use it with kubectl:\n"
            << "  export KUBECONFIG=" << (*server)->pki().admin_kubeconfig_file << "\n"
            << "  kubectl get namespaces\n"
            << "  kubectl create configmap demo --from-literal=greeting=hello\n\n"
            << "Stop with Ctrl-C." << std::endl;
  WaitForTermination();
  spdlog::info("shutting down");
  if (registry) registry->Stop();
  (*server)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the management plane (API server and store)");
  serve->add_option("--data-dir", flags->store.data_dir,
                    "Directory for the store, the PKI and the admin kubeconfig")
      ->default_val(".carrier");
  serve->add_option("--address", flags->api.address, "Address to listen on")
      ->default_val("127.0.0.1");
  serve->add_option("--port", flags->api.port, "HTTPS port")->default_val(6443);
  serve->add_option("--tls-san", flags->api.extra_sans,
                    "Extra DNS name or IP for the serving certificate (repeatable)");
  serve->add_option("--etcd-servers", flags->store.etcd_endpoints,
                    "etcd endpoints (comma separated); the embedded SQLite store when empty")
      ->delimiter(',');
  serve->add_option("--etcd-cafile", flags->store.etcd_ca_file, "CA bundle for etcd TLS");
  serve->add_option("--etcd-certfile", flags->store.etcd_cert_file, "Client certificate for etcd");
  serve->add_option("--etcd-keyfile", flags->store.etcd_key_file, "Client key for etcd");
  serve->add_option_function<int64_t>(
            "--event-ttl",
            [flags](int64_t seconds) { flags->api.event_ttl = std::chrono::seconds(seconds); },
            "Seconds an Event is kept after its last write")
      ->default_val(3600)
      ->check(CLI::PositiveNumber);
  serve->add_option("--disable-admission-plugins", flags->api.disabled_admission_plugins,
                    "Admission plugins to turn off (comma separated), e.g. LimitRanger,ResourceQuota")
      ->delimiter(',');
  serve->add_option("--registry-listen", flags->registry_listen,
                    "Also serve the OCI mirror registry on HOST:PORT (e.g. 0.0.0.0:5000; port 0 "
                    "picks one); off when empty");
  serve->add_option("--registry-root", flags->registry_root,
                    "Registry root folder (certs/ auth/ data/ conf/config.yaml, created as "
                    "`carrier registry init` does when missing; default <data-dir>/registry)");
  serve->callback([flags] { SetExitCode(RunServe(*flags)); });
}

}  // namespace carrier::cli
