#include "http_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace polycube::http {

namespace {

// OpenSSL's error queue as one line (and emptied).
std::string openssl_reason() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// ALPN: this server speaks HTTP/1.1 only; a client offering h2 first
// (curl does) gets http/1.1 selected rather than no protocol at all.
int select_http11(SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen,
                  void *) {
  static const unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned i = 0; i < inlen;) {
    unsigned len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == sizeof(kHttp11) && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;  // no ALPN in the answer; the client may still speak HTTP/1.1
}

}  // namespace

TlsContext::TlsContext(const TlsFiles &files) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (!ctx_) throw std::runtime_error("TLS: " + openssl_reason());
  auto fail = [&](const std::string &what) {
    std::string reason = openssl_reason();
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(what + ": " + reason);
  };
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(ctx_, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1) fail("TLS 1.2 cipher list");
  // The server's output buffer may grow (and move) between a write that
  // wants to be retried and its retry; partial writes are fine.
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One recv() for whatever has arrived rather than one for each record's
  // 5-byte header and one for its body: half the syscalls per request. The
  // event loop reads until the stream would block, so nothing buffered
  // inside OpenSSL is left behind an edge-triggered wakeup.
  SSL_CTX_set_read_ahead(ctx_, 1);
  if (SSL_CTX_use_certificate_chain_file(ctx_, files.certificate.c_str()) != 1)
    fail("TLS certificate " + files.certificate);
  if (SSL_CTX_use_PrivateKey_file(ctx_, files.key.c_str(), SSL_FILETYPE_PEM) != 1) fail("TLS key " + files.key);
  if (SSL_CTX_check_private_key(ctx_) != 1) fail("TLS key " + files.key + " does not match " + files.certificate);
  static const unsigned char kSession[] = "polycubed";
  SSL_CTX_set_session_id_context(ctx_, kSession, sizeof(kSession) - 1);
  SSL_CTX_set_alpn_select_cb(ctx_, select_http11, nullptr);
  if (!files.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx_, files.client_ca.c_str(), nullptr) != 1)
      fail("TLS client CA " + files.client_ca);
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (!names) fail("TLS client CA " + files.client_ca);
    SSL_CTX_set_client_CA_list(ctx_, names);
    // Asked for, not required: a client may authenticate with a token
    // instead. One that sends a certificate that does not verify fails.
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsStream::TlsStream(std::unique_ptr<Stream> inner, SSL_CTX *ctx) : inner_(std::move(inner)) {
  ssl_ = SSL_new(ctx);
  if (!ssl_ || SSL_set_fd(ssl_, inner_->fd()) != 1) {
    if (ssl_) SSL_free(ssl_);
    ssl_ = nullptr;
    throw std::runtime_error("TLS: " + openssl_reason());
  }
  SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

IoResult TlsStream::failed(int rc, bool reading) {
  int err = SSL_get_error(ssl_, rc);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      if (!reading) write_wants_read_ = true;
      return {IoStatus::kWouldBlock};
    case SSL_ERROR_WANT_WRITE:
      if (reading) read_wants_write_ = true;
      return {IoStatus::kWouldBlock};
    case SSL_ERROR_ZERO_RETURN: return {IoStatus::kClosed};  // close_notify
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      return {IoStatus::kClosed};  // EOF or reset without close_notify
    default:
      // A failed handshake (plain HTTP sent to the TLS port, a client
      // certificate that does not verify, no common protocol version) or a
      // bad record: the connection is closed.
      spdlog::debug("http: TLS {}: {}", reading ? "read" : "write", openssl_reason());
      return {IoStatus::kError};
  }
}

IoResult TlsStream::read(char *buf, size_t len) {
  read_wants_write_ = false;
  ERR_clear_error();
  size_t n = 0;
  int rc = SSL_read_ex(ssl_, buf, len, &n);
  if (rc == 1) return {IoStatus::kOk, n};
  return failed(rc, true);
}

IoResult TlsStream::write(const char *buf, size_t len) {
  write_wants_read_ = false;
  if (len == 0) return {IoStatus::kOk, 0};
  ERR_clear_error();
  size_t n = 0;
  int rc = SSL_write_ex(ssl_, buf, len, &n);
  if (rc == 1) return {IoStatus::kOk, n};
  return failed(rc, false);
}

void TlsStream::shutdown_write() {
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);  // close_notify, best effort
  ERR_clear_error();
  inner_->shutdown_write();
}

std::string TlsStream::peer_certificate_subject() {
  if (subject_known_ || !SSL_is_init_finished(ssl_)) return subject_;
  subject_known_ = true;
  X509 *cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return subject_;
  if (SSL_get_verify_result(ssl_) == X509_V_OK) {
    X509_NAME *name = X509_get_subject_name(cert);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i >= 0) {
      unsigned char *utf8 = nullptr;
      int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
      if (n > 0) subject_.assign(reinterpret_cast<char *>(utf8), static_cast<size_t>(n));
      OPENSSL_free(utf8);
    }
  }
  X509_free(cert);
  return subject_;
}

TlsListener::TlsListener(std::unique_ptr<Listener> tcp, std::shared_ptr<TlsContext> ctx)
    : tcp_(std::move(tcp)), ctx_(std::move(ctx)) {}

void TlsListener::set_context(std::shared_ptr<TlsContext> ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  ctx_ = std::move(ctx);
}

Accepted TlsListener::accept() {
  Accepted a = tcp_->accept();
  if (!a.stream) return a;
  std::shared_ptr<TlsContext> ctx;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ctx = ctx_;
  }
  try {
    a.stream = std::make_unique<TlsStream>(std::move(a.stream), ctx->get());
  } catch (const std::exception &e) {
    spdlog::warn("http: {}", e.what());
    a.stream.reset();
    a.error = ENOMEM;
    return a;
  }
  a.peer.tls = true;
  return a;
}

}  // namespace polycube::http
