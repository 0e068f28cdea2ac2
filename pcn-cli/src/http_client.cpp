#include "http_client.h"

#include "daemon_url.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace pcn {

HttpResponse http_request(const std::string &base, const std::string &method, const std::string &path,
                          const std::string &body, const std::vector<std::pair<std::string, std::string>> &headers) {
  DaemonUrl url = parse_daemon_url(base);
  const std::string &hostport = url.authority;

  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (int err = getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &res); err != 0 || !res)
    throw std::runtime_error("cannot resolve '" + url.host + "' of daemon URL " + base + ": " + gai_strerror(err));
  // Every address of the name in turn: "localhost" is ::1 first, and the
  // daemon listens on 127.0.0.1 by default.
  int s = -1;
  for (addrinfo *a = res; a && s < 0; a = a->ai_next) {
    s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (s >= 0 && connect(s, a->ai_addr, a->ai_addrlen) != 0) {
      close(s);
      s = -1;
    }
  }
  freeaddrinfo(res);
  if (s < 0) throw std::runtime_error("cannot reach polycubed at " + base + " (is it running?)");
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + hostport +
                    "\r\nContent-Type: application/yang-data+json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto &[name, value] : headers) req += name + ": " + value + "\r\n";
  req += "\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(s, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      close(s);
      throw std::runtime_error("connection to polycubed lost");
    }
    sent += static_cast<size_t>(n);
  }
  // Read the head, then exactly Content-Length bytes: the server may keep
  // the connection open even when it says "Connection: Close".
  std::string raw;
  char buf[16384];
  ssize_t n;
  size_t need = std::string::npos;
  while (need == std::string::npos || raw.size() < need) {
    n = recv(s, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
    auto end = raw.find("\r\n\r\n");
    if (need == std::string::npos && end != std::string::npos) {
      std::string head = raw.substr(0, end);
      for (auto &c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto cl = head.find("\r\ncontent-length:");
      need = end + 4 + (cl == std::string::npos ? 0 : std::strtoul(head.c_str() + cl + 17, nullptr, 10));
    }
  }
  close(s);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    throw std::runtime_error("malformed answer from polycubed");
  HttpResponse r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  r.body = raw.substr(head_end + 4);
  return r;
}

}  // namespace pcn
