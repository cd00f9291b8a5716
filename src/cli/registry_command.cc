#include "cli/commands.h"

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "registry/config.h"
#include "registry/registry_server.h"

namespace carrier::cli {

namespace {

struct RegistryFlags {
  std::string root;
  std::string config;
  std::string listen;
  std::string hostname;
  std::string user;
  std::string password;
  bool plain_http = false;
  int threads = 0;
  bool dry_run = false;
  int64_t grace_seconds = -1;
};

int Fail(const Status& st) {
  std::cerr << "carrier registry: " << st.ToString() << "\n";
  return 1;
}

int Serve(const RegistryFlags& f) {
  auto config = registry::LoadRegistryConfig(f.root, f.config);
  if (!config.ok()) return Fail(config.status());
  if (!f.listen.empty()) {
    Status st = registry::SetListenAddress(*config, f.listen);
    if (!st.ok()) return Fail(st);
  }
  if (f.plain_http) config->tls = false;
  if (f.threads > 0) config->threads = f.threads;
  // Block the stop signals before the pool starts so that only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto server = registry::StartConfiguredRegistry(*config);
  if (!server.ok()) return Fail(server.status());
  std::cout << "carrier registry listening on " << ((*server)->tls() ? "https" : "http") << "://"
            << config->address << ":" << (*server)->port() << " (data " << config->data_dir
            << (config->auth.htpasswd_path.empty() ? ", no authentication" : ", authentication on")
            << ")" << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "carrier registry: stopping" << std::endl;
  (*server)->Stop();
  return 0;
}

int Init(const RegistryFlags& f) {
  if (f.user.empty() != f.password.empty()) {
    return Fail(InvalidArgument("--user and --password go together"));
  }
  Status st = registry::InitRegistryRoot(f.root, f.hostname, f.user, f.password);
  if (!st.ok()) return Fail(st);
  std::cout << "initialized " << f.root << " (certs/ auth/ data/ conf/config.yaml)\n";
  return 0;
}

int Gc(const RegistryFlags& f) {
  auto config = registry::LoadRegistryConfig(f.root, f.config);
  if (!config.ok()) return Fail(config.status());
  registry::GcOptions gc = config->gc;
  gc.dry_run = f.dry_run;
  if (f.grace_seconds >= 0) gc.blob_grace = std::chrono::seconds(f.grace_seconds);
  auto storage = registry::Storage::Open({config->data_dir, config->max_blob_bytes});
  if (!storage.ok()) return Fail(storage.status());
  auto report = (*storage)->CollectGarbage(gc);
  if (!report.ok()) return Fail(report.status());
  std::cout << (f.dry_run ? "would delete " : "deleted ") << report->blobs_deleted << " blobs ("
            << report->bytes_freed << " bytes), " << report->links_deleted << " links, "
            << report->uploads_deleted << " uploads; " << report->blobs_marked
            << " blobs in use, " << report->blobs_kept_by_grace
            << " unreferenced blobs younger than the grace period kept\n";
  return 0;
}

}  // namespace

void AddRegistryCommand(CLI::App& app) {
  auto flags = std::make_shared<RegistryFlags>();
  CLI::App* reg = app.add_subcommand(
      "registry", "The OCI mirror registry (distribution spec v1.1, TLS, htpasswd, tokens)");
  reg->require_subcommand(1);

  CLI::App* serve = reg->add_subcommand(
      "serve",
      "Serve the registry from a root folder (certs/ auth/ data/ conf/). Settings come from "
      "conf/config.yaml (see `carrier registry init`); a missing TLS certificate is generated. "
      "Stops on SIGINT/SIGTERM.");
  serve->add_option("--root", flags->root, "Root folder (default: the folder above the config's conf/)");
  serve->add_option("--config", flags->config, "Config file (default: <root>/conf/config.yaml)");
  serve->add_option("--listen", flags->listen, "Override the listen address, host:port (e.g. 127.0.0.1:5000, :0)");
  serve->add_flag("--plain-http", flags->plain_http, "Serve plain HTTP instead of TLS");
  serve->add_option("--threads", flags->threads, "Worker threads (default from the config: 4)");
  serve->callback([flags] { SetExitCode(Serve(*flags)); });

  CLI::App* init = reg->add_subcommand(
      "init", "Create a registry root: folders, conf/config.yaml, a self-signed certificate "
              "(SANs localhost, 127.0.0.1, ::1, the host name and --hostname) and, with --user, "
              "auth/htpasswd (bcrypt) with authentication turned on. An existing config is kept.");
  init->add_option("--root", flags->root, "Root folder to create")->required();
  init->add_option("--hostname", flags->hostname, "Registry host name (certificate SAN, token realm)");
  init->add_option("--user", flags->user, "Create or replace this htpasswd user");
  init->add_option("--password", flags->password, "Password for --user");
  init->callback([flags] { SetExitCode(Init(*flags)); });

  CLI::App* gc = reg->add_subcommand(
      "gc", "Delete blobs no manifest references (mark and sweep) and abandoned uploads. Safe "
            "while the registry serves: blobs younger than the grace period are kept and "
            "manifest pushes are serialized with the sweep through data/gc.lock.");
  gc->add_option("--root", flags->root, "Registry root folder");
  gc->add_option("--config", flags->config, "Config file (default: <root>/conf/config.yaml)");
  gc->add_flag("--dry-run", flags->dry_run, "Report what would be deleted, delete nothing");
  gc->add_option("--grace", flags->grace_seconds, "Grace period in seconds (default from the config: 3600)");
  gc->callback([flags] { SetExitCode(Gc(*flags)); });
}

}  // namespace carrier::cli
