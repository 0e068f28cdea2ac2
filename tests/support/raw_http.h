// A raw HTTP/1.1 connection for wire-level tests: the test writes exactly
// the bytes it wants (malformed framing, pipelined requests, a byte at a
// time) from the source address it wants (any 127.x.y.z), and reads the
// answers as they come. pcnrest::Client (scripts/bench/rest_client.h) is
// the well-behaved client; this one is for what a well-behaved client
// never sends.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace pcntest {

struct RawAnswer {
  int status = 0;  // 0: none (timeout or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string &name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawConn {
 public:
  // Connects to 127.0.0.1:`port` from `source` (an address of lo).
  explicit RawConn(uint16_t port, const std::string &source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr *>(&src), sizeof(src)) != 0 ||
        connect(fd_, reinterpret_cast<sockaddr *>(&dst), sizeof(dst)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConn() {
    if (fd_ >= 0) close(fd_);
  }
  RawConn(const RawConn &) = delete;
  RawConn &operator=(const RawConn &) = delete;
  RawConn(RawConn &&o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One answer (Content-Length framing). A 1xx answer is returned like any
  // other. `to_head`: the answer to a HEAD request (a length, no body).
  RawAnswer read_answer(int timeout_ms = 5000, bool to_head = false) {
    RawAnswer a;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) return a;
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return a;
    a.status = std::atoi(head.c_str() + 9);
    for (size_t pos = head.find("\r\n"); pos != std::string::npos;) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon), value = line.substr(colon + 1);
      for (auto &c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      a.headers[name] = value;
    }
    if (a.headers.count("content-length") && !to_head) {
      size_t len = std::strtoul(a.headers["content-length"].c_str(), nullptr, 10);
      while (buf_.size() < len)
        if (!fill(deadline)) return a;
      a.body = buf_.substr(0, len);
      buf_.erase(0, len);
    }
    return a;
  }

  // Whether the server closed the connection (EOF or reset) within
  // `timeout_ms`; bytes that arrive meanwhile are kept for read_answer().
  bool closed_by_peer(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (poll(&p, 1, std::max(left, 0)) <= 0) return false;
      char chunk[65536];
      ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return true;
      buf_.append(chunk, static_cast<size_t>(n));
    }
    return false;
  }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buf_;
};

}  // namespace pcntest
