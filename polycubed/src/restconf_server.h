// The RESTCONF (RFC 8040) HTTP front end over the reconciler, served by
// Pistache. This slice serves /restconf/data for the service modules:
// GET (whole tree or any data path), POST of new cubes at the root, PATCH
// (merge) at the root or at a cube, DELETE of any data path; errors as
// RFC 8040 error bodies with their status codes.
#pragma once

#include <memory>
#include <string>

#include "reconciler.h"

namespace Pistache::Http {
class Endpoint;
}

namespace polycube::daemon {

struct HttpReply {
  int status;
  std::string body;  // JSON, or empty
  std::string content_type = "application/yang-data+json";
  std::string location = {};  // 201: the URL of what was created
};

// The request logic, separate from the transport so it can be tested
// without sockets.
HttpReply handle_restconf(Reconciler &rc, const std::string &method, const std::string &resource,
                          const std::string &body);

class RestconfServer {
 public:
  RestconfServer(Reconciler &rc, const std::string &addr, uint16_t port, int threads = 2);
  ~RestconfServer();
  void start();  // returns once listening
  uint16_t port() const;
  void stop();

 private:
  Reconciler &rc_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace polycube::daemon
