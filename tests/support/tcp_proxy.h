#pragma once
// A loopback TCP forwarder for fault tests: clients connect to port(), bytes flow to and
// from the target port. Break() cuts every connection and refuses new ones (a network
// partition); Restore() accepts again on the same port.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace carrier::test {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  void Break();
  void Restore();

 private:
  void Listen();
  void AcceptLoop(int listen_fd);
  void Pump(int client_fd, int server_fd);

  const int target_port_;
  int port_ = 0;
  std::mutex mu_;
  int listen_fd_ = -1;
  std::set<int> open_fds_;
  std::vector<std::thread> threads_;
};

}  // namespace carrier::test
