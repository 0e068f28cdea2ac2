// The REST benchmark's transport floor: one trivial static resource
// (GET /static -> 200, 16 bytes of JSON) served by the daemon's own HTTP
// server (polycubed/src/http_server.h, with the daemon's default options)
// or by Pistache 0.0.5 (configured as polycubed configured it before it
// moved to its own server: 2 threads). bench_rest.sh runs wrk against each
// in the same run, so the figures say what the transport alone costs next
// to the daemon's GET and PATCH.
//
//   pcn-bench-http-floor polycube|pistache
//
// Prints "listening on 127.0.0.1:<port>" and serves until SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "http_server.h"

#ifdef PCN_HAVE_PISTACHE
#include <pistache/endpoint.h>
#include <pistache/http.h>
#endif

namespace {

const std::string kBody = R"({"static":true})";

void wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
}

void listening(unsigned port) {
  std::printf("listening on 127.0.0.1:%u\n", port);
  std::fflush(stdout);
}

int serve_polycube() {
  using namespace polycube::http;
  HttpServer server(
      HttpServerOptions{},
      [](HttpRequest &req, const PeerIdentity &) {
        if (req.path() != "/static") return HttpResponse{404, {}, ""};
        return HttpResponse{200, {{"Content-Type", "application/json"}}, kBody};
      },
      [](int status, const std::string &message) { return HttpResponse{status, {}, message}; });
  auto listener = std::make_unique<TcpListener>("127.0.0.1", 0);
  unsigned port = listener->port();
  server.add_listener(std::move(listener));
  server.start();
  listening(port);
  wait_for_signal();
  return 0;
}

#ifdef PCN_HAVE_PISTACHE
class StaticHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(StaticHandler)
  void onRequest(const Pistache::Http::Request &req, Pistache::Http::ResponseWriter response) override {
    if (req.resource() != "/static") {
      response.send(Pistache::Http::Code::Not_Found, "");
      return;
    }
    response.headers().add<Pistache::Http::Header::ContentType>("application/json");
    response.send(Pistache::Http::Code::Ok, kBody);
  }
};

int serve_pistache() {
  Pistache::Http::Endpoint endpoint(Pistache::Address("127.0.0.1", Pistache::Port(0)));
  endpoint.init(Pistache::Http::Endpoint::options().threads(2).flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(Pistache::Http::make_handler<StaticHandler>());
  endpoint.serveThreaded();
  listening(static_cast<unsigned>(static_cast<uint16_t>(endpoint.getPort())));
  wait_for_signal();
  endpoint.shutdown();
  return 0;
}
#endif

}  // namespace

int main(int argc, char **argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // the servers' threads inherit it
  std::signal(SIGPIPE, SIG_IGN);
  std::string which = argc == 2 ? argv[1] : "";
  if (which == "polycube") return serve_polycube();
#ifdef PCN_HAVE_PISTACHE
  if (which == "pistache") return serve_pistache();
#else
  if (which == "pistache") {
    std::fprintf(stderr, "pcn-bench-http-floor: built without Pistache (libpistache-dev)\n");
    return 3;
  }
#endif
  std::fprintf(stderr, "usage: pcn-bench-http-floor polycube|pistache\n");
  return 2;
}
