#include "rest_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cni_error.h"

namespace pcncni {

namespace {

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

RestClient::RestClient(const std::string &url, std::string token, int timeout_ms)
    : url_(url), token_(std::move(token)), timeout_ms_(timeout_ms) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    throw CniError(kInvalidConfig, "polycubed: only http:// URLs are supported, got '" + url + "'");
  std::string hostport = url.substr(scheme.size());
  while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  if (hostport.find('/') != std::string::npos) throw CniError(kInvalidConfig, "polycubed: a URL without a path, got '" + url + "'");
  auto colon = hostport.rfind(':');
  host_ = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  port_ = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  if (host_.empty() || port_.empty() || port_.find_first_not_of("0123456789") != std::string::npos)
    throw CniError(kInvalidConfig, "polycubed: bad URL '" + url + "'");
}

RestClient::~RestClient() { disconnect(); }

void RestClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
}

void RestClient::connect() {
  if (fd_ >= 0) return;
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0 || !res)
    throw CniError(kTryAgainLater, "polycubed at " + url_ + ": cannot resolve " + host_);
  std::string why = "no address";
  for (addrinfo *a = res; a; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (s < 0) continue;
    int rc = ::connect(s, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof(err);
      if (poll(&p, 1, timeout_ms_) == 1 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) rc = 0;
      else errno = err ? err : ETIMEDOUT;
    }
    if (rc == 0) {
      int one = 1;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      fd_ = s;
      break;
    }
    why = std::strerror(errno);
    ::close(s);
  }
  freeaddrinfo(res);
  if (fd_ < 0) throw CniError(kTryAgainLater, "polycubed is not reachable at " + url_, why);
}

bool RestClient::send_all(const std::string &data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, timeout_ms_) != 1) return false;
      continue;
    }
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool RestClient::fill() {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms_) != 1) return false;
  char chunk[16384];
  ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buf_.append(chunk, static_cast<size_t>(n));
  return true;
}

bool RestClient::read_reply(Reply &r, bool &closed) {
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return false;
  std::string head = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  auto sp = head.find(' ');
  if (head.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos) return false;
  r.status = std::atoi(head.c_str() + sp + 1);
  long length = -1;
  bool chunked = false;
  std::string h = lower(head);
  for (size_t pos = h.find("\r\n"); pos != std::string::npos;) {
    size_t next = h.find("\r\n", pos + 2);
    std::string line = h.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    pos = next;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "content-length") length = std::atol(value.c_str());
    else if (name == "connection" && value == "close") closed = true;
    else if (name == "transfer-encoding" && value.find("chunked") != std::string::npos) chunked = true;
  }
  if (chunked) {
    for (;;) {
      size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos)
        if (!fill()) return false;
      size_t size = std::strtoul(buf_.c_str(), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2)
        if (!fill()) return false;
      r.body.append(buf_, eol + 2, size);
      buf_.erase(0, eol + 2 + size + 2);
      if (size == 0) return true;
    }
  }
  // 1xx, 204 and 304 answers have no body whatever the headers say
  // (RFC 9112 6.3); polycubed sends 204 without Content-Length.
  if (r.status / 100 == 1 || r.status == 204 || r.status == 304) return true;
  if (length < 0) {  // body until the server closes
    while (fill()) {
    }
    r.body.swap(buf_);
    closed = true;
    return true;
  }
  while (buf_.size() < static_cast<size_t>(length))
    if (!fill()) return false;
  r.body = buf_.substr(0, static_cast<size_t>(length));
  buf_.erase(0, static_cast<size_t>(length));
  return true;
}

RestClient::Reply RestClient::request(const std::string &method, const std::string &target, const std::string &body) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + port_ +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!body.empty()) req += "Content-Type: application/yang-data+json\r\n";
  if (!token_.empty()) req += "Authorization: Bearer " + token_ + "\r\n";
  req += "\r\n" + body;
  // A kept-alive connection that the server has closed in the meantime
  // fails before any answer: then (only then) one fresh connection retries.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = fd_ >= 0;
    connect();
    Reply r;
    bool closed = false;
    bool ok = send_all(req) && read_reply(r, closed);
    if (ok) {
      if (closed) disconnect();
      return r;
    }
    bool answered = r.status != 0 || !buf_.empty();
    disconnect();
    if (!reused || answered) break;
  }
  throw CniError(kTryAgainLater, "polycubed at " + url_ + " did not answer " + method + " " + target);
}

}  // namespace pcncni
