#pragma once
// What the benchmarks that drive a real `carrier serve` share (bench/api, bench/controllers):
// the server as a child process on a free loopback port with a fresh data dir, the admin
// kubeconfig's credentials, a process's CPU time and memory from /proc, and small helpers.

#include <sys/types.h>

#include <string>
#include <vector>

#include "load_client.h"

namespace carrier::bench::api {

// Prints "<program>: <what>" to stderr, stops every running CarrierServer and exits 1
// (std::exit runs no destructors of locals).
[[noreturn]] void Die(const std::string& what);

std::string ReadFile(const std::string& path);

// utime + stime of `pid` in seconds, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid);
// This process's own CPU seconds (user + system).
double SelfCpuSeconds();
// A /proc/<pid>/status field in MiB ("VmHWM", "VmRSS").
double StatusMiB(pid_t pid, const std::string& field);

// The p-quantile (0 … 1) of `v`; 0 when empty.
double Percentile(std::vector<double> v, double p);

// One request that must get `expect`; Die()s (with request and answer) otherwise.
HttpResult MustDo(Connection& conn, const HttpRequest& request, int expect);

// `carrier serve` on a free loopback port with a fresh data dir (its output in
// <data_dir>.serve.log); SIGTERM on destruction.
class CarrierServer {
 public:
  CarrierServer(const std::string& binary, const std::string& data_dir,
                std::vector<std::string> extra_args = {});
  ~CarrierServer();
  CarrierServer(const CarrierServer&) = delete;
  CarrierServer& operator=(const CarrierServer&) = delete;

  // The admin kubeconfig's credentials, once the server wrote it.
  Endpoint WaitForKubeconfig();
  // The CA and client credentials of a kubeconfig's text, for this server's port.
  Endpoint EndpointOf(const std::string& kubeconfig, const std::string& what) const;
  // Waits (up to 60 s) until GET /readyz answers 200 on `conn`; Die()s otherwise.
  void WaitReady(Connection& conn);

  bool Exited();
  // SIGTERM, then the exit status as text ("exit 0", "signal 11", ...).
  std::string Stop();

  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }

 private:
  std::string data_dir_;
  std::string log_;
  int port_ = 0;
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

}  // namespace carrier::bench::api
