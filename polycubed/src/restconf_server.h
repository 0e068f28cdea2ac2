// The RESTCONF (RFC 8040) front end over the reconciler: /restconf/data
// (GET/HEAD, POST, PUT, PATCH, DELETE, OPTIONS, YANG actions),
// /restconf/operations/polycube:*, the yang-library, module sources,
// /metrics and /openapi.json; content negotiation (406, 415); errors as
// RFC 8040 error bodies with their status codes. The transport is the
// daemon's own HTTP server (http_server.h).
#pragma once

#include <memory>
#include <string>

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

// An RFC 8040 error document.
HttpReply restconf_error(int status, const std::string &tag, const std::string &message,
                         const std::string &path = "", const std::string &type = "application");

class RestconfServer {
 public:
  RestconfServer(Reconciler &rc, const std::string &addr, uint16_t port, http::HttpServerOptions options = {});
  ~RestconfServer();
  void start();  // returns once listening
  uint16_t port() const { return port_; }
  void stop();

 private:
  Reconciler &rc_;
  uint16_t port_ = 0;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace polycube::daemon
