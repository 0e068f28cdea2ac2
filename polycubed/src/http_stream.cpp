#include "http_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace polycube::http {

SocketStream::~SocketStream() { ::close(fd_); }

IoResult SocketStream::read(char *buf, size_t len) {
  for (;;) {
    ssize_t n = ::recv(fd_, buf, len, 0);
    if (n > 0) return {IoStatus::kOk, static_cast<size_t>(n)};
    if (n == 0) return {IoStatus::kClosed};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock};
    return {errno == ECONNRESET ? IoStatus::kClosed : IoStatus::kError};
  }
}

IoResult SocketStream::write(const char *buf, size_t len) {
  for (;;) {
    ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::kOk, static_cast<size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock};
    return {errno == EPIPE || errno == ECONNRESET ? IoStatus::kClosed : IoStatus::kError};
  }
}

void SocketStream::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

namespace {

// The address of `sa` without its port, IPv4-mapped IPv6 as IPv4.
std::string address_of(const sockaddr_storage &sa, uint16_t *port) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (sa.ss_family == AF_INET) {
    const auto &in = reinterpret_cast<const sockaddr_in &>(sa);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    *port = ntohs(in.sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto &in6 = reinterpret_cast<const sockaddr_in6 &>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof(text));
    else inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    *port = ntohs(in6.sin6_port);
  }
  return text;
}

}  // namespace

TcpListener::TcpListener(const std::string &host, uint16_t port) : host_(host) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0 || !res)
    throw std::runtime_error("cannot resolve listen address " + host + ": " + gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    fd_ = fd;
    break;
  }
  freeaddrinfo(res);
  if (fd_ < 0) throw std::runtime_error("cannot listen on " + host + ":" + service + ": " + last_error);
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  getsockname(fd_, reinterpret_cast<sockaddr *>(&sa), &len);
  address_of(sa, &port_);
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

Accepted TcpListener::accept() {
  Accepted a;
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  int fd = ::accept4(fd_, reinterpret_cast<sockaddr *>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    a.error = errno;
    return a;
  }
  // Answers go out in one write; without this a pipelined second answer
  // would wait for the client's delayed ACK.
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  uint16_t port = 0;
  a.peer.source = address_of(sa, &port);
  a.peer.display = (a.peer.source.find(':') != std::string::npos ? "[" + a.peer.source + "]" : a.peer.source) + ":" +
                   std::to_string(port);
  a.stream = std::make_unique<SocketStream>(fd);
  return a;
}

std::string TcpListener::address() const {
  return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

}  // namespace polycube::http
