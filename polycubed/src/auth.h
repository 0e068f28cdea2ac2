// Authentication and authorization of API requests, decided from the
// request head alone (the HTTP server asks before it reads any body).
//
// Who sends a request, in this order:
//   1. `Authorization: Bearer <token>`: the token's SHA-256 must be in the
//      tokens file (auth_credentials.h); any other scheme or an unknown
//      token is refused (401, also when another credential would do);
//      without authentication configured the field is ignored;
//   2. a TLS client certificate the handshake verified against
//      --tls-client-ca: the user is its subject CN, the role the one of
//      its `cert:` line, viewer without one (NACM's read-default permit);
//   3. a unix-socket peer (SO_PEERCRED): its `uid:` line, else uid 0 is
//      admin and any other uid (one the socket's 0660 mode and group let
//      in) operator;
//   4. nobody: without authentication configured (no tokens file, no
//      client CA) an anonymous admin, which the daemon allows on loopback
//      only (daemon_options.cpp); with it, 401.
// Then the role must permit the request (auth_policy.h), else 403.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "auth_credentials.h"
#include "http_request.h"
#include "http_stream.h"

namespace polycube::daemon {

struct AuthDecision {
  enum Outcome { kAllowed, kNoCredentials, kBadCredentials, kDenied } outcome = kAllowed;
  http::Principal principal;  // who, when known (also for kDenied)
  std::string reason;         // what was wrong, or the rule that denied
};

class Authenticator {
 public:
  // Loads `tokens_file` ("" : none). Throws std::runtime_error naming the
  // bad line.
  Authenticator(std::string tokens_file, bool client_certificates);
  // Must TCP clients authenticate?
  bool required() const { return !tokens_file_.empty() || client_certificates_; }
  // SIGHUP: reads the tokens file again. Throws (naming the bad line) and
  // keeps the credentials in force when the new file is wrong.
  void reload();
  size_t credentials() const;
  AuthDecision decide(const http::HttpRequest &head, const http::PeerIdentity &peer) const;

 private:
  std::shared_ptr<const Credentials> current() const;
  std::string tokens_file_;
  bool client_certificates_;
  mutable std::mutex mu_;
  std::shared_ptr<const Credentials> credentials_;
};

}  // namespace polycube::daemon
