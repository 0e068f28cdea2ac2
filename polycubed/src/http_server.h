// The daemon's HTTP/1.1 server: one event-loop thread (epoll) owns every
// connection and does all reading, parsing and writing; handlers run on a
// small pool of worker threads, so a slow request (a write that reconciles
// and fsyncs) never stalls other connections' reads and writes.
//
// Per connection: keep-alive; pipelined requests are answered in order
// (the next one is parsed only once the previous answer is queued); the
// framing rules and size limits of RequestParser. Across connections:
//   - a cap per source (address) and a total cap; when either is reached a
//     new connection takes the place of the longest-idle one (closing an
//     idle keep-alive connection is always allowed), else of the oldest
//     one still sending its head, else it is refused with 503;
//   - the total cap stays `fd_reserve` descriptors below RLIMIT_NOFILE, and
//     an accepted descriptor numbered within the reserve counts as "full"
//     too, so the rest of the daemon (BPF objects, netlink, the state file)
//     always has descriptors left however many clients connect;
//   - timeouts: the head must arrive within header_timeout of the first
//     byte (slowloris), the body within body_timeout, an idle keep-alive
//     connection is closed after idle_timeout, an answer nobody reads after
//     write_timeout;
//   - accept() never spins on EMFILE: one descriptor is kept spare to accept
//     and close the pending connection, and accepting pauses briefly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http_request.h"
#include "http_response.h"
#include "http_stream.h"

namespace polycube::http {

// Runs on the event-loop thread once a request's head has arrived, before
// any byte of its body is read: returns the answer that refuses the request
// (401, 403: the body is then never read), or nullopt to go on; it may fill
// in `head.principal` for the handler. Must be quick.
using HttpHeadCheck = std::function<std::optional<HttpResponse>(HttpRequest &head, const PeerIdentity &peer)>;

struct HttpServerOptions {
  HttpLimits limits;
  unsigned workers = 4;
  size_t max_connections = 10000;
  size_t max_connections_per_source = 256;
  size_t fd_reserve = 1024;  // descriptors kept for the rest of the process (at most a quarter of the limit)
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{60000};
  std::chrono::milliseconds linger_timeout{2000};  // reading what a refused client still sends
  std::chrono::milliseconds drain_timeout{10000};  // stop(): requests in progress get their answers until then
  HttpHeadCheck check_head;                       // optional (authentication and authorization)
};

// Runs on a worker thread; may throw (the client then gets a 500 without
// the exception's text).
using HttpHandler = std::function<HttpResponse(HttpRequest &, const PeerIdentity &)>;
// The answer to a request the server refuses itself (framing, limits,
// timeouts, overload), so that its body has the application's format.
using HttpErrorFormatter = std::function<HttpResponse(int status, const std::string &message)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler, HttpErrorFormatter errors);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  // Before start(). The server owns it.
  void add_listener(std::unique_ptr<Listener> listener);
  // Starts the event loop and the workers; returns at once.
  void start();
  // Stops listening (the listeners are closed at once), lets the requests
  // already received run and their answers go out (up to drain_timeout),
  // then closes every connection and waits for the handlers to return.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace polycube::http
