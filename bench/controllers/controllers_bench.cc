// bench/controllers: the controllers of a real `carrier serve` (embedded SQLite store), each
// figure next to a peer measured in the same run on the same machine:
//   - scheduling throughput: N simulated Ready nodes (no kubelet: binding needs none), then M
//     pods created at concurrency C while a watch on all pods records when each one gets
//     spec.nodeName; pods created/s, pods bound/s, create -> bound p50/p99, the spread over
//     the nodes and the server's CPU per bound pod, against raw etcd puts/s (bench/store's
//     write_load) of values as large as a stored pod at the same concurrency: a binding costs
//     at least one durable write;
//   - idle cost: a second, fresh server with K logical clusters, each with its default
//     ServiceAccount (so every controller has run in every cluster), then the server's CPU
//     over an idle window and its RSS per cluster, against the CPU of the idle etcd (the one
//     the put peer wrote to) over the same window.

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <sstream>
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

namespace carrier::bench::controllers {
namespace {

using api::CarrierServer;
using api::Connection;
using api::CpuSeconds;
using api::Die;
using api::HttpRequest;
using api::LoadClient;
using api::LoadResult;
using api::MustDo;
using api::Percentile;
using api::StatusMiB;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

struct Config {
  std::string carrier;  // the carrier binary
  int nodes = 1000;
  int pods = 10000;
  int namespaces = 4;  // the pods are spread over bench-0 … bench-<n-1>
  int concurrency = 64;
  double bind_timeout = 600;  // seconds to wait for the last binding after the last create
  double etcd_seconds = 5;    // of the raw put peer
  int clusters = 1000;
  double settle_seconds = 5;
  double idle_seconds = 60;
  int client_threads = 2;
};

Config ParseArgs(int argc, char** argv) {
  Config c;
  bench::BenchFlags flags(
      "usage: controllers_bench --carrier BINARY [--nodes N] [--pods N]\n"
      "                         [--namespaces N] [--concurrency N] [--bind-timeout S]\n"
      "                         [--etcd-seconds S] [--clusters N] [--settle-seconds S]\n"
      "                         [--idle-seconds S] [--client-threads N]\n");
  flags.Add("--carrier", c.carrier)
      .Add("--nodes", c.nodes)
      .Add("--pods", c.pods)
      .Add("--namespaces", c.namespaces)
      .Add("--concurrency", c.concurrency)
      .Add("--bind-timeout", c.bind_timeout)
      .Add("--etcd-seconds", c.etcd_seconds)
      .Add("--clusters", c.clusters)
      .Add("--settle-seconds", c.settle_seconds)
      .Add("--idle-seconds", c.idle_seconds)
      .Add("--client-threads", c.client_threads);
  flags.Parse(argc, argv);
  flags.Require(!c.carrier.empty() && c.nodes > 0 && c.pods > 0 && c.namespaces > 0 &&
                c.concurrency > 0 && c.bind_timeout > 0 && c.etcd_seconds > 0 && c.clusters >= 0 &&
                c.settle_seconds >= 0 && c.idle_seconds > 0 && c.client_threads > 0);
  return c;
}

void PrintErrors(const char* what, const LoadResult& r) {
  if (r.errors == 0 && r.error_samples.empty()) return;
  std::printf("  !! %s: %lld errors; first ones:\n", what, static_cast<long long>(r.errors));
  for (const auto& s : r.error_samples) std::printf("     %s\n", s.c_str());
}

// Now as RFC 3339 in UTC, seconds precision.
std::string Rfc3339Now() {
  std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// A Node as a kubelet registers it: Ready, with allocatable room for the pods.
std::string NodeBody(int n) {
  const std::string name = "node-" + std::to_string(n);
  const std::string now = Rfc3339Now();
  const std::string resources = R"({"cpu":"8","memory":"32Gi","pods":"110"})";
  return R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
         R"(","labels":{"kubernetes.io/hostname":")" + name + R"("}},"status":{"capacity":)" +
         resources + R"(,"allocatable":)" + resources +
         R"(,"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady",)"
         R"("message":"kubelet is posting ready status","lastHeartbeatTime":")" + now +
         R"(","lastTransitionTime":")" + now + R"("}]}})";
}

std::string PodBody(int64_t n) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod-)" + std::to_string(n) +
         R"("},"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:3.9",)"
         R"("resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}})";
}

std::string PodsPath(int64_t n, int namespaces) {
  return "/api/v1/namespaces/bench-" + std::to_string(n % namespaces) + "/pods";
}

// What the watch on all pods saw: for pod-<i>, when it was first seen with spec.nodeName and
// on which node. Written by the stream's reader, read by the main thread.
struct Bindings {
  explicit Bindings(int pods) : bound_ns(pods), node(pods) {}
  std::vector<std::atomic<int64_t>> bound_ns;  // steady clock; 0 while unbound
  std::vector<std::string> node;               // read only after the stream stopped
  std::atomic<int> bound{0};
  std::atomic<int64_t> events{0};
  std::mutex mu;
  std::vector<std::string> odd;  // ERROR events and lines that did not parse, the first few

  void Note(std::string what) {
    std::lock_guard lock(mu);
    if (odd.size() < 5) odd.push_back(std::move(what));
  }

  void OnLine(std::string_view line) {
    const auto now = Clock::now().time_since_epoch().count();
    ++events;
    boost::system::error_code ec;
    json::value event = json::parse(line, ec);
    const json::object* e = event.if_object();
    const json::object* pod = e && e->contains("object") ? e->at("object").if_object() : nullptr;
    if (ec || pod == nullptr) return Note("unparsable watch line: " + std::string(line.substr(0, 300)));
    const json::string* type = e->contains("type") ? e->at("type").if_string() : nullptr;
    if (type && *type == "ERROR") return Note("watch ERROR event: " + std::string(line));
    const json::object* meta = pod->contains("metadata") ? pod->at("metadata").if_object() : nullptr;
    const json::object* spec = pod->contains("spec") ? pod->at("spec").if_object() : nullptr;
    const json::string* name = meta && meta->contains("name") ? meta->at("name").if_string() : nullptr;
    const json::string* node_name =
        spec && spec->contains("nodeName") ? spec->at("nodeName").if_string() : nullptr;
    if (!name || !node_name || node_name->empty() || !std::string_view(*name).starts_with("pod-")) return;
    const int64_t i = std::atoll(name->c_str() + 4);
    if (i < 0 || i >= static_cast<int64_t>(bound_ns.size())) return;
    int64_t unset = 0;
    if (bound_ns[i].compare_exchange_strong(unset, now)) {
      node[i] = std::string(*node_name);
      ++bound;
    }
  }
};

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

struct ThroughputFigures {
  double bind_per_s = 0;
  size_t stored_pod_bytes = 0;
};

// Part 1: nodes, then pods at `concurrency` while a watch records their bindings.
ThroughputFigures MeasureScheduling(const Config& config, CarrierServer& server, LoadClient& client,
                                    Connection& setup) {
  const pid_t pid = server.pid();
  for (int i = 0; i < config.namespaces; ++i) {
    MustDo(setup, {"POST", "/api/v1/namespaces",
                   R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench-)" +
                       std::to_string(i) + R"("}})"},
           201);
  }
  LoadResult nodes = client.Run(config.concurrency, 0, config.nodes, [&](int64_t n) {
    return HttpRequest{"POST", "/api/v1/nodes", NodeBody(static_cast<int>(n))};
  }, 201);
  std::printf("\n%lld nodes created at %.0f/s (concurrency %d)\n", static_cast<long long>(nodes.ok),
              nodes.rate(), config.concurrency);
  PrintErrors("node creates", nodes);
  if (nodes.ok != config.nodes) Die("not every node was created");

  auto list = MustDo(setup, {"GET", "/api/v1/pods?limit=1", ""}, 200);
  const std::string rv(json::parse(list.body).at("metadata").at("resourceVersion").as_string());
  Bindings bindings(config.pods);
  auto stream = api::LineStream::Open(client, "/api/v1/pods?watch=1&resourceVersion=" + rv,
                                      [&](std::string_view line) { bindings.OnLine(line); });
  if (!stream.ok()) Die("watch on pods: " + stream.status().ToString());

  std::vector<std::atomic<int64_t>> sent_ns(config.pods);
  const double cpu0 = CpuSeconds(pid);
  LoadResult creates = client.Run(config.concurrency, 0, config.pods, [&](int64_t n) {
    sent_ns[n] = Clock::now().time_since_epoch().count();
    return HttpRequest{"POST", PodsPath(n, config.namespaces), PodBody(n)};
  }, 201);
  std::printf("%lld pods created in %.2f s (concurrency %d, %d namespaces); waiting for their "
              "bindings (up to %.0f s)\n",
              static_cast<long long>(creates.ok), creates.seconds, config.concurrency,
              config.namespaces, config.bind_timeout);
  PrintErrors("pod creates", creates);
  std::fflush(stdout);

  // Wait for every created pod's binding, with a progress line every 30 s.
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(config.bind_timeout));
  auto next_report = Clock::now() + std::chrono::seconds(30);
  while (bindings.bound.load() < creates.ok && Clock::now() < deadline &&
         (*stream)->error().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Clock::now() >= next_report) {
      std::printf("  … %d of %lld bound, server CPU %.1f s so far\n", bindings.bound.load(),
                  static_cast<long long>(creates.ok), CpuSeconds(pid) - cpu0);
      std::fflush(stdout);
      next_report += std::chrono::seconds(30);
    }
  }
  const double cpu = CpuSeconds(pid) - cpu0;
  const std::string stream_error = (*stream)->error();
  (*stream)->Stop();

  int64_t first_sent = INT64_MAX, last_bound = 0;
  std::vector<double> latencies;
  std::map<std::string, int> per_node;
  for (int i = 0; i < config.pods; ++i) {
    const int64_t sent = sent_ns[i].load(), bound = bindings.bound_ns[i].load();
    if (sent > 0) first_sent = std::min(first_sent, sent);
    if (bound == 0) continue;
    last_bound = std::max(last_bound, bound);
    latencies.push_back(Ms(bound - sent));
    ++per_node[bindings.node[i]];
  }
  const int bound = bindings.bound.load();
  const double span_s = bound > 0 ? Ms(last_bound - first_sent) / 1000 : 0;
  int most = 0, least = INT32_MAX;
  for (const auto& [node, count] : per_node) {
    most = std::max(most, count);
    least = std::min(least, count);
  }
  ThroughputFigures out;
  out.bind_per_s = span_s > 0 ? bound / span_s : 0;
  std::printf("\nscheduling %d pods onto %d nodes\n", config.pods, config.nodes);
  std::printf("  pods created/s      %10.0f  (p50 %.2f ms, p99 %.2f ms per create)\n",
              creates.rate(), Percentile(creates.latencies_ms, 0.5),
              Percentile(creates.latencies_ms, 0.99));
  std::printf("  pods bound          %10d  of %lld created (%lld watch events)\n", bound,
              static_cast<long long>(creates.ok), static_cast<long long>(bindings.events.load()));
  std::printf("  pods bound/s        %10.0f  (%d bindings in %.2f s, first create to last binding)\n",
              out.bind_per_s, bound, span_s);
  std::printf("  create -> bound     p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              Percentile(latencies, 0.5), Percentile(latencies, 0.99), Percentile(latencies, 1));
  std::printf("  spread              %zu distinct nodes of %d; %d to %d pods per used node\n",
              per_node.size(), config.nodes, per_node.empty() ? 0 : least, most);
  std::printf("  server CPU          %.1f s = %.2f ms per bound pod\n", cpu,
              cpu * 1000 / std::max(1, bound));
  if (bound < creates.ok) {
    std::printf("  !! %lld pods were not bound within %.0f s of the last create\n",
                static_cast<long long>(creates.ok - bound), config.bind_timeout);
  }
  if (!stream_error.empty()) std::printf("  !! the watch ended: %s\n", stream_error.c_str());
  for (const auto& s : bindings.odd) std::printf("  !! %s\n", s.c_str());

  auto stored = MustDo(setup, {"GET", PodsPath(0, config.namespaces) + "/pod-0", ""}, 200);
  out.stored_pod_bytes = stored.body.size();
  std::fflush(stdout);
  return out;
}

// The number in a /proc/<pid>/status line ("Threads").
long StatusNumber(pid_t pid, const std::string& field) {
  std::istringstream in(api::ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

size_t LineCount(const std::string& path) {
  const std::string text = api::ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Part 2: `clusters` logical clusters on a fresh server, then its idle CPU and RSS.
void MeasureIdle(const Config& config, const std::string& data_dir, pid_t etcd_pid,
                 double etcd_keys) {
  CarrierServer server(config.carrier, data_dir);
  LoadClient client(server.WaitForKubeconfig(), config.client_threads);
  Connection setup(client);
  server.WaitReady(setup);
  const pid_t pid = server.pid();
  std::this_thread::sleep_for(std::chrono::duration<double>(config.settle_seconds));
  const double rss0 = StatusMiB(pid, "VmRSS");

  LoadResult created = client.Run(std::min(config.concurrency, 16), 0, config.clusters, [](int64_t n) {
    return HttpRequest{"POST", "/carrier/v1/clusters/bench-" + std::to_string(n), "{}"};
  }, 201);
  std::printf("\n%lld logical clusters created in %.2f s (%.0f/s)\n",
              static_cast<long long>(created.ok), created.seconds, created.rate());
  PrintErrors("cluster creates", created);

  // Every cluster's default ServiceAccount (made by the service-account controller once the
  // namespace controller's namespaces exist), checked one by one.
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(300);
  int with_account = 0;
  for (int n = 0; n < config.clusters; ++n) {
    const HttpRequest get{"GET", "/clusters/bench-" + std::to_string(n) +
                                     "/api/v1/namespaces/default/serviceaccounts/default", ""};
    bool found = test::WaitFor([&] {
      auto r = setup.Do(get);
      return r.ok() && r->status == 200;
    }, std::chrono::duration_cast<std::chrono::milliseconds>(
           std::max(Clock::duration::zero(), deadline - Clock::now())));
    if (!found) break;
    ++with_account;
  }
  std::printf("  %d of %d clusters have their default ServiceAccount (all found %.2f s after "
              "the last create)\n",
              with_account, config.clusters,
              std::chrono::duration<double>(Clock::now() - start).count());
  if (with_account < config.clusters) {
    std::printf("  !! cluster bench-%d has no default ServiceAccount after 300 s\n", with_account);
  }
  // A few clusters in full: their namespaces and the kube-root-ca.crt ConfigMap the same
  // controller writes.
  for (int n : {0, config.clusters / 2, config.clusters - 1}) {
    if (n < 0 || n >= with_account) continue;
    const std::string base = "/clusters/bench-" + std::to_string(n) + "/api/v1/namespaces";
    auto ns = MustDo(setup, {"GET", base, ""}, 200);
    MustDo(setup, {"GET", base + "/default/configmaps/kube-root-ca.crt", ""}, 200);
    std::printf("  bench-%d: %zu namespaces, default ServiceAccount and kube-root-ca.crt present\n",
                n, json::parse(ns.body).at("items").as_array().size());
  }
  std::fflush(stdout);

  std::this_thread::sleep_for(std::chrono::duration<double>(config.settle_seconds));
  const size_t log_lines0 = LineCount(server.log());
  const double cpu0 = CpuSeconds(pid), etcd0 = CpuSeconds(etcd_pid);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(config.idle_seconds));
  const double window = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds(pid) - cpu0, etcd_cpu = CpuSeconds(etcd_pid) - etcd0;
  const double rss = StatusMiB(pid, "VmRSS");
  const size_t log_lines = LineCount(server.log()) - log_lines0;

  std::printf("\nidle cost of %d logical clusters, all controllers running, over %.1f s "
              "(after %.0f s settling)\n",
              config.clusters, window, config.settle_seconds);
  std::printf("  server CPU          %.2f s = %.3f%% of one core (goal < 1%%); %ld threads\n",
              cpu, cpu / window * 100, StatusNumber(pid, "Threads"));
  std::printf("  idle etcd CPU       %.2f s = %.3f%% of one core (the etcd of the put peer, "
              "holding ~%.0f keys); carrier / etcd %.2fx\n",
              etcd_cpu, etcd_cpu / window * 100, etcd_keys, etcd_cpu > 0 ? cpu / etcd_cpu : 0.0);
  std::printf("  server RSS          %.1f MiB (%.1f MiB before the clusters) = %.1f KiB per "
              "cluster\n",
              rss, rss0, config.clusters > 0 ? (rss - rss0) * 1024 / config.clusters : 0.0);
  std::printf("  server log          %zu lines during the window\n", log_lines);
  std::string exit = server.Stop();
  std::printf("second carrier serve stopped: %s\n", exit.c_str());
  if (exit != "exit 0") Die("the second carrier serve exited with " + exit);
}

int Main(int argc, char** argv) {
  Config config = ParseArgs(argc, argv);
  // Many connections and the server's own descriptors (the server inherits the limit).
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

  test::TempDir dir("carrier-bench-controllers");
  std::string data_dir = dir.path() + "/data";
  mkdir(data_dir.c_str(), 0755);
  // The simulated nodes never renew a Lease or their status (a kubelet does every 10 s): a
  // long grace period keeps the node lifecycle controller from marking them NotReady
  // (tainting them and evicting their pods) during the run.
  CarrierServer server(config.carrier, data_dir, {"--node-monitor-grace-period", "1h"});
  LoadClient client(server.WaitForKubeconfig(), config.client_threads);
  Connection setup(client);
  server.WaitReady(setup);
  std::printf("bench/controllers: carrier serve (pid %d, SQLite store in %s), etcd %s (pid %d); "
              "%d client threads; %u cores\n",
              server.pid(), data_dir.c_str(), etcd.endpoint().c_str(), etcd.pid(),
              config.client_threads, std::thread::hardware_concurrency());
  std::fflush(stdout);

  ThroughputFigures figures = MeasureScheduling(config, server, client, setup);
  const double puts = MeasureWrites(RawEtcdWriter(**raw), "/bench-controllers/raw/",
                                    config.concurrency, config.etcd_seconds,
                                    figures.stored_pod_bytes);
  std::printf("  raw etcd puts/s     %10.0f  (concurrency %d, %zu-byte values: a stored bound pod)\n",
              puts, config.concurrency, figures.stored_pod_bytes);
  std::printf("  bindings/s ÷ raw etcd puts/s: %.4fx\n", puts > 0 ? figures.bind_per_s / puts : 0);
  std::printf("  server memory       VmHWM %.1f MiB, VmRSS %.1f MiB\n",
              StatusMiB(server.pid(), "VmHWM"), StatusMiB(server.pid(), "VmRSS"));
  // SIGTERM lets the controllers finish their queue first, so this can take a while.
  const auto stop_start = Clock::now();
  std::string exit = server.Stop();
  std::printf("carrier serve stopped: %s, %.1f s after SIGTERM\n", exit.c_str(),
              std::chrono::duration<double>(Clock::now() - stop_start).count());
  std::fflush(stdout);

  if (config.clusters > 0) {
    std::string idle_dir = dir.path() + "/data-clusters";
    mkdir(idle_dir.c_str(), 0755);
    MeasureIdle(config, idle_dir, etcd.pid(), puts * config.etcd_seconds);
  }
  return exit == "exit 0" ? 0 : 1;
}

}  // namespace
}  // namespace carrier::bench::controllers

int main(int argc, char** argv) { return carrier::bench::controllers::Main(argc, argv); }
