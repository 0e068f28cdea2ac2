#include "pcnd.h"

#include <cstdio>
#include <cstdlib>

#include "../../scripts/bench/rest_client.h"
#include "testnet.h"

namespace pcntest {

Pcnd::Pcnd(const std::string &prefix) : state_("/tmp/" + prefix + "state") {}

Pcnd::~Pcnd() {
  client_.reset();
  if (daemon_) daemon_->stop();
  sh("rm -rf " + state_ + " " + state_ + ".pcn.in " + state_ + ".pcn.err");
}

bool Pcnd::start() {
  client_.reset();
  daemon_ = std::make_unique<DaemonProcess>(state_);
  if (!daemon_->start()) return false;
  url_ = daemon_->url();
  auto port = static_cast<uint16_t>(std::atoi(url_.c_str() + url_.rfind(':') + 1));
  client_ = std::make_unique<pcnrest::Client>(port, 120000);  // a 100k-rule batch takes seconds
  return true;
}

bool Pcnd::stop() {
  client_.reset();
  bool clean = daemon_ && daemon_->stop();
  daemon_.reset();
  return clean;
}

bool Pcnd::terminate() {
  client_.reset();
  return daemon_ && daemon_->terminate();  // kept: the destructor tears down
}

void Pcnd::kill9() {
  // The client stays: a test may kill the daemon while another of its
  // threads is inside rest() (that request then fails, status 0). The next
  // start() replaces it, after the test has joined such threads.
  // The object stays, so that the destructor tears the data plane down if
  // no start() comes.
  if (daemon_) daemon_->kill9();
}

RestReply Pcnd::raw(const std::string &method, const std::string &target, const std::string &body) {
  if (!client_) return {};
  pcnrest::Response r = client_->request(method, target, body);
  // A kept-alive connection the daemon closed while the test was busy
  // elsewhere fails before any answer; the client reconnects on the retry.
  if (r.status == 0) r = client_->request(method, target, body);
  return {r.status, r.body};
}

RestReply Pcnd::rest(const std::string &method, const std::string &path, const std::string &body) {
  return raw(method, "/restconf/data" + path, body);
}

PcnRun Pcnd::pcn(const std::string &args, const std::string &input) {
  std::string in = "/dev/null", err = state_ + ".pcn.err";
  if (!input.empty()) {
    in = state_ + ".pcn.in";
    FILE *f = std::fopen(in.c_str(), "w");
    if (f) {
      std::fwrite(input.data(), 1, input.size(), f);
      std::fclose(f);
    }
  }
  std::string out = sh_out("PCN_URL=" + url_ + " " PCN_BUILD_DIR "/bin/pcn " + args + " <" + in + " 2>" + err +
                           "; echo \"rc=$?\"");
  auto pos = out.rfind("rc=");
  PcnRun r;
  r.rc = pos == std::string::npos ? -1 : std::atoi(out.c_str() + pos + 3);
  r.out = pos == std::string::npos ? out : out.substr(0, pos);
  r.err = sh_out("cat " + err);
  return r;
}

}  // namespace pcntest
