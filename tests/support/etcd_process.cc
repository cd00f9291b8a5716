#include "support/etcd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace carrier::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);

std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

std::string EtcdBinary() {
  if (const char* env = std::getenv("CARRIER_ETCD")) return env;
  return "/usr/bin/etcd";
}

}  // namespace

EtcdProcess::EtcdProcess() : EtcdProcess(Options{}) {}

EtcdProcess::EtcdProcess(Options options)
    : options_(std::move(options)),
      dir_("carrier-etcd"),
      data_dir_(dir_.path() + "/data"),
      log_path_(dir_.path() + "/etcd.log") {}

EtcdProcess::~EtcdProcess() { Kill(); }

std::string EtcdProcess::endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }

Status EtcdProcess::Start() {
  if (running()) return Status::Ok();
  if (ports_fixed_) return SpawnAndWait();
  if (options_.tls) CARRIER_RETURN_IF_ERROR(MakeCertificates());
  Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    client_port_ = FreePort();
    peer_port_ = FreePort();
    metrics_port_ = FreePort();
    if (peer_port_ == client_port_ || metrics_port_ == client_port_ ||
        metrics_port_ == peer_port_) {
      continue;
    }
    last = SpawnAndWait();
    if (last.ok()) {
      ports_fixed_ = true;
      return last;
    }
    if (LogTail().find("address already in use") == std::string::npos) return last;
  }
  return last;
}

Status EtcdProcess::SpawnAndWait() {
  const std::string name = "carrier-test";
  const std::string client_url =
      (options_.tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(client_port_);
  std::vector<std::string> args = {
      EtcdBinary(),
      "--name=" + name,
      "--data-dir=" + data_dir_,
      "--listen-client-urls=" + client_url,
      "--advertise-client-urls=" + client_url,
      "--listen-metrics-urls=" + Url(metrics_port_),
      "--listen-peer-urls=" + Url(peer_port_),
      "--initial-advertise-peer-urls=" + Url(peer_port_),
      "--initial-cluster=" + name + "=" + Url(peer_port_),
      "--max-request-bytes=" + std::to_string(options_.max_request_bytes),
  };
  if (options_.progress_notify_interval.count() > 0) {
    args.push_back("--experimental-watch-progress-notify-interval=" +
                   std::to_string(options_.progress_notify_interval.count()) + "ms");
  }
  if (options_.tls) {
    args.push_back("--cert-file=" + dir_.path() + "/server.pem");
    args.push_back("--key-file=" + dir_.path() + "/server.key");
    args.push_back("--trusted-ca-file=" + ca_file());
    args.push_back("--client-cert-auth");
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  {
    std::ofstream log(log_path_, std::ios::app);
    log << "=== starting etcd on " << endpoint() << "\n";
  }
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log_fd < 0) return Internal("cannot open " + log_path_);
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return Internal("fork failed");
  }
  if (pid == 0) {
    // Never outlive the test that started us.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Unavailable("etcd exited while starting on " + endpoint() + ":\n" + LogTail());
    }
    if (Healthy()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return Unavailable("etcd did not become healthy on " + endpoint() + " within " +
                     std::to_string(kStartTimeout.count()) + " s:\n" + LogTail());
}

bool EtcdProcess::Healthy() const {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(metrics_port_));
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  bool healthy = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      std::string answer;
      char buf[512];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) answer.append(buf, static_cast<size_t>(n));
      healthy = answer.find("\"health\":\"true\"") != std::string::npos;
    }
  }
  close(fd);
  return healthy;
}

Status EtcdProcess::Stop() {
  if (!running()) return Status::Ok();
  kill(pid_, SIGTERM);
  Reap(std::chrono::seconds(20));
  return Status::Ok();
}

void EtcdProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  Reap(std::chrono::seconds(20));
}

void EtcdProcess::Reap(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    int wstatus = 0;
    pid_t r = waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || r < 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

// A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with
// the openssl command line.
Status EtcdProcess::MakeCertificates() {
  const std::string d = dir_.path();
  {
    std::ofstream(d + "/server.ext") << "subjectAltName=IP:127.0.0.1\n"
                                     << "extendedKeyUsage=serverAuth,clientAuth\n";
    std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  }
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::vector<std::string> commands = {
      "openssl req -x509 " + key + " -keyout " + d + "/ca.key -out " + d +
          "/ca.pem -days 2 -subj /CN=carrier-test-ca",
      "openssl req " + key + " -keyout " + d + "/server.key -out " + d +
          "/server.csr -subj /CN=127.0.0.1",
      "openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -days 2 -extfile " + d + "/server.ext -out " + d + "/server.pem",
      "openssl req " + key + " -keyout " + d + "/client.key -out " + d +
          "/client.csr -subj /CN=carrier-test-client",
      "openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -days 2 -extfile " + d + "/client.ext -out " + d + "/client.pem",
  };
  for (const auto& command : commands) {
    if (std::system((command + " >>" + log_path_ + " 2>&1").c_str()) != 0) {
      return Internal("making test certificates failed: " + command + "\n" + LogTail());
    }
  }
  return Status::Ok();
}

std::string EtcdProcess::LogTail(size_t bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  std::string all = out.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace carrier::test
