// bench/hosted: the density of hosted control planes in one real `carrier serve` (embedded
// SQLite store). For each size N (100, 1,000, 10,000 by default), on a fresh server:
//   - N HostedClusters (platform None) created through the API at concurrency C while one
//     watch records when each is first seen Available=True: create -> Available p50/p99 and
//     HostedClusters Available per second;
//   - the server left idle: its CPU over the window and (RSS with N − RSS before) ÷ N;
//   - a random sample of the clusters answers GET /api/v1/namespaces with its own admin
//     kubeconfig (the <name>-admin-kubeconfig Secret);
//   - the peer, on a second fresh server: N bare logical clusters through
//     POST /carrier/v1/clusters/<name> at the same concurrency (the unit every hosted cluster
//     is built on), their rate and RSS per cluster, and the ratios;
//   - HyperShift's published sizing (78 pods, 5 vCPU, 18 GiB requested per highly available
//     control plane) against this machine's memory and cores, beside Carrier's count.

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_flags.h"
#include "availability.h"
#include "carrier_server.h"
#include "kubeconfig_check.h"
#include "load_client.h"
#include "support/test_util.h"

namespace carrier::bench::hosted {
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

constexpr const char* kNamespace = "clusters";
constexpr const char* kReleaseImage = "quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64";
constexpr const char* kBaseDomain = "example.com";
// HyperShift's published requests per highly available hosted control plane.
constexpr int kHyperShiftPods = 78;
constexpr double kHyperShiftVcpu = 5;
constexpr double kHyperShiftGiB = 18;

struct Config {
  std::string carrier;  // the carrier binary
  std::vector<int> sizes = {100, 1000, 10000};
  int concurrency = 16;
  double timeout = 1800;  // seconds from the first create to the last Available, per size
  double settle_seconds = 5;
  double idle_seconds = 60;
  int sample = 20;
  int client_threads = 2;
  unsigned seed = 1;
};

Config ParseArgs(int argc, char** argv) {
  Config c;
  bench::BenchFlags flags(
      "usage: hosted_bench --carrier BINARY [--sizes N,N,...] [--clusters N]\n"
      "                    [--concurrency N] [--timeout S] [--settle-seconds S]\n"
      "                    [--idle-seconds S] [--sample N] [--client-threads N]\n"
      "                    [--seed N]\n");
  flags.Add("--carrier", c.carrier)
      .Add("--sizes", c.sizes)
      .Add("--clusters",
           [&c](const std::string& v) {
             c.sizes = bench::ParseIntList(v);
             return c.sizes.size() == 1;
           })
      .Add("--concurrency", c.concurrency)
      .Add("--timeout", c.timeout)
      .Add("--settle-seconds", c.settle_seconds)
      .Add("--idle-seconds", c.idle_seconds)
      .Add("--sample", c.sample)
      .Add("--client-threads", c.client_threads)
      .Add("--seed", c.seed);
  flags.Parse(argc, argv);
  const bool sizes_ok = !c.sizes.empty() &&
                        std::all_of(c.sizes.begin(), c.sizes.end(), [](int n) { return n > 0; });
  flags.Require(!c.carrier.empty() && sizes_ok && c.concurrency > 0 && c.timeout > 0 &&
                c.settle_seconds >= 0 && c.idle_seconds > 0 && c.sample >= 0 && c.client_threads > 0);
  return c;
}

std::string ClusterName(int64_t n) { return "hc-" + std::to_string(n); }

// A HostedCluster for platform None as the OpenShift documents write one; the API server is
// published by Route (SNI on the shared listener, hostname api.<name>.<baseDomain>).
std::string HostedClusterBody(int64_t n) {
  const std::string name = ClusterName(n);
  const std::string route = R"({"type":"Route"})";
  return R"({"apiVersion":"hypershift.openshift.io/v1beta1","kind":"HostedCluster",)"
         R"("metadata":{"name":")" + name + R"(","namespace":")" + kNamespace + R"("},)"
         R"("spec":{"release":{"image":")" + kReleaseImage + R"("},)"
         R"("pullSecret":{"name":"pull-secret"},)"
         R"("networking":{"clusterNetwork":[{"cidr":"10.132.0.0/14"}],)"
         R"("serviceNetwork":[{"cidr":"172.31.0.0/16"}],"networkType":"OVNKubernetes"},)"
         R"("platform":{"type":"None"},"dns":{"baseDomain":")" + kBaseDomain + R"("},)"
         R"("services":[{"service":"APIServer","servicePublishingStrategy":{"type":"Route",)"
         R"("route":{"hostname":"api.)" + name + "." + kBaseDomain + R"("}}},)"
         R"({"service":"OAuthServer","servicePublishingStrategy":)" + route + "},"
         R"({"service":"Konnectivity","servicePublishingStrategy":)" + route + "},"
         R"({"service":"Ignition","servicePublishingStrategy":)" + route + "}],"
         R"("etcd":{"managementType":"Managed","managed":{"storage":{"type":"PersistentVolume",)"
         R"("persistentVolume":{"size":"8Gi"}}}},)"
         R"("controllerAvailabilityPolicy":"SingleReplica",)"
         R"("infrastructureAvailabilityPolicy":"SingleReplica",)"
         R"("infraID":")" + name + R"(","olmCatalogPlacement":"management"}})";
}

void PrintErrors(const char* what, const LoadResult& r) {
  if (r.errors == 0 && r.error_samples.empty()) return;
  std::printf("  !! %s: %lld errors; first ones:\n", what, static_cast<long long>(r.errors));
  for (const auto& s : r.error_samples) std::printf("     %s\n", s.c_str());
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void SleepSeconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// MemTotal of /proc/meminfo in GiB.
double MachineGiB() {
  std::istringstream in(api::ReadFile("/proc/meminfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) == 0) return std::atof(line.c_str() + 9) / (1024.0 * 1024.0);
  }
  return 0;
}

size_t LineCount(const std::string& path) {
  const std::string text = api::ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits (up to 300 s in all) until each logical cluster of `clusters` has its default
// ServiceAccount, made by the service-account controller once the namespace controller's
// namespaces exist: then every controller has run in every cluster and memory is measured in
// the same state for the hosted clusters and the peer. Returns how many have it.
int WaitForDefaultServiceAccounts(Connection& conn, const std::vector<std::string>& clusters) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(300);
  int found = 0;
  for (const std::string& cluster : clusters) {
    const HttpRequest get{"GET", "/clusters/" + cluster +
                                     "/api/v1/namespaces/default/serviceaccounts/default", ""};
    const bool there = test::WaitFor([&] {
      auto r = conn.Do(get);
      return r.ok() && r->status == 200;
    }, std::chrono::duration_cast<std::chrono::milliseconds>(
           std::max(Clock::duration::zero(), deadline - Clock::now())));
    if (!there) {
      std::printf("  !! logical cluster %s has no default ServiceAccount after 300 s\n", cluster.c_str());
      break;
    }
    ++found;
  }
  std::printf("  default ServiceAccounts   %d of %zu clusters (checked in %.1f s)\n", found,
              clusters.size(), Seconds(Clock::now() - start));
  std::fflush(stdout);
  return found;
}

// Prints a progress line every 30 s until stopped.
class Progress {
 public:
  explicit Progress(std::function<void(double elapsed_s)> report)
      : report_(std::move(report)), start_(Clock::now()), thread_([this] { Loop(); }) {}
  ~Progress() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (auto next = start_ + std::chrono::seconds(30);; next += std::chrono::seconds(30)) {
      if (changed_.wait_until(lock, next, [&] { return stop_; })) return;
      report_(Seconds(Clock::now() - start_));
      std::fflush(stdout);
    }
  }

  std::function<void(double)> report_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool stop_ = false;
  std::thread thread_;
};

// The watch on the HostedClusters, reopened from the last resourceVersion seen when the
// server ends it.
class AvailabilityWatch {
 public:
  AvailabilityWatch(LoadClient& client, Availability& availability, const std::string& rv)
      : client_(client), availability_(availability) {
    Open(rv);
  }
  // Reopens the stream if it ended; call from the waiting thread.
  void Check() {
    const std::string error = stream_->error();
    if (error.empty()) return;
    std::printf("  !! the watch ended (%s); reopening it\n", error.c_str());
    stream_->Stop();
    Open(availability_.last_resource_version());
  }
  void Stop() { stream_->Stop(); }

 private:
  void Open(const std::string& rv) {
    auto stream = api::LineStream::Open(
        client_,
        std::string("/apis/hypershift.openshift.io/v1beta1/namespaces/") + kNamespace +
            "/hostedclusters?watch=1&resourceVersion=" + rv,
        [this](std::string_view line) { availability_.OnLine(line); });
    if (!stream.ok()) Die("watch on hostedclusters: " + stream.status().ToString());
    stream_ = std::move(*stream);
  }

  LoadClient& client_;
  Availability& availability_;
  std::unique_ptr<api::LineStream> stream_;
};

struct Figures {
  int size = 0;
  int64_t created = 0;
  int available = 0;
  double creates_per_s = 0;    // POSTs answered 201 ÷ the time they took
  double available_per_s = 0;  // Available ÷ (last Available − first POST sent)
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // create -> Available
  double create_cpu_s = 0;     // the server's, first create to last Available
  double idle_cpu_percent = 0;
  double rss0_mib = 0, rss_mib = 0;
  double kib_per_cluster = 0;
  std::vector<int> available_clusters;  // n of each hc-<n> seen Available
  int sampled = 0, sample_ok = 0;
  // The peer: bare logical clusters on a fresh server.
  double peer_per_s = 0, peer_p50_ms = 0, peer_kib_per_cluster = 0;
  bool failed = false;
  bool timed_out = false;
};

// The server's pull secret and namespace the HostedClusters refer to.
void CreateNamespaceAndPullSecret(Connection& setup) {
  MustDo(setup, {"POST", "/api/v1/namespaces",
                 std::string(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")") +
                     kNamespace + R"("}})"},
         201);
  MustDo(setup, {"POST", std::string("/api/v1/namespaces/") + kNamespace + "/secrets",
                 R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"pull-secret"},)"
                 R"("type":"kubernetes.io/dockerconfigjson",)"
                 R"("data":{".dockerconfigjson":"eyJhdXRocyI6eyJxdWF5LmlvIjp7ImF1dGgiOiJkWE5sY2pwd1lYTnoifX19"}})"},
         201);
}

// Creates the HostedClusters and waits for them to be Available; fills the creation figures.
void MeasureCreation(const Config& config, CarrierServer& server, LoadClient& client,
                     Connection& setup, Figures& f) {
  const int n = f.size;
  const pid_t pid = server.pid();
  CreateNamespaceAndPullSecret(setup);
  auto list = MustDo(setup, {"GET", std::string("/apis/hypershift.openshift.io/v1beta1/namespaces/") +
                                        kNamespace + "/hostedclusters?limit=1", ""},
                     200);
  const std::string rv(
      boost::json::parse(list.body).at("metadata").at("resourceVersion").as_string());
  Availability availability(n);
  AvailabilityWatch watch(client, availability, rv);

  std::vector<std::atomic<int64_t>> sent_ns(n);
  std::atomic<int64_t> sent{0};
  const double cpu0 = CpuSeconds(pid);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(config.timeout));
  LoadResult creates;
  {
    Progress progress([&](double elapsed) {
      std::printf("  … %.0f s: %lld sent, %d Available; server CPU %.1f s, RSS %.1f MiB\n",
                  elapsed, static_cast<long long>(sent.load()), availability.available(),
                  CpuSeconds(pid) - cpu0, StatusMiB(pid, "VmRSS"));
    });
    creates = client.Run(config.concurrency, config.timeout, n, [&](int64_t i) {
      sent_ns[i] = Clock::now().time_since_epoch().count();
      ++sent;
      return HttpRequest{"POST", std::string("/apis/hypershift.openshift.io/v1beta1/namespaces/") +
                                     kNamespace + "/hostedclusters",
                         HostedClusterBody(i)};
    }, 201);
    std::printf("  %lld HostedClusters created in %.2f s (%.0f/s, concurrency %d); waiting for "
                "Available (until %.0f s after the first create)\n",
                static_cast<long long>(creates.ok), creates.seconds, creates.rate(),
                config.concurrency, config.timeout);
    PrintErrors("HostedCluster creates", creates);
    std::fflush(stdout);
    while (availability.available() < creates.ok && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      watch.Check();
    }
  }
  f.create_cpu_s = CpuSeconds(pid) - cpu0;
  watch.Stop();
  f.created = creates.ok;
  f.available = availability.available();
  f.creates_per_s = creates.rate();
  f.timed_out = f.available < n;
  if (creates.errors > 0 || f.timed_out) f.failed = true;

  int64_t first_sent = INT64_MAX, last_available = 0;
  std::vector<double> latencies;
  for (int i = 0; i < n; ++i) {
    const int64_t s = sent_ns[i].load(), a = availability.AvailableAt(i);
    if (s > 0) first_sent = std::min(first_sent, s);
    if (a == 0 || s == 0) continue;
    f.available_clusters.push_back(i);
    last_available = std::max(last_available, a);
    latencies.push_back(Ms(a - s));
  }
  const double span_s = latencies.empty() ? 0 : Ms(last_available - first_sent) / 1000;
  f.available_per_s = span_s > 0 ? static_cast<double>(latencies.size()) / span_s : 0;
  f.p50_ms = Percentile(latencies, 0.5);
  f.p99_ms = Percentile(latencies, 0.99);
  f.max_ms = Percentile(latencies, 1);

  std::printf("  HostedClusters Available  %d of %d (%lld watch events)\n", f.available, n,
              static_cast<long long>(availability.events()));
  std::printf("  create -> Available       p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p50 <= 100 ms)\n",
              f.p50_ms, f.p99_ms, f.max_ms);
  std::printf("  Available/s               %.1f (first create to last Available, %.2f s; goal >= 100/s)\n",
              f.available_per_s, span_s);
  std::printf("  server CPU                %.1f s = %.1f ms per Available HostedCluster\n",
              f.create_cpu_s, f.create_cpu_s * 1000 / std::max(1, f.available));
  if (f.timed_out) {
    std::printf("  !! %d of %d HostedClusters were not Available within %.0f s\n", n - f.available,
                n, config.timeout);
  }
  for (const auto& s : availability.oddities()) std::printf("  !! %s\n", s.c_str());
  std::fflush(stdout);
}

// The server idle with the clusters: CPU over the window and RSS per cluster.
void MeasureIdle(const Config& config, CarrierServer& server, Figures& f) {
  const pid_t pid = server.pid();
  SleepSeconds(config.settle_seconds);
  const size_t log0 = LineCount(server.log());
  const double cpu0 = CpuSeconds(pid);
  const auto t0 = Clock::now();
  SleepSeconds(config.idle_seconds);
  const double window = Seconds(Clock::now() - t0);
  const double cpu = CpuSeconds(pid) - cpu0;
  f.idle_cpu_percent = cpu / window * 100;
  f.rss_mib = StatusMiB(pid, "VmRSS");
  const int held = std::max(1, f.available);
  f.kib_per_cluster = (f.rss_mib - f.rss0_mib) * 1024 / held;
  std::printf("  idle over %.1f s (after %.0f s settling): server CPU %.2f s = %.3f%% of one core; "
              "%zu log lines\n",
              window, config.settle_seconds, cpu, f.idle_cpu_percent, LineCount(server.log()) - log0);
  std::printf("  server RSS                %.1f MiB (%.1f MiB before the clusters) = %.1f KiB per "
              "hosted cluster (goal <= 1024 KiB)\n",
              f.rss_mib, f.rss0_mib, f.kib_per_cluster);
  std::fflush(stdout);
}

// A random sample of the Available clusters, each checked with its own admin kubeconfig.
void CheckSample(const Config& config, Connection& setup, Figures& f, std::mt19937& random) {
  std::vector<int> candidates = f.available_clusters;
  std::shuffle(candidates.begin(), candidates.end(), random);
  candidates.resize(std::min<size_t>(candidates.size(), static_cast<size_t>(config.sample)));
  std::string shown;
  for (int i : candidates) {
    KubeconfigCheck check = CheckAdminKubeconfig(setup, kNamespace, ClusterName(i));
    ++f.sampled;
    if (check.ok) {
      ++f.sample_ok;
      if (shown.empty()) {
        shown = ClusterName(i) + ": server " + check.server +
                (check.tls_server_name.empty() ? "" : ", tls-server-name " + check.tls_server_name) +
                ", " + std::to_string(check.namespaces) + " namespaces";
      }
    } else {
      std::printf("  !! %s: %s\n", ClusterName(i).c_str(), check.error.c_str());
    }
  }
  std::printf("  own kubeconfig            %d of %d sampled clusters answer GET /api/v1/namespaces "
              "(e.g. %s)\n",
              f.sample_ok, f.sampled, shown.empty() ? "none" : shown.c_str());
  if (f.sample_ok < f.sampled) f.failed = true;
  std::fflush(stdout);
}

// The peer: N bare logical clusters on a fresh server, at the same concurrency.
void MeasurePeer(const Config& config, const std::string& data_dir, Figures& f) {
  CarrierServer server(config.carrier, data_dir);
  LoadClient client(server.WaitForKubeconfig(), config.client_threads);
  Connection setup(client);
  server.WaitReady(setup);
  SleepSeconds(config.settle_seconds);
  const double rss0 = StatusMiB(server.pid(), "VmRSS");
  LoadResult created = client.Run(config.concurrency, config.timeout, f.size, [](int64_t i) {
    return HttpRequest{"POST", "/carrier/v1/clusters/peer-" + std::to_string(i), "{}"};
  }, 201);
  PrintErrors("logical cluster creates", created);
  if (created.ok < f.size) f.failed = true;
  std::vector<std::string> peers;
  for (int i = 0; i < f.size; ++i) peers.push_back("peer-" + std::to_string(i));
  if (WaitForDefaultServiceAccounts(setup, peers) < f.size) f.failed = true;
  SleepSeconds(config.settle_seconds);
  const double rss = StatusMiB(server.pid(), "VmRSS");
  f.peer_per_s = created.rate();
  f.peer_p50_ms = Percentile(created.latencies_ms, 0.5);
  f.peer_kib_per_cluster = (rss - rss0) * 1024 / std::max<int64_t>(1, created.ok);
  std::printf("  peer: %lld bare logical clusters (POST /carrier/v1/clusters/<name>, fresh server) "
              "in %.2f s = %.1f/s, p50 %.1f ms, p99 %.1f ms per create; RSS %.1f MiB (%.1f before) "
              "= %.1f KiB per cluster\n",
              static_cast<long long>(created.ok), created.seconds, f.peer_per_s, f.peer_p50_ms,
              Percentile(created.latencies_ms, 0.99), rss, rss0, f.peer_kib_per_cluster);
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  std::printf("  HostedCluster Available/s ÷ logical clusters/s   %.3fx\n",
              ratio(f.available_per_s, f.peer_per_s));
  std::printf("  create -> Available p50 ÷ logical create p50     %.1fx\n",
              ratio(f.p50_ms, f.peer_p50_ms));
  std::printf("  RSS per hosted cluster ÷ per logical cluster      %.2fx\n",
              ratio(f.kib_per_cluster, f.peer_kib_per_cluster));
  const std::string exit = server.Stop();
  if (exit != "exit 0") {
    std::printf("  !! the peer's carrier serve exited with %s\n", exit.c_str());
    f.failed = true;
  }
  std::fflush(stdout);
}

// HyperShift's published sizing against this machine, beside what Carrier measured.
void PrintHyperShiftComparison(const Figures& f) {
  const double gib = MachineGiB();
  const unsigned cores = std::thread::hardware_concurrency();
  const int by_memory = static_cast<int>(gib / kHyperShiftGiB);
  const int by_cpu = static_cast<int>(cores / kHyperShiftVcpu);
  const double per_cluster_gib = f.kib_per_cluster / (1024.0 * 1024.0);
  const double carrier_fit =
      per_cluster_gib > 0 ? (gib - f.rss0_mib / 1024) / per_cluster_gib : 0;
  std::printf("  HyperShift (published: %d pods, %.0f vCPU, %.0f GiB requested per HA control "
              "plane): %d fit this machine's %.1f GiB, %d its %u cores\n",
              kHyperShiftPods, kHyperShiftVcpu, kHyperShiftGiB, by_memory, gib, by_cpu, cores);
  std::printf("  Carrier: %d Available here; at %.1f KiB each ~%.0f would fit %.1f GiB",
              f.available, f.kib_per_cluster, carrier_fit, gib);
  if (by_memory > 0) std::printf(" (%.0fx HyperShift's count by memory)", carrier_fit / by_memory);
  std::printf("\n");
  std::fflush(stdout);
}

Figures RunSize(const Config& config, int size, const std::string& dir, std::mt19937& random) {
  Figures f;
  f.size = size;
  const std::string data_dir = dir + "/hosted-" + std::to_string(size);
  mkdir(data_dir.c_str(), 0755);
  {
    CarrierServer server(config.carrier, data_dir);
    LoadClient client(server.WaitForKubeconfig(), config.client_threads);
    Connection setup(client);
    server.WaitReady(setup);
    std::printf("\n%d HostedClusters: carrier serve pid %d, SQLite store in %s\n", size,
                server.pid(), data_dir.c_str());
    SleepSeconds(config.settle_seconds);
    f.rss0_mib = StatusMiB(server.pid(), "VmRSS");
    std::fflush(stdout);
    const auto wall = Clock::now();
    MeasureCreation(config, server, client, setup, f);
    std::vector<std::string> hosted;
    for (int i : f.available_clusters) hosted.push_back("clusters-" + ClusterName(i));
    if (WaitForDefaultServiceAccounts(setup, hosted) < static_cast<int>(hosted.size())) f.failed = true;
    MeasureIdle(config, server, f);
    CheckSample(config, setup, f, random);
    const std::string exit = server.Stop();
    std::printf("  carrier serve stopped: %s (%.0f s for this size so far)\n", exit.c_str(),
                Seconds(Clock::now() - wall));
    if (exit != "exit 0") f.failed = true;
  }
  const std::string peer_dir = dir + "/peer-" + std::to_string(size);
  mkdir(peer_dir.c_str(), 0755);
  MeasurePeer(config, peer_dir, f);
  PrintHyperShiftComparison(f);
  return f;
}

void PrintSummary(const std::vector<Figures>& all) {
  std::printf("\nsummary (goals: p50 <= 100 ms, >= 100/s, <= 1024 KiB per idle hosted cluster)\n");
  std::printf("  %8s %10s %10s %10s %12s %10s %11s %9s %10s %12s\n", "clusters", "Available",
              "p50 ms", "p99 ms", "Available/s", "peer/s", "idle CPU %", "KiB each",
              "peer KiB", "kubeconfigs");
  for (const Figures& f : all) {
    std::printf("  %8d %10d %10.1f %10.1f %12.1f %10.1f %11.3f %9.1f %10.1f %9d/%d\n", f.size,
                f.available, f.p50_ms, f.p99_ms, f.available_per_s, f.peer_per_s,
                f.idle_cpu_percent, f.kib_per_cluster, f.peer_kib_per_cluster, f.sample_ok,
                f.sampled);
  }
  // The goal of 10,000 in 24 GiB, from the last (largest) size run.
  const Figures& last = all.back();
  std::printf("  10,000 hosted clusters at %.1f KiB each (measured with %d): ~%.1f GiB of RSS "
              "(goal: within 24 GiB)\n",
              last.kib_per_cluster, last.size,
              (last.rss0_mib + last.kib_per_cluster * 10000 / 1024) / 1024);
}

int Main(int argc, char** argv) {
  Config config = ParseArgs(argc, argv);
  // Many connections and the server's own descriptors (the server inherits the limit).
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);

  test::TempDir dir("carrier-bench-hosted");
  std::mt19937 random(config.seed);
  std::printf("bench/hosted: %s; concurrency %d, %d client threads, %u cores, %.1f GiB; "
              "idle window %.0f s, sample %d\n",
              config.carrier.c_str(), config.concurrency, config.client_threads,
              std::thread::hardware_concurrency(), MachineGiB(), config.idle_seconds,
              config.sample);
  std::fflush(stdout);
  std::vector<Figures> all;
  bool failed = false;
  for (int size : config.sizes) {
    all.push_back(RunSize(config, size, dir.path(), random));
    failed = failed || all.back().failed;
    if (all.back().timed_out) {
      std::printf("  !! stopping: %d HostedClusters did not all become Available in time; "
                  "larger sizes are not run\n", size);
      break;
    }
  }
  PrintSummary(all);
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace carrier::bench::hosted

int main(int argc, char** argv) { return carrier::bench::hosted::Main(argc, argv); }
