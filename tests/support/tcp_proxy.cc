#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace carrier::test {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) { Listen(); }

TcpProxy::~TcpProxy() {
  Break();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void TcpProxy::Listen() {
  sockaddr_in addr = Loopback(port_);
  int fd = -1;
  // After Break() the old listener closes asynchronously: retry the same port briefly.
  for (int attempt = 0; fd < 0; ++attempt) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd, 64) == 0) {
      break;
    }
    close(fd);
    fd = -1;
    if (attempt == 200) {
      throw std::runtime_error("tcp proxy: cannot listen on port " + std::to_string(port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  std::lock_guard lock(mu_);
  listen_fd_ = fd;
  threads_.emplace_back([this, fd] { AcceptLoop(fd); });
}

void TcpProxy::AcceptLoop(int listen_fd) {
  for (;;) {
    int client = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) break;  // Break() shut the listener down
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in target = Loopback(target_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
      close(server);
      close(client);
      continue;
    }
    std::lock_guard lock(mu_);
    if (listen_fd_ != listen_fd) {  // broken meanwhile
      close(server);
      close(client);
      break;
    }
    open_fds_.insert(client);
    open_fds_.insert(server);
    threads_.emplace_back([this, client, server] { Pump(client, server); });
  }
  close(listen_fd);
}

void TcpProxy::Pump(int client_fd, int server_fd) {
  pollfd fds[2] = {{client_fd, POLLIN, 0}, {server_fd, POLLIN, 0}};
  char buf[65536];
  for (bool open = true; open;) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2 && open; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0) {
        open = false;
        break;
      }
      for (ssize_t off = 0; off < n;) {
        ssize_t w = send(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) {
          open = false;
          break;
        }
        off += w;
      }
    }
  }
  std::lock_guard lock(mu_);
  for (int fd : {client_fd, server_fd}) {
    if (open_fds_.erase(fd)) {
      shutdown(fd, SHUT_RDWR);
      close(fd);
    }
  }
}

void TcpProxy::Break() {
  std::lock_guard lock(mu_);
  if (listen_fd_ >= 0) {
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept(); the accept loop closes it
    listen_fd_ = -1;
  }
  // Pumps notice and close their sockets.
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::Restore() {
  {
    std::lock_guard lock(mu_);
    if (listen_fd_ >= 0) return;
  }
  Listen();
}

}  // namespace carrier::test
