// bench/api: the Kubernetes API of a real `carrier serve` under an HTTPS/1.1 keep-alive load,
// side by side with its peer, raw etcd Put through the same gRPC client (bench/store's
// write_load), measured in the same run on the same machine:
//   - durable creates/s of ~1 KiB ConfigMaps at concurrency 1, 16 and 64 vs raw etcd puts/s
//     of values as large as the stored object;
//   - GETs/s of one ConfigMap at concurrency 64 and the server's CPU seconds for them;
//   - LIST of a namespace holding N ConfigMaps (best and median ms);
//   - watch fan-out: M watch streams, then writes; write -> receipt latency p50/p99;
//   - the server's RSS (VmHWM, VmRSS) after the load.
// The server runs on its default embedded store (SQLite, synchronous=FULL) in a fresh data
// directory next to etcd's, so both acknowledge a write only once it is fsync'd.

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_flags.h"
#include "carrier_server.h"
#include "load_client.h"
#include "storage/etcd/etcd_raw.h"
#include "support/etcd_process.h"
#include "support/test_util.h"
#include "write_load.h"

namespace carrier::bench::api {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  std::string carrier;              // the carrier binary
  double seconds = 3.0;             // per create / raw put cell
  double get_seconds = 5.0;
  std::vector<int> concurrency = {1, 16, 64};
  size_t object_bytes = 1024;       // size of a ConfigMap as sent
  int list_objects = 10000;
  int list_runs = 10;
  int watchers = 1000;
  int watch_writes = 20;
  int client_threads = 2;
};

std::string ConfigMapBody(const std::string& name, size_t total_bytes) {
  std::string head = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                     R"("},"data":{"payload":")";
  std::string tail = R"("}})";
  size_t fill = total_bytes > head.size() + tail.size() ? total_bytes - head.size() - tail.size() : 1;
  return head + std::string(fill, 'x') + tail;
}

std::string NamespaceBody(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + R"("}})";
}

void PrintErrors(const char* what, const std::vector<std::string>& samples, int64_t errors) {
  if (errors == 0 && samples.empty()) return;
  std::printf("  !! %s: %lld errors; first ones:\n", what, static_cast<long long>(errors));
  for (const auto& s : samples) std::printf("     %s\n", s.c_str());
}

Config ParseArgs(int argc, char** argv) {
  Config c;
  bench::BenchFlags flags(
      "usage: api_bench --carrier BINARY [--seconds N] [--get-seconds N]\n"
      "                 [--concurrency 1,16,64] [--object-bytes N] [--list-objects N]\n"
      "                 [--list-runs N] [--watchers N] [--watch-writes N]\n"
      "                 [--client-threads N]\n");
  flags.Add("--carrier", c.carrier)
      .Add("--seconds", c.seconds)
      .Add("--get-seconds", c.get_seconds)
      .Add("--concurrency", c.concurrency)
      .Add("--object-bytes", c.object_bytes)
      .Add("--list-objects", c.list_objects)
      .Add("--list-runs", c.list_runs)
      .Add("--watchers", c.watchers)
      .Add("--watch-writes", c.watch_writes)
      .Add("--client-threads", c.client_threads);
  flags.Parse(argc, argv);
  flags.Require(!c.carrier.empty() && c.seconds > 0 && c.get_seconds > 0 && c.list_runs > 0 &&
                c.client_threads > 0 && !c.concurrency.empty());
  return c;
}

// One side of a side-by-side comparison: a client of a server (pid) and a name prefix for
// the objects it creates.
struct Side {
  const char* label;
  LoadClient* client;
  pid_t pid;
  const char* tag;
};

// GETs of one ConfigMap, then creates, at concurrency 16, the sides taking turns in three
// rounds (so that both see the same machine load); prints rate, latency and the server CPU
// per request, then what `what_adds` adds at p50 (the second side minus the first, or the
// first minus the second).
void CompareSideBySide(const Config& config, const std::string& cm_path, const std::vector<Side>& sides,
                       const char* what_adds, bool second_minus_first = true) {
  constexpr int kRounds = 3;
  std::printf("%-10s %-26s %10s %10s %10s %18s\n", "request", "setup", "per s", "p50 ms",
              "p99 ms", "server CPU us/op");
  for (const std::string what : {"GET", "create"}) {
    std::vector<LoadResult> results(sides.size());
    std::vector<double> cpu_seconds(sides.size(), 0);
    for (int round = 0; round < kRounds; ++round) {
      for (size_t i = 0; i < sides.size(); ++i) {
        const Side& side = sides[i];
        double cpu0 = CpuSeconds(side.pid);
        LoadResult r = side.client->Run(16, config.get_seconds / kRounds, 0, [&](int64_t n) {
          if (what == "GET") return HttpRequest{"GET", cm_path + "/get-target", ""};
          return HttpRequest{"POST", cm_path,
                             ConfigMapBody(std::string("side-") + side.tag + std::to_string(round) +
                                               "-" + std::to_string(n),
                                           config.object_bytes)};
        }, what == "GET" ? 200 : 201);
        cpu_seconds[i] += CpuSeconds(side.pid) - cpu0;
        LoadResult& total = results[i];
        total.ok += r.ok;
        total.errors += r.errors;
        total.seconds += r.seconds;
        total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
        total.error_samples.insert(total.error_samples.end(), r.error_samples.begin(), r.error_samples.end());
      }
    }
    std::vector<double> p50, cpu_us;
    for (size_t i = 0; i < sides.size(); ++i) {
      LoadResult& r = results[i];
      cpu_us.push_back(cpu_seconds[i] * 1e6 / static_cast<double>(std::max<int64_t>(1, r.ok)));
      p50.push_back(Percentile(r.latencies_ms, 0.5));
      std::printf("%-10s %-26s %10.0f %10.2f %10.2f %18.0f\n", what.c_str(), sides[i].label, r.rate(),
                  p50.back(), Percentile(r.latencies_ms, 0.99), cpu_us.back());
      PrintErrors(what.c_str(), r.error_samples, r.errors);
    }
    const double sign = second_minus_first ? 1 : -1;
    std::printf("  %s adds %.3f ms to a %s at p50 and %.0f us of server CPU\n", what_adds,
                sign * (p50[1] - p50[0]), what.c_str(), sign * (cpu_us[1] - cpu_us[0]));
  }
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  Config config = ParseArgs(argc, argv);
  // 1,000 watch streams need as many descriptors here and in the server (which inherits this).
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  test::EtcdProcess etcd;
  if (Status s = etcd.Start(); !s.ok()) Die("start etcd: " + s.ToString());
  storage::EtcdOptions etcd_options;
  etcd_options.endpoints = {etcd.endpoint()};
  auto raw = storage::OpenEtcdRawClient(etcd_options);
  if (!raw.ok()) Die("open raw etcd client: " + raw.status().ToString());
  WriteFn raw_put = RawEtcdWriter(**raw);

  test::TempDir dir("carrier-bench-api");
  std::string data_dir = dir.path() + "/data";
  mkdir(data_dir.c_str(), 0755);
  CarrierServer server(config.carrier, data_dir);
  Endpoint endpoint = server.WaitForKubeconfig();
  LoadClient client(endpoint, config.client_threads);
  Connection setup(client);
  server.WaitReady(setup);
  const pid_t pid = server.pid();

  std::printf("bench/api: carrier serve (pid %d, SQLite store in %s) at https://127.0.0.1:%u, "
              "etcd %s; %d client threads; %u cores\n",
              pid, data_dir.c_str(), endpoint.port, etcd.endpoint().c_str(),
              config.client_threads, std::thread::hardware_concurrency());

  for (const char* ns : {"bench-list", "bench-watch"}) {
    MustDo(setup, {"POST", "/api/v1/namespaces", NamespaceBody(ns)}, 201);
  }
  const std::string cm_path = "/api/v1/namespaces/default/configmaps";
  auto created = MustDo(setup, {"POST", cm_path, ConfigMapBody("get-target", config.object_bytes)}, 201);
  const size_t stored_bytes = created.body.size();

  // Durable creates vs raw etcd puts, interleaved so both see the same machine load.
  std::printf("\ndurable creates of %zu-byte ConfigMaps (stored object %zu bytes) vs raw etcd "
              "puts of %zu-byte values, %.1f s per cell\n",
              config.object_bytes, stored_bytes, stored_bytes, config.seconds);
  std::printf("%-12s %12s %10s %10s %16s %14s %16s\n", "concurrency", "creates/s", "p50 ms",
              "p99 ms", "server CPU ms/op", "etcd puts/s", "creates/etcd");
  std::fflush(stdout);
  double ratio64 = 0;
  for (int c : config.concurrency) {
    const std::string tag = "c" + std::to_string(c) + "-";
    double cpu0 = CpuSeconds(pid);
    LoadResult creates = client.Run(c, config.seconds, 0, [&](int64_t n) {
      return HttpRequest{"POST", cm_path, ConfigMapBody(tag + std::to_string(n), config.object_bytes)};
    }, 201);
    double cpu_ms = (CpuSeconds(pid) - cpu0) * 1000 / static_cast<double>(std::max<int64_t>(1, creates.ok));
    double puts = MeasureWrites(raw_put, "/bench-api/raw/c" + std::to_string(c) + "/", c,
                                config.seconds, stored_bytes);
    double ratio = creates.rate() / puts;
    if (c == 64) ratio64 = ratio;
    std::printf("%-12d %12.0f %10.2f %10.2f %16.3f %14.0f %15.2fx\n", c, creates.rate(),
                Percentile(creates.latencies_ms, 0.5), Percentile(creates.latencies_ms, 0.99),
                cpu_ms, puts, ratio);
    PrintErrors("creates", creates.error_samples, creates.errors);
    std::fflush(stdout);
  }
  if (ratio64 > 0) std::printf("creates / raw etcd puts at concurrency 64: %.2fx (goal >= 2x)\n", ratio64);

  // GETs of one ConfigMap and the server CPU they cost.
  {
    double cpu0 = CpuSeconds(pid), self0 = SelfCpuSeconds();
    LoadResult gets = client.Run(64, config.get_seconds, 0, [&](int64_t) {
      return HttpRequest{"GET", cm_path + "/get-target", ""};
    }, 200);
    double cpu = CpuSeconds(pid) - cpu0, self = SelfCpuSeconds() - self0;
    double per_core = cpu > 0 ? static_cast<double>(gets.ok) / cpu : 0;
    std::printf("\nGET of one ConfigMap, concurrency 64, %.1f s\n", gets.seconds);
    std::printf("  %.0f GETs/s (p50 %.2f ms, p99 %.2f ms); server CPU %.2f s = %.2f cores busy; "
                "load generator CPU %.2f s\n",
                gets.rate(), Percentile(gets.latencies_ms, 0.5), Percentile(gets.latencies_ms, 0.99),
                cpu, cpu / gets.seconds, self);
    std::printf("  %.0f GETs per server CPU-second (goal >= 50000 per core)\n", per_core);
    PrintErrors("GETs", gets.error_samples, gets.errors);
    std::fflush(stdout);
  }

  // What RBAC adds: the same GETs and creates, side by side, by system:admin (in
  // system:masters, which authorization lets through at once) and by a user that RBAC must
  // evaluate (allowed through a ClusterRoleBinding to cluster-admin). Admission runs for both.
  {
    auto kubeconfig = MustDo(setup, {"GET", "/carrier/v1/clusters/root/kubeconfig?user=bench-rbac", ""}, 200);
    MustDo(setup, {"POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                   R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",)"
                   R"("metadata":{"name":"bench-rbac"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",)"
                   R"("kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User",)"
                   R"("apiGroup":"rbac.authorization.k8s.io","name":"bench-rbac"}]})"},
           201);
    LoadClient rbac_client(server.EndpointOf(kubeconfig.body, "the bench-rbac kubeconfig"),
                           config.client_threads);
    std::printf("\nwhat RBAC adds (concurrency 16, %.1f s per cell; admission runs in both)\n",
                config.get_seconds);
    CompareSideBySide(config, cm_path, {{"system:admin (masters)", &client, pid, "m-"},
                                        {"bench-rbac (RBAC rules)", &rbac_client, pid, "r-"}},
                      "RBAC evaluation");
  }

  // What admission adds: the same GETs and creates by system:admin against this server and
  // against a second one started with every admission plugin that can be disabled turned off
  // (the RBAC escalation check stays; it only concerns RBAC objects).
  {
    std::string bare_dir = dir.path() + "/data-no-admission";
    mkdir(bare_dir.c_str(), 0755);
    CarrierServer bare(config.carrier, bare_dir,
                       {"--disable-admission-plugins",
                        "NamespaceLifecycle,LimitRanger,ServiceAccount,NodeRestriction,"
                        "MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota"});
    LoadClient bare_client(bare.WaitForKubeconfig(), config.client_threads);
    Connection bare_setup(bare_client);
    bare.WaitReady(bare_setup);
    MustDo(bare_setup, {"POST", cm_path, ConfigMapBody("get-target", config.object_bytes)}, 201);
    std::printf("\nwhat admission adds (concurrency 16, %.1f s per cell; system:admin on both)\n",
                config.get_seconds);
    CompareSideBySide(config, cm_path, {{"admission chain on", &client, pid, "a-"},
                                        {"admission plugins off", &bare_client, bare.pid(), "n-"}},
                      "admission", /*second_minus_first=*/false);
    bare.Stop();
  }

  // LIST of one namespace holding list_objects ConfigMaps.
  if (config.list_objects > 0) {
    const std::string list_path = "/api/v1/namespaces/bench-list/configmaps";
    LoadResult fill = client.Run(64, 0, config.list_objects, [&](int64_t n) {
      return HttpRequest{"POST", list_path, ConfigMapBody("l-" + std::to_string(n), config.object_bytes)};
    }, 201);
    PrintErrors("filling bench-list", fill.error_samples, fill.errors);
    HttpRequest list_request{"GET", list_path, ""};
    auto first = setup.Do(list_request);
    if (!first.ok() || first->status != 200) {
      // Report what the server did and go on with the other figures.
      std::printf("\nLIST of %d ConfigMaps (%lld created at %.0f/s): FAILED\n  !! %s\n",
                  config.list_objects, static_cast<long long>(fill.ok), fill.rate(),
                  first.ok() ? Describe(list_request, *first).c_str()
                             : first.status().ToString().c_str());
    } else {
      boost::json::value doc = boost::json::parse(first->body);
      size_t items = doc.at("items").as_array().size();
      double cpu0 = CpuSeconds(pid);
      LoadResult lists = client.Run(1, 0, config.list_runs, [&](int64_t) { return list_request; }, 200);
      double cpu = CpuSeconds(pid) - cpu0;
      std::printf("\nLIST of %zu ConfigMaps in one namespace (%.1f MB of JSON; %lld created at "
                  "%.0f/s), %d runs on one connection\n",
                  items, static_cast<double>(first->body.size()) / 1e6,
                  static_cast<long long>(fill.ok), fill.rate(), config.list_runs);
      std::printf("  best %.1f ms, median %.1f ms, worst %.1f ms; server CPU %.1f ms per list "
                  "(goal <= 20 ms)\n",
                  Percentile(lists.latencies_ms, 0), Percentile(lists.latencies_ms, 0.5),
                  Percentile(lists.latencies_ms, 1), cpu * 1000 / std::max<int64_t>(1, lists.ok));
      if (items != static_cast<size_t>(config.list_objects)) {
        std::printf("  !! the list has %zu items, %d were created\n", items, config.list_objects);
      }
      PrintErrors("LISTs", lists.error_samples, lists.errors);
    }
    std::fflush(stdout);
  }

  // Watch fan-out.
  if (config.watchers > 0 && config.watch_writes > 0) {
    const std::string watch_path = "/api/v1/namespaces/bench-watch/configmaps";
    auto list = MustDo(setup, {"GET", watch_path, ""}, 200);
    std::string rv(boost::json::parse(list.body).at("metadata").at("resourceVersion").as_string());
    double cpu0 = CpuSeconds(pid);
    FanOutResult fan = client.WatchFanOut(
        config.watchers, watch_path + "?watch=1&resourceVersion=" + rv, config.watch_writes,
        [&](int i) {
          return HttpRequest{"POST", watch_path, ConfigMapBody("w-" + std::to_string(i), config.object_bytes)};
        },
        "w-", 10.0);
    double cpu = CpuSeconds(pid) - cpu0;
    std::printf("\nwatch fan-out: %d of %d streams established in %.2f s, then %d writes one "
                "at a time\n",
                fan.established, config.watchers, fan.connect_seconds, config.watch_writes);
    std::printf("  delivered %lld of %lld events; write -> receipt p50 %.2f ms, p99 %.2f ms, "
                "max %.2f ms; server CPU %.2f s\n",
                static_cast<long long>(fan.delivered), static_cast<long long>(fan.expected),
                Percentile(fan.latencies_ms, 0.5), Percentile(fan.latencies_ms, 0.99),
                Percentile(fan.latencies_ms, 1), cpu);
    PrintErrors("watch", fan.error_samples, static_cast<int64_t>(fan.error_samples.size()));
    std::fflush(stdout);
  }

  std::printf("\nserver memory after the load: VmHWM %.1f MiB, VmRSS %.1f MiB\n",
              StatusMiB(pid, "VmHWM"), StatusMiB(pid, "VmRSS"));
  std::string exit = server.Stop();
  std::printf("carrier serve stopped: %s\n", exit.c_str());
  return exit == "exit 0" ? 0 : 1;
}

}  // namespace
}  // namespace carrier::bench::api

int main(int argc, char** argv) { return carrier::bench::api::Main(argc, argv); }
