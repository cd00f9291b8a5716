#pragma once
// A real etcd server (Debian's etcd-server, /usr/bin/etcd) for tests and benchmarks: one
// member listening on loopback ports it picks, with its data in a temporary directory.
// Start() waits until it answers /health (on a plain-http metrics port); Stop() and Start() again
// restart it on the same ports and data; Kill() is a crash (SIGKILL). The destructor kills it and
// removes the data.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "support/test_util.h"

namespace carrier::test {

class EtcdProcess {
 public:
  struct Options {
    // Room for the 1.5 MiB values the Store contract allows, plus protocol overhead.
    int64_t max_request_bytes = 4 << 20;
    // etcd's periodic per-watch progress notifications (0: etcd's default of 10 minutes).
    std::chrono::milliseconds progress_notify_interval{0};
    // Serve clients over TLS with a fresh CA, requiring client certificates.
    bool tls = false;
    std::vector<std::string> extra_args;
  };

  EtcdProcess();
  explicit EtcdProcess(Options options);
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  // Starts etcd and waits until it serves. The first start picks free ports (and picks
  // again if one was taken meanwhile); later starts reuse the ports and the data.
  Status Start();
  // Graceful stop (SIGTERM, then SIGKILL if it does not exit in time).
  Status Stop();
  // Crash: SIGKILL and reap.
  void Kill();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // -1 when not running
  std::string endpoint() const;  // "127.0.0.1:<client port>"
  // With Options::tls: the CA that signed the server certificate, and a client key pair.
  std::string ca_file() const { return dir_.path() + "/ca.pem"; }
  std::string client_cert_file() const { return dir_.path() + "/client.pem"; }
  std::string client_key_file() const { return dir_.path() + "/client.key"; }
  int client_port() const { return client_port_; }
  const std::string& data_dir() const { return data_dir_; }
  // The end of etcd's log, for failure messages.
  std::string LogTail(size_t bytes = 4000) const;

 private:
  Status MakeCertificates();
  Status SpawnAndWait();
  bool Healthy() const;
  void Reap(std::chrono::milliseconds grace);

  Options options_;
  TempDir dir_;
  std::string data_dir_;
  std::string log_path_;
  int client_port_ = 0;
  int peer_port_ = 0;
  int metrics_port_ = 0;  // plain-http /health, also when clients use TLS
  bool ports_fixed_ = false;
  pid_t pid_ = -1;
};

}  // namespace carrier::test
