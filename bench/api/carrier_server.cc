#include "carrier_server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "base/base64.h"
#include "support/test_util.h"

namespace carrier::bench::api {

namespace {
// The running `carrier serve` processes, stopped by Die.
std::set<pid_t> g_server_pids;
}  // namespace

void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  for (pid_t pid : g_server_pids) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  std::exit(1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double CpuSeconds(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 0; fields >> f; ++i) {  // i = 0 is field 3 (state); utime is field 14
    if (i == 11) utime = std::atol(f.c_str());
    if (i == 12) { stime = std::atol(f.c_str()); break; }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

double StatusMiB(pid_t pid, const std::string& field) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1) / 1024;
  }
  return 0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

HttpResult MustDo(Connection& conn, const HttpRequest& request, int expect) {
  auto r = conn.Do(request);
  if (!r.ok()) Die(r.status().ToString());
  if (r->status != expect) Die("unexpected answer: " + Describe(request, *r));
  return std::move(r).value();
}

CarrierServer::CarrierServer(const std::string& binary, const std::string& data_dir,
                             std::vector<std::string> extra_args)
    : data_dir_(data_dir) {
  port_ = test::FreePort();
  log_ = data_dir + ".serve.log";
  std::string port = std::to_string(port_);
  std::vector<std::string> args = {binary, "serve", "--data-dir", data_dir, "--port", port};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) Die("fork failed");
  if (pid_ == 0) {
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  g_server_pids.insert(pid_);
}

CarrierServer::~CarrierServer() { Stop(); }

Endpoint CarrierServer::WaitForKubeconfig() {
  std::string path = data_dir_ + "/admin.kubeconfig";
  bool written = test::WaitFor([&] {
    struct stat st{};
    return Exited() || (stat(path.c_str(), &st) == 0 && st.st_size > 0);
  }, std::chrono::seconds(60));
  if (!written || pid_ <= 0) Die("carrier serve did not write " + path + "; its log:\n" + ReadFile(log_));
  return EndpointOf(ReadFile(path), path);
}

Endpoint CarrierServer::EndpointOf(const std::string& kubeconfig, const std::string& what) const {
  Endpoint e;
  e.port = static_cast<uint16_t>(port_);
  std::istringstream in(kubeconfig);
  std::string line;
  auto field = [&](const std::string& key, std::string& out) {
    size_t at = line.find(key + ": ");
    if (at == std::string::npos) return;
    auto decoded = Base64Decode(line.substr(at + key.size() + 2));
    if (!decoded) Die("bad " + key + " in " + what);
    out = *decoded;
  };
  while (std::getline(in, line)) {
    field("certificate-authority-data", e.ca_pem);
    field("client-certificate-data", e.cert_pem);
    field("client-key-data", e.key_pem);
  }
  if (e.ca_pem.empty() || e.cert_pem.empty() || e.key_pem.empty()) {
    Die(what + " lacks the CA, the client certificate or its key");
  }
  return e;
}

void CarrierServer::WaitReady(Connection& conn) {
  bool ready = test::WaitFor([&] {
    auto r = conn.Do({"GET", "/readyz", ""});
    return r.ok() && r->status == 200;
  }, std::chrono::seconds(60));
  if (!ready) Die("carrier serve did not become ready; its log:\n" + ReadFile(log_));
}

bool CarrierServer::Exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_status_ = status;
    g_server_pids.erase(pid_);
    pid_ = -1;
    return true;
  }
  return false;
}

std::string CarrierServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_status_ = status;
    g_server_pids.erase(pid_);
    pid_ = -1;
  }
  if (WIFEXITED(exit_status_)) return "exit " + std::to_string(WEXITSTATUS(exit_status_));
  if (WIFSIGNALED(exit_status_)) return "signal " + std::to_string(WTERMSIG(exit_status_));
  return "unknown";
}

}  // namespace carrier::bench::api
