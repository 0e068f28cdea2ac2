// The daemon's other transports, checked with the real tools:
//   - HTTPS (--tls-cert/--tls-key/--tls-client-ca): openssl s_client sees
//     TLS 1.3 and a verified chain, curl --tls-max 1.1 is refused, a client
//     certificate authenticates its subject CN (role from its cert: line,
//     viewer without one), one from another CA fails the handshake, a
//     bearer token works over TLS, pcn --cacert verifies the daemon;
//   - a non-loopback address is accepted with TLS and authentication;
//   - the unix socket (--unix): mode 0660, SO_PEERCRED maps the peer's uid
//     to a role (uid: line, root admin, others operator), pcn --url unix:;
//   - systemd: the daemon tells $NOTIFY_SOCKET READY=1, RELOADING=1 on
//     SIGHUP and STOPPING=1; systemd-analyze verify accepts the unit.
// Certificates are made by the openssl command for each test.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <memory>

#include "daemon_process.h"
#include "testnet.h"

using namespace pcntest;

namespace {

class DaemonTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = "/tmp/pt" + std::to_string(getpid()) + "-tls";
    std::filesystem::create_directories(dir);
    // A CA, the daemon's certificate for 127.0.0.1, client certificates
    // for carol (operator by her cert: line) and dave (no line: viewer),
    // and mallory's from a CA the daemon does not trust.
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    std::string script = "set -e; cd " + dir + "\n" +
                         "openssl req -x509" + ec + "-keyout ca.key -out ca.pem -days 2 -subj /CN=pt-ca\n" +
                         "openssl req -x509" + ec + "-keyout evil.key -out evil.pem -days 2 -subj /CN=pt-evil\n" +
                         "printf 'subjectAltName=IP:127.0.0.1\\n' > san\n";
    for (auto [name, ca, cn] : {std::tuple{"srv", "ca", "localhost"}, std::tuple{"carol", "ca", "carol"},
                                std::tuple{"dave", "ca", "dave"}, std::tuple{"mallory", "evil", "carol"}}) {
      script += "openssl req" + ec + "-keyout " + name + ".key -out " + name + ".csr -subj /CN=" + cn + "\n";
      script += std::string("openssl x509 -req -in ") + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
                ".key -CAcreateserial -out " + name + ".pem -days 2" + (std::string(name) == "srv" ? " -extfile san" : "") +
                "\n";
    }
    ASSERT_EQ(sh("( " + script + " ) >/dev/null 2>&1"), 0) << "openssl could not make the test certificates";
    token = "tls-admin-token";
    std::ofstream(dir + "/tokens") << "cert:carol carol operator\nsha256:"
                                   << sh_out("printf %s " + token + " | sha256sum | cut -d' ' -f1")
                                   << " ada admin\nuid:65534 nobody viewer\n";
  }
  void TearDown() override {
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void start(std::vector<std::string> extra) {
    daemon = std::make_unique<DaemonProcess>(dir + "/state", extra);
    ASSERT_TRUE(daemon->start());
    port = daemon->url().substr(daemon->url().rfind(':') + 1);
  }
  // curl's status code for a request (000: no HTTP answer).
  std::string curl(const std::string &args, const std::string &target) {
    return sh_out("curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert " + dir + "/ca.pem " + args +
                  " https://127.0.0.1:" + port + target);
  }
  std::string client_cert(const std::string &who) {
    return "--cert " + dir + "/" + who + ".pem --key " + dir + "/" + who + ".key";
  }

  std::string dir, port, token;
  std::unique_ptr<DaemonProcess> daemon;
};

const std::string kCreate =
    "-X POST -H 'Content-Type: application/yang-data+json' -d '{\"simplebridge:simplebridge\":[{\"name\":\"tl1\"}]}'";

TEST_F(DaemonTls, HttpsWithClientCertificatesAndTokens) {
  start({"--tls-cert", dir + "/srv.pem", "--tls-key", dir + "/srv.key", "--tls-client-ca", dir + "/ca.pem",
         "--tokens", dir + "/tokens"});
  std::string hello = sh_out("echo | openssl s_client -connect 127.0.0.1:" + port + " -CAfile " + dir +
                             "/ca.pem 2>/dev/null");
  EXPECT_NE(hello.find("TLSv1.3"), std::string::npos) << hello;
  EXPECT_NE(hello.find("Verify return code: 0 (ok)"), std::string::npos) << hello;
  std::string tls12 = sh_out("echo | openssl s_client -tls1_2 -connect 127.0.0.1:" + port + " -CAfile " + dir +
                             "/ca.pem 2>/dev/null");
  EXPECT_NE(tls12.find("TLSv1.2"), std::string::npos) << "TLS 1.2 is still served";
  EXPECT_EQ(curl("--tls-max 1.1", "/healthz"), "000") << "TLS 1.1 must be refused";
  EXPECT_EQ(sh_out("curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:" + port + "/healthz"),
            "000")
      << "no plain HTTP on the TLS port";

  const std::string cubes = "/restconf/data/polycube:cubes";
  EXPECT_EQ(curl("", cubes), "401");                                      // TLS, no credentials
  EXPECT_EQ(curl(client_cert("carol"), cubes), "200");                    // operator by certificate
  EXPECT_EQ(curl(client_cert("carol") + " " + kCreate, "/restconf/data"), "201");
  EXPECT_EQ(curl(client_cert("dave"), cubes), "200");                     // no cert: line: viewer
  EXPECT_EQ(curl(client_cert("dave") + " -X DELETE", "/restconf/data/simplebridge:simplebridge=tl1"), "403");
  EXPECT_EQ(curl(client_cert("mallory"), cubes), "000") << "a certificate of another CA fails the handshake";
  EXPECT_EQ(curl("-H 'Authorization: Bearer " + token + "' -X DELETE", "/restconf/data/simplebridge:simplebridge=tl1"),
            "204");
  std::string audit = sh_out("cat " + dir + "/state/audit.log");
  EXPECT_NE(audit.find(R"("auth":"certificate")"), std::string::npos) << audit;
  EXPECT_NE(audit.find(R"("user":"carol")"), std::string::npos) << audit;

  // pcn verifies the daemon's certificate against --cacert / PCN_CACERT.
  const std::string pcn = "PCN_URL=https://127.0.0.1:" + port + " " PCN_BUILD_DIR "/bin/pcn --token " + token + " ";
  EXPECT_EQ(sh(pcn + "--cacert " + dir + "/ca.pem cubes >/dev/null 2>&1"), 0);
  EXPECT_EQ(sh("PCN_CACERT=" + dir + "/ca.pem " + pcn + "cubes >/dev/null 2>&1"), 0);
  std::string untrusted = sh_out(pcn + "cubes 2>&1");
  EXPECT_NE(untrusted.find("--cacert"), std::string::npos) << untrusted;
  std::string wrong_ca = sh_out(pcn + "--cacert " + dir + "/evil.pem cubes 2>&1");
  EXPECT_NE(wrong_ca.find("certificate not trusted"), std::string::npos) << wrong_ca;

  // pcn with a client certificate: its subject is the user, with the role
  // of its cert: line (carol: operator; dave: viewer), audited as such.
  const std::string pcn_cert = "PCN_URL=https://127.0.0.1:" + port + " " PCN_BUILD_DIR "/bin/pcn --cacert " + dir +
                               "/ca.pem ";
  auto as = [&](const std::string &who) { return pcn_cert + "--cert " + dir + "/" + who + ".pem --key " + dir + "/" + who + ".key "; };
  EXPECT_EQ(sh(as("carol") + "simplebridge add tl2 >/dev/null 2>&1"), 0);
  EXPECT_NE(sh_out(as("dave") + "cubes 2>&1").find("tl2"), std::string::npos);
  std::string denied = sh_out(as("dave") + "simplebridge del tl2 2>&1; echo rc=$?");
  EXPECT_NE(denied.find("rc=1"), std::string::npos) << denied;
  EXPECT_NE(sh_out(as("carol") + "cubes 2>&1").find("tl2"), std::string::npos) << "the viewer's delete changed nothing";
  audit = sh_out("cat " + dir + "/state/audit.log");
  EXPECT_NE(audit.find(R"("user":"carol")"), std::string::npos) << audit;
  EXPECT_NE(audit.find(R"("user":"dave")"), std::string::npos) << "the denied attempt is audited: " << audit;
  EXPECT_EQ(sh(as("carol") + "simplebridge del tl2 >/dev/null 2>&1"), 0);
  // A certificate from another CA fails the handshake, with a clear error.
  std::string refused = sh_out(as("mallory") + "cubes 2>&1; echo rc=$?");
  EXPECT_NE(refused.find("TLS with polycubed"), std::string::npos) << refused;
  EXPECT_NE(refused.find("rc=1"), std::string::npos) << refused;
  // Bad input: a key that is not the certificate's, a missing file, half a pair.
  std::string mismatch = sh_out(pcn_cert + "--cert " + dir + "/carol.pem --key " + dir + "/dave.key cubes 2>&1");
  EXPECT_NE(mismatch.find("cannot use --key"), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("mismatch"), std::string::npos) << mismatch;
  std::string missing = sh_out(pcn_cert + "--cert " + dir + "/nope.pem --key " + dir + "/dave.key cubes 2>&1");
  EXPECT_NE(missing.find("cannot use --cert"), std::string::npos) << missing;
  std::string half = sh_out(pcn_cert + "--cert " + dir + "/carol.pem cubes 2>&1; echo rc=$?");
  EXPECT_NE(half.find("--cert needs --key"), std::string::npos) << half;
  EXPECT_EQ(half.find("rc=0"), std::string::npos) << half;
}

TEST_F(DaemonTls, NonLoopbackWithTlsAndTokensStarts) {
  start({"--addr", "0.0.0.0", "--tls-cert", dir + "/srv.pem", "--tls-key", dir + "/srv.key", "--tokens",
         dir + "/tokens"});
  EXPECT_EQ(curl("-H 'Authorization: Bearer " + token + "'", "/restconf/data/polycube:cubes"), "200");
  // Files that are not a certificate or a key stop the start.
  std::string bad = sh_out(PCN_BUILD_DIR "/bin/polycubed --port 0 --state-dir " + dir + "/x --tls-cert " + dir +
                           "/tokens --tls-key " + dir + "/srv.key 2>&1; echo rc=$?");
  EXPECT_NE(bad.find(dir + "/tokens"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("rc=0"), std::string::npos) << bad;
  std::string half = sh_out(PCN_BUILD_DIR "/bin/polycubed --port 0 --tls-cert " + dir + "/srv.pem 2>&1; echo rc=$?");
  EXPECT_NE(half.find("go together"), std::string::npos) << half;
}

TEST_F(DaemonTls, UnixSocketPeerCredentialsGiveTheRole) {
  const std::string sock = dir + "/api.sock";
  start({"--unix", sock, "--tokens", dir + "/tokens"});
  struct stat st {};
  ASSERT_EQ(stat(sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto as = [&](const std::string &user, const std::string &args, const std::string &target) {
    std::string run = user == "root" ? "" : "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    return sh_out(run + "curl -s -o /dev/null -w '%{http_code}' --max-time 5 --unix-socket " + sock + " " + args +
                  " http://localhost" + target);
  };
  const std::string cubes = "/restconf/data/polycube:cubes";
  EXPECT_EQ(as("root", "", cubes), "200");
  EXPECT_EQ(as("root", kCreate, "/restconf/data"), "201");  // root: admin, no token
  EXPECT_EQ(as("nobody", "", cubes), "000") << "0660 keeps other users out";
  chmod(dir.c_str(), 0755);
  chmod(sock.c_str(), 0666);  // let nobody in: its uid: line makes it a viewer
  EXPECT_EQ(as("nobody", "", cubes), "200");
  EXPECT_EQ(as("nobody", "-X DELETE", "/restconf/data/simplebridge:simplebridge=tl1"), "403");
  EXPECT_EQ(sh("PCN_URL=unix:" + sock + " " PCN_BUILD_DIR "/bin/pcn simplebridge del tl1 >/dev/null 2>&1"), 0);
  std::string audit = sh_out("cat " + dir + "/state/audit.log");
  EXPECT_NE(audit.find(R"("auth":"peer-credentials")"), std::string::npos) << audit;
  EXPECT_NE(audit.find(R"("user":"nobody")"), std::string::npos) << audit;
  EXPECT_TRUE(daemon->stop());
  daemon.reset();
  EXPECT_FALSE(std::filesystem::exists(sock)) << "the socket file is removed at stop";
}

// What systemd's Type=notify would read: the messages on $NOTIFY_SOCKET.
TEST_F(DaemonTls, SystemdNotifyAndUnitFile) {
  const std::string path = dir + "/notify.sock";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)), 0);
  auto next_message = [&]() {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return std::string("(nothing within 5 s)");
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  };
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  start({});
  unsetenv("NOTIFY_SOCKET");
  std::string ready = next_message();
  EXPECT_EQ(ready.rfind("READY=1\n", 0), 0u) << ready;
  EXPECT_NE(ready.find("MAINPID=" + std::to_string(daemon->pid())), std::string::npos) << ready;
  kill(daemon->pid(), SIGHUP);
  EXPECT_EQ(next_message(), "RELOADING=1");
  EXPECT_EQ(next_message(), "READY=1");
  EXPECT_TRUE(daemon->stop());
  daemon.reset();
  EXPECT_EQ(next_message(), "STOPPING=1");
  close(fd);
  // The unit as cmake --install writes it, pointing at this build.
  ASSERT_EQ(sh("sed 's|@CMAKE_INSTALL_FULL_BINDIR@|" PCN_BUILD_DIR "/bin|' " PCN_SOURCE_DIR
               "/polycubed/systemd/polycubed.service.in > " + dir + "/polycubed.service"),
            0);
  EXPECT_EQ(sh("systemd-analyze verify " + dir + "/polycubed.service"), 0)
      << sh_out("systemd-analyze verify " + dir + "/polycubed.service 2>&1");
}

}  // namespace
