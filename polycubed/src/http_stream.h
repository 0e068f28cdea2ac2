// Where the HTTP server's bytes come from and go to. The server only sees a
// Listener that hands out Streams with the identity of their peer, so each
// transport is another implementation of these two interfaces: TCP here,
// TLS over TCP (http_tls.h: the handshake and records run inside read()
// and write(), which report kWouldBlock meanwhile) and a unix socket whose
// listener fills in the peer's SO_PEERCRED credentials (http_unix.h).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace polycube::http {

// Who is on the other end of a connection.
struct PeerIdentity {
  // What per-source connection caps count by: the address ("127.0.0.1",
  // "::1"; an IPv4-mapped IPv6 address as IPv4), or "uid:<n>" for a local
  // peer known by its credentials.
  std::string source;
  std::string display;  // for logs: "127.0.0.1:53422"
  // Unix sockets (SO_PEERCRED); false over TCP.
  bool has_credentials = false;
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  bool tls = false;
  // TLS: the common name of the client certificate the handshake verified
  // ("" if none); the server fills it in once a request head has arrived.
  std::string certificate_subject;
};

enum class IoStatus { kOk, kWouldBlock, kClosed, kError };

struct IoResult {
  IoStatus status;
  size_t bytes = 0;  // kOk: how many
};

// A connected, non-blocking byte stream.
class Stream {
 public:
  virtual ~Stream() = default;  // closes it
  // The descriptor the event loop waits on.
  virtual int fd() const = 0;
  // kClosed: the peer ended its side (read) or the connection is gone (write).
  virtual IoResult read(char *buf, size_t len) = 0;
  virtual IoResult write(const char *buf, size_t len) = 0;
  // Ends our direction and keeps reading (lingering close, RFC 9112 9.6).
  virtual void shutdown_write() = 0;
  // A TLS stream's read may wait for the socket to be writable (a
  // handshake message to send) and its write for it to be readable: then
  // the event loop retries the one when the other direction is ready.
  // A plain socket never does.
  virtual bool read_waits_for_writable() const { return false; }
  virtual bool write_waits_for_readable() const { return false; }
  // The verified client certificate's subject common name, once the
  // handshake is done ("" for plain sockets or no certificate).
  virtual std::string peer_certificate_subject() { return {}; }
};

// A plain socket (TCP, or later a unix socket).
class SocketStream final : public Stream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}
  ~SocketStream() override;
  SocketStream(const SocketStream &) = delete;
  SocketStream &operator=(const SocketStream &) = delete;
  int fd() const override { return fd_; }
  IoResult read(char *buf, size_t len) override;
  IoResult write(const char *buf, size_t len) override;
  void shutdown_write() override;

 private:
  int fd_;
};

struct Accepted {
  std::unique_ptr<Stream> stream;  // null: nothing accepted, see `error`
  PeerIdentity peer;
  int error = 0;  // errno of the failed accept (EAGAIN: none pending)
};

// A listening socket.
class Listener {
 public:
  virtual ~Listener() = default;
  virtual int fd() const = 0;
  // One pending connection, without blocking.
  virtual Accepted accept() = 0;
  // For the "listening on" line: "127.0.0.1:9000".
  virtual std::string address() const = 0;
};

class TcpListener final : public Listener {
 public:
  // `host` is an address or a name; `port` 0 picks a free one. Throws
  // std::runtime_error when it cannot listen.
  TcpListener(const std::string &host, uint16_t port);
  ~TcpListener() override;
  TcpListener(const TcpListener &) = delete;
  TcpListener &operator=(const TcpListener &) = delete;
  int fd() const override { return fd_; }
  Accepted accept() override;
  std::string address() const override;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string host_;
};

}  // namespace polycube::http
