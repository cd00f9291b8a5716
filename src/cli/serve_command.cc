// `carrier serve`: the management plane. Opens the store (SQLite in the data directory, or
// etcd), starts the API server and serves until SIGINT/SIGTERM.
#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "apiserver/api_server.h"
#include "cli/commands.h"
#include "storage/open_store.h"

namespace carrier::cli {

namespace {

struct ServeFlags {
  storage::StoreConfig store;
  apiserver::ApiServerOptions api;
};

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
  std::cout << "Carrier is serving the Kubernetes API at " << (*server)->url() << "\n"
            << "  store:      " << storage::DescribeStore(flags.store) << "\n"
            << "  kubeconfig: " << (*server)->pki().admin_kubeconfig_file << "\n\n"
            << "Use it with kubectl:\n"
            << "  export KUBECONFIG=" << (*server)->pki().admin_kubeconfig_file << "\n"
            << "  kubectl get namespaces\n"
            << "  kubectl create configmap demo --from-literal=greeting=hello\n\n"
            << "Stop with Ctrl-C." << std::endl;
  WaitForTermination();
  spdlog::info("shutting down");
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
  serve->callback([flags] { SetExitCode(RunServe(*flags)); });
}

}  // namespace carrier::cli
