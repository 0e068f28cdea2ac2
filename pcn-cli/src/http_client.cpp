#include "http_client.h"

#include "daemon_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace pcn {

namespace {

ClientCredentials g_credentials;

std::string openssl_reason() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out;
}

int connect_tcp(const DaemonUrl &url, const std::string &base) {
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
  return s;
}

int connect_unix(const DaemonUrl &url, const std::string &base) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, url.socket_path.data(), url.socket_path.size());
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s >= 0 && connect(s, reinterpret_cast<const sockaddr *>(&sa), sizeof(sa)) == 0) return s;
  int err = errno;
  if (s >= 0) close(s);
  throw std::runtime_error("cannot reach polycubed at " + base + ": " + std::strerror(err) +
                           (err == EACCES ? " (only the socket's owner and group may use it)" : " (is it running?)"));
}

// One connection: a socket, TLS over it for https.
class Connection {
 public:
  Connection(const DaemonUrl &url, const std::string &base) : base_(base) {
    try {
      open(url, base);
    } catch (...) {
      release();
      throw;
    }
  }
  ~Connection() { release(); }
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  bool send_all(const std::string &bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n;
      if (ssl_) {
        size_t w = 0;
        n = SSL_write_ex(ssl_, bytes.data() + sent, bytes.size() - sent, &w) == 1 ? static_cast<ssize_t>(w) : -1;
      } else {
        n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      }
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  ssize_t receive(char *buf, size_t len) {
    if (!ssl_) return recv(fd_, buf, len, 0);
    size_t n = 0;
    int rc = SSL_read_ex(ssl_, buf, len, &n);
    if (rc == 1) return static_cast<ssize_t>(n);
    // TLS 1.3 checks a client certificate after the client's side of the
    // handshake: a refused one arrives here, as the daemon's alert.
    if (SSL_get_error(ssl_, rc) == SSL_ERROR_SSL) throw tls_error(base_, "");
    return 0;
  }

 private:
  void release() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
    ssl_ = nullptr;
    ctx_ = nullptr;
    fd_ = -1;
  }
  void open(const DaemonUrl &url, const std::string &base) {
    fd_ = url.scheme == "unix" ? connect_unix(url, base) : connect_tcp(url, base);
    if (url.scheme != "https") return;
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw tls_error(base, "");
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!g_credentials.cacert.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, g_credentials.cacert.c_str(), nullptr) != 1)
        throw std::runtime_error("cannot use --cacert " + g_credentials.cacert + ": " + openssl_reason());
    } else {
      SSL_CTX_set_default_verify_paths(ctx_);
    }
    if (!g_credentials.cert.empty()) {
      // The daemon authenticates the certificate's subject (--tls-client-ca).
      if (SSL_CTX_use_certificate_chain_file(ctx_, g_credentials.cert.c_str()) != 1)
        throw std::runtime_error("cannot use --cert " + g_credentials.cert + ": " + openssl_reason());
      if (SSL_CTX_use_PrivateKey_file(ctx_, g_credentials.key.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error("cannot use --key " + g_credentials.key + ": " + openssl_reason());
      if (SSL_CTX_check_private_key(ctx_) != 1)
        throw std::runtime_error("--key " + g_credentials.key + " is not the key of --cert " + g_credentials.cert);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl_, kAlpn, sizeof(kAlpn));
    // The certificate must name what the URL names: an IP address or a DNS name.
    in6_addr probe{};
    bool is_ip = inet_pton(AF_INET, url.host.c_str(), &probe) == 1 || inet_pton(AF_INET6, url.host.c_str(), &probe) == 1;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, url.host.c_str());
      SSL_set1_host(ssl_, url.host.c_str());
    }
    if (SSL_connect(ssl_) != 1) {
      long verify = SSL_get_verify_result(ssl_);
      throw tls_error(base, verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "");
    }
  }
  std::runtime_error tls_error(const std::string &base, const std::string &verify) {
    std::string reason = verify.empty() ? openssl_reason() : "certificate not trusted: " + verify;
    return std::runtime_error("TLS with polycubed at " + base + " failed: " + reason +
                              (verify.empty() ? "" : " (give the CA that signed it with --cacert)"));
  }
  std::string base_;
  int fd_ = -1;
  SSL_CTX *ctx_ = nullptr;
  SSL *ssl_ = nullptr;
};

}  // namespace

void set_client_credentials(ClientCredentials credentials) { g_credentials = std::move(credentials); }

HttpResponse http_request(const std::string &base, const std::string &method, const std::string &path,
                          const std::string &body, const std::vector<std::pair<std::string, std::string>> &headers) {
  DaemonUrl url = parse_daemon_url(base);
  Connection conn(url, base);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + url.authority +
                    "\r\nContent-Type: application/yang-data+json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n";
  if (!g_credentials.token.empty()) req += "Authorization: Bearer " + g_credentials.token + "\r\n";
  for (const auto &[name, value] : headers) req += name + ": " + value + "\r\n";
  req += "\r\n" + body;
  if (!conn.send_all(req)) throw std::runtime_error("connection to polycubed lost");
  // Read the head, then exactly Content-Length bytes: the server may keep
  // the connection open even when it says "Connection: Close".
  std::string raw;
  char buf[16384];
  size_t need = std::string::npos;
  while (need == std::string::npos || raw.size() < need) {
    ssize_t n = conn.receive(buf, sizeof(buf));
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
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
    throw std::runtime_error("malformed answer from polycubed");
  HttpResponse r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  r.body = raw.substr(head_end + 4);
  return r;
}

}  // namespace pcn
