// HTTPS for the daemon's HTTP server: a Listener that wraps accepted TCP
// connections in OpenSSL, and the Stream that runs the handshake and the
// records inside read() and write() on a non-blocking socket. A read may
// need the socket to be writable (a handshake message to send) and a write
// readable; the stream says so and the event loop retries it then
// (Stream::read_waits_for_writable).
//
// TLS 1.2 or later; 1.3 is negotiated whenever the client has it (OpenSSL
// picks the highest common version). TLS 1.2 is limited to forward-secret
// AEAD suites (ECDHE with AES-GCM or ChaCha20-Poly1305). With a client CA,
// the server asks for a client certificate and a certificate that does not
// verify fails the handshake; a client without one may still authenticate
// with a token.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "http_stream.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace polycube::http {

struct TlsFiles {
  std::string certificate;  // PEM chain, the server's certificate first
  std::string key;          // PEM private key
  std::string client_ca;    // PEM CA certificates for client certificates ("" : none asked)
};

// An OpenSSL server context built from the files. Throws std::runtime_error
// naming the file and OpenSSL's reason when one cannot be used.
class TlsContext {
 public:
  explicit TlsContext(const TlsFiles &files);
  ~TlsContext();
  TlsContext(const TlsContext &) = delete;
  TlsContext &operator=(const TlsContext &) = delete;
  SSL_CTX *get() const { return ctx_; }

 private:
  SSL_CTX *ctx_ = nullptr;
};

class TlsStream final : public Stream {
 public:
  // Takes over `inner` (a connected non-blocking socket).
  TlsStream(std::unique_ptr<Stream> inner, SSL_CTX *ctx);
  ~TlsStream() override;
  int fd() const override { return inner_->fd(); }
  IoResult read(char *buf, size_t len) override;
  IoResult write(const char *buf, size_t len) override;
  void shutdown_write() override;
  bool read_waits_for_writable() const override { return read_wants_write_; }
  bool write_waits_for_readable() const override { return write_wants_read_; }
  std::string peer_certificate_subject() override;

 private:
  IoResult failed(int rc, bool reading);
  std::unique_ptr<Stream> inner_;
  SSL *ssl_ = nullptr;
  bool read_wants_write_ = false, write_wants_read_ = false;
  bool subject_known_ = false;
  std::string subject_;
};

class TlsListener final : public Listener {
 public:
  TlsListener(std::unique_ptr<Listener> tcp, std::shared_ptr<TlsContext> ctx);
  int fd() const override { return tcp_->fd(); }
  Accepted accept() override;
  std::string address() const override { return tcp_->address(); }
  // New certificate and key (SIGHUP): connections accepted from now on use
  // them; established ones keep theirs.
  void set_context(std::shared_ptr<TlsContext> ctx);

 private:
  std::unique_ptr<Listener> tcp_;
  mutable std::mutex mu_;
  std::shared_ptr<TlsContext> ctx_;
};

}  // namespace polycube::http
