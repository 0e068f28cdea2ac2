// A minimal HTTP/1.1 client over one TCP connection to the daemon's
// loopback port, for the REST benchmark and the bad-input e2e test.
// Written against the socket API rather than through curl so that a test
// controls the request bytes exactly (a target with "%zz" or a truncated
// "%4", a body larger than the server's limit) and a benchmark pays no
// process start per request. Header-only: both targets include it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pcnrest {

struct Response {
  int status = 0;  // 0: no answer (connection failed or closed before a status line)
  std::string content_type, body, location;
  bool closed = false;  // the server said Connection: close, or closed the socket
};

class Client {
 public:
  explicit Client(uint16_t port, int timeout_ms = 10000) : port_(port), timeout_ms_(timeout_ms) {}
  ~Client() { disconnect(); }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  // Sends `method target` with `body` (a Content-Length header is always
  // sent, also for an empty body) and reads one answer. Reconnects when
  // the previous answer closed the connection.
  Response request(const std::string &method, const std::string &target, const std::string &body = "",
                   const std::string &content_type = "application/yang-data+json") {
    Response r;
    if (fd_ < 0 && !connect_loopback()) return r;
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!body.empty() && !content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
    head += "\r\n";
    // A server that refuses a large body may answer and close before it
    // has read all of it; keep going to the read, which still gets the answer.
    bool sent = send_all(head) && send_all(body);
    r = read_response();
    // A server that refused the body without reading it (413) would take
    // what is left of it for the next request: start afresh.
    if (!sent || r.status == 413) r.closed = true;
    if (r.closed) disconnect();
    return r;
  }

  void disconnect() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  bool connect_loopback() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port_);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
      disconnect();
      return false;
    }
    return true;
  }

  bool send_all(const std::string &data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Appends what arrives to buf_; false on EOF, error or timeout.
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms_) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  static std::string lower(std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Response read_response() {
    Response r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) {
        r.closed = true;
        return r;
      }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    // "HTTP/1.1 404 Not Found"
    auto sp = head.find(' ');
    if (sp == std::string::npos) {
      r.closed = true;
      return r;
    }
    r.status = std::atoi(head.c_str() + sp + 1);
    long length = -1;
    bool chunked = false;
    for (size_t pos = head.find("\r\n"); pos != std::string::npos;) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = lower(line.substr(0, colon)), value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "content-length") length = std::atol(value.c_str());
      else if (name == "content-type") r.content_type = value;
      else if (name == "location") r.location = value;
      else if (name == "connection" && lower(value) == "close") r.closed = true;
      else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) chunked = true;
    }
    if (r.status == 204 || r.status == 304 || r.status < 200) {
      // No body, and no Content-Length either (RFC 9112 6.3).
    } else if (chunked) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos)
          if (!fill()) return r.closed = true, r;
        size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2)
          if (!fill()) return r.closed = true, r;
        r.body.append(buf_, eol + 2, size);
        buf_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
      }
    } else if (length >= 0) {
      while (buf_.size() < static_cast<size_t>(length))
        if (!fill()) return r.closed = true, r;
      r.body = buf_.substr(0, static_cast<size_t>(length));
      buf_.erase(0, static_cast<size_t>(length));
    } else {
      while (fill()) {
      }
      r.body.swap(buf_);
      r.closed = true;
    }
    return r;
  }

  uint16_t port_;
  int timeout_ms_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace pcnrest
