// The RESTCONF (RFC 8040) front end over the reconciler: /restconf/data
// (GET/HEAD, POST, PUT, PATCH, DELETE, OPTIONS, YANG actions),
// /restconf/operations/polycube:*, the yang-library, module sources,
// /metrics and /openapi.json; content negotiation (406, 415); errors as
// RFC 8040 error bodies with their status codes. The transport is the
// daemon's own HTTP server (http_server.h); around the RESTCONF logic the
// server decides who may send each request from its head (auth.h), records
// writes and refusals (audit_log.h), times requests (request_metrics.h)
// and answers the probes (health.h).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http_server.h"
#include "reconciler.h"

namespace polycube::daemon {

struct HttpReply {
  int status;
  std::string body;  // JSON, or empty
  std::string content_type = "application/yang-data+json";
  std::string location = {};  // 201: the URL of what was created
  std::string allow = {};     // 405 and OPTIONS: the methods the resource takes
};

// What the RESTCONF logic needs of an HTTP request.
struct RestconfRequest {
  std::string method;  // HEAD is answered as GET (the transport drops the body)
  std::string target;  // "/restconf/data/...?query", or "*"
  std::string body;    // may be moved from
  std::string content_type;  // "" if the request has none
  std::string accept;        // "" if the request has none
  std::string user;          // who sends it ("" until authentication names one)
  std::string message;       // X-Pcn-Message: why (recorded with the version a write makes)
};

// The request logic, separate from the transport so it can be tested
// without sockets.
HttpReply handle_restconf(Reconciler &rc, RestconfRequest &request);

// The RFC 8040 error for an exception thrown while answering: the status
// and tag its ErrorCode says (500 for anything else).
HttpReply restconf_error_of(const std::exception &e);

// An RFC 8040 error document.
HttpReply restconf_error(int status, const std::string &tag, const std::string &message,
                         const std::string &path = "", const std::string &type = "application");

class Authenticator;
class AuditLog;
struct Readiness;

// What runtime control adds around the RESTCONF logic; every member may be
// null (no authentication: everyone is an anonymous admin; no audit log;
// no readiness state).
struct ServerHooks {
  const Authenticator *auth = nullptr;
  AuditLog *audit = nullptr;
  const Readiness *readiness = nullptr;
};

class RestconfServer {
 public:
  // Serves on every listener (TCP, TLS, unix socket).
  RestconfServer(Reconciler &rc, std::vector<std::unique_ptr<http::Listener>> listeners,
                 http::HttpServerOptions options = {}, ServerHooks hooks = {});
  ~RestconfServer();
  void start();  // returns once listening
  void stop();   // drains: requests received get their answers (HttpServer::stop)

 private:
  http::HttpResponse handle(http::HttpRequest &request, const http::PeerIdentity &peer);
  std::optional<http::HttpResponse> check_head(http::HttpRequest &head, const http::PeerIdentity &peer);
  uint64_t version() const;
  Reconciler &rc_;
  ServerHooks hooks_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace polycube::daemon
