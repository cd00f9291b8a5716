// `carrier serve`: the management plane. Opens the store (SQLite in the data directory, or
// etcd), starts the API server (and, with --registry-listen, the OCI mirror registry) and
// serves until SIGINT/SIGTERM.
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

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

// A duration as seconds ("40", "2.5") or as Go writes them ("40s", "1m30s", "500ms", "1h");
// nullopt when malformed or not positive.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
      ++end;
    }
    if (end == i) return std::nullopt;
    char* stop = nullptr;
    const std::string number = text.substr(i, end - i);
    const double value = std::strtod(number.c_str(), &stop);
    if (stop != number.c_str() + number.size()) return std::nullopt;
    size_t unit_end = end;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) ++unit_end;
    const std::string unit = text.substr(end, unit_end - end);
    double factor;
    if (unit.empty() && i == 0 && unit_end == text.size()) factor = 1000;  // plain seconds
    else if (unit == "ms") factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m") factor = 60 * 1000;
    else if (unit == "h") factor = 3600 * 1000;
    else return std::nullopt;
    total_ms += value * factor;
    i = unit_end;
  }
  if (total_ms < 1 || total_ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

// "30000-32767": two ports, the first not above the second; nullopt otherwise.
std::optional<hosted::NodePortRange> ParsePortRange(const std::string& text) {
  const size_t dash = text.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto port = [](const std::string& part) -> std::optional<uint16_t> {
    if (part.empty() || part.size() > 5 || part.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const int value = std::stoi(part);
    if (value < 1 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
  };
  auto first = port(text.substr(0, dash)), last = port(text.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  return hosted::NodePortRange{*first, *last};
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

  if (Status st = hosted::ValidateCertificatePolicy(flags.api.hosted_certificates); !st.ok()) {
    std::cerr << "carrier serve: --hosted-certificate-renew-before/--hosted-certificate-validity: "
              << st.message() << "\n";
    return 2;
  }
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
  serve
      ->add_option_function<std::string>(
          "--service-node-port-range",
          [flags](const std::string& text) {
            auto range = ParsePortRange(text);
            if (!range) {
              throw CLI::ValidationError("--service-node-port-range",
                                         "expected FIRST-LAST such as 30000-32767, got " + text);
            }
            flags->api.service_node_port_range = *range;
          },
          "Ports hosted clusters published through NodePort may listen on (inclusive)")
      ->default_str("30000-32767");
  auto duration_flag = [&](const char* name, std::chrono::seconds& target, const char* help,
                           const char* default_text) {
    serve
        ->add_option_function<std::string>(
            name,
            [&target, name](const std::string& text) {
              auto parsed = ParseDuration(text);
              if (!parsed || *parsed < std::chrono::seconds(1)) {
                throw CLI::ValidationError(name, "expected a duration of at least 1s such as 8760h or 90s, got " + text);
              }
              target = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
            },
            help)
        ->default_str(default_text);
  };
  duration_flag("--hosted-certificate-validity", flags->api.hosted_certificates.leaf_validity,
                "How long the leaf certificates of hosted clusters (API server serving, admin "
                "client) are valid", "8760h");
  duration_flag("--hosted-certificate-renew-before", flags->api.hosted_certificates.renew_before,
                "How long before they expire those certificates are renewed", "720h");
  serve
      ->add_option_function<std::string>(
          "--node-monitor-grace-period",
          [flags](const std::string& text) {
            auto grace = ParseDuration(text);
            if (!grace) {
              throw CLI::ValidationError("--node-monitor-grace-period",
                                         "expected a duration such as 40s, 1m or 40, got " + text);
            }
            flags->api.node_monitor_grace_period = *grace;
          },
          "How long a node may go without renewing its Lease or posting status before it is "
          "marked NotReady (Ready=Unknown): seconds, or a Go duration such as 40s or 1m")
      ->default_str("40s");
  serve->callback([flags] { SetExitCode(RunServe(*flags)); });
}

}  // namespace carrier::cli
