// A minimal HTTP/1.1 client over one TCP connection to the daemon's
// loopback port, for the REST benchmark and the e2e tests.
// Written against the socket API rather than through curl so that a test
// controls the request bytes exactly (a target with "%zz" or a truncated
// "%4", a body larger than the server's limit, malformed framing,
// pipelined requests, a byte at a time, from any 127.x.y.z source) and a
// benchmark pays no process start per request. Header-only: both targets
// include it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace pcnrest {

struct Response {
  int status = 0;  // 0: no answer (connection failed or closed before a status line)
  std::string content_type, body, location;
  std::map<std::string, std::string> headers;  // every field, lower-case names
  bool closed = false;  // the server said Connection: close, or closed the socket
  std::string header(const std::string &name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  // `source`: the local address to connect from (any 127.x.y.z; "" for
  // the kernel's choice).
  explicit Client(uint16_t port, int timeout_ms = 10000, std::string source = "")
      : port_(port), timeout_ms_(timeout_ms), source_(std::move(source)) {}
  ~Client() { disconnect(); }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;
  Client(Client &&o) noexcept
      : port_(o.port_), timeout_ms_(o.timeout_ms_), source_(std::move(o.source_)), fd_(o.fd_), buf_(std::move(o.buf_)) {
    o.fd_ = -1;
  }

  // Sends `method target` with `body` (a Content-Length header is always
  // sent, also for an empty body) and reads one answer. Reconnects when
  // the previous answer closed the connection.
  Response request(const std::string &method, const std::string &target, const std::string &body = "",
                   const std::string &content_type = "application/yang-data+json") {
    Response r;
    if (fd_ < 0 && !connect()) return r;
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!body.empty() && !content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
    head += "\r\n";
    // A server that refuses a large body may answer and close before it
    // has read all of it; keep going to the read, which still gets the answer.
    bool sent = send_raw(head) && send_raw(body);
    r = read_answer(method == "HEAD");
    // A server that refused the body without reading it (413) would take
    // what is left of it for the next request: start afresh.
    if (!sent || r.status == 413) r.closed = true;
    if (r.closed) disconnect();
    return r;
  }

  // Wire level: connect now (false if refused), send exactly `bytes`, read
  // one answer (`to_head`: the answer to a HEAD request, a length without
  // a body), and see whether the server closed the connection.
  bool connect() {
    disconnect();
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (!source_.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      inet_pton(AF_INET, source_.c_str(), &src.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr *>(&src), sizeof(src)) != 0) {
        disconnect();
        return false;
      }
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port_);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
      disconnect();
      return false;
    }
    return true;
  }
  bool connected() const { return fd_ >= 0; }
  void set_timeout(int ms) { timeout_ms_ = ms; }  // of each wait for bytes

  bool send_raw(std::string_view data) {
    if (fd_ < 0 && !connect()) return false;
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  Response read_answer(bool to_head = false) {
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
      r.headers[name] = value;
      if (name == "content-length") length = std::atol(value.c_str());
      else if (name == "content-type") r.content_type = value;
      else if (name == "location") r.location = value;
      else if (name == "connection" && lower(value) == "close") r.closed = true;
      else if (name == "transfer-encoding" && lower(value).find("chunked") != std::string::npos) chunked = true;
    }
    if (to_head || r.status == 204 || r.status == 304 || r.status < 200) {
      // No body, whatever the length says (RFC 9112 6.3).
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

  // Whether the server ends the connection (EOF or reset) within
  // `timeout_ms`; bytes that arrive meanwhile are kept for read_answer().
  bool closed_by_peer(int timeout_ms) {
    int saved = timeout_ms_;
    timeout_ms_ = timeout_ms;
    bool eof = false;
    while (!eof && fill(&eof)) {
    }
    timeout_ms_ = saved;
    return eof;
  }

  void disconnect() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  // Appends what arrives to buf_; false on EOF (`*eof` set), error or timeout.
  bool fill(bool *eof = nullptr) {
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, timeout_ms_) <= 0) return false;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      if (eof) *eof = true;
      return false;
    }
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  static std::string lower(std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  uint16_t port_;
  int timeout_ms_;
  std::string source_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace pcnrest
