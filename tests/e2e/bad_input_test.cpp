// The bad-input table: a real polycubed (its own process, state directory
// and pin root) holding a small topology in test namespaces,
//
//   ns a --- p1 [simplebridge br1] up ==== up [simplebridge br2] p1 --- ns b
//            ^ t1 (transparenthelloworld, attached)
//   hw1 (helloworld, ports in/out unlinked), t2 (transparent, not attached)
//
// gets one bad request after another. Each must answer its status with an
// RFC 8040 error body ({"ietf-restconf:errors":{"error":[{error-type,
// error-tag, error-message}]}} as application/yang-data+json) carrying the
// expected error-tag, and must change nothing: the configuration, the
// runtime view (polycube:cubes, with the kernel program ids of the loaded
// blocks, ports and peers; polycube:topology), the tree of objects the
// daemon pinned and the TC filters (program ids) on the veths are compared
// before and after every request. At the end the
// daemon is still up and traffic still crosses both bridges without loss.
//
// A second test walks the verbs (GET, POST, PUT, PATCH, DELETE, operations)
// through their success and error statuses.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "../../scripts/bench/rest_client.h"  // the loopback HTTP client the REST benchmark uses too
#include "daemon_process.h"
#include "testnet.h"
#include "udpflow.h"

using namespace pcntest;
using nlohmann::json;

namespace {

constexpr size_t kServerBodyLimit = 16u << 20;  // polycubed's body limit (http_request.h)

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.12.0.1/24");
    vb = net.add_host("b", "vb", "10.12.0.2/24");
    state_dir = "/tmp/" + net.prefix() + "state";
    // The daemon's own bpffs root: its pins are the only ones in there, so
    // the before/after listing sees nothing of this process's or other
    // runs' objects. The daemon takes it from the environment.
    pin_root = "/sys/fs/bpf/" + net.prefix() + "daemon";
    const char *inherited = std::getenv("PCN_PIN_ROOT");
    const std::string saved = inherited ? inherited : "";
    setenv("PCN_PIN_ROOT", pin_root.c_str(), 1);
    daemon = std::make_unique<DaemonProcess>(state_dir);
    bool started = daemon->start();
    if (inherited) setenv("PCN_PIN_ROOT", saved.c_str(), 1);
    else unsetenv("PCN_PIN_ROOT");
    ASSERT_TRUE(started) << "polycubed did not start";
    port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
    client = std::make_unique<pcnrest::Client>(port);
  }
  void TearDown() override {
    client.reset();
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    daemon.reset();
    std::error_code ec;
    std::filesystem::remove_all(pin_root, ec);
    std::filesystem::remove_all(state_dir, ec);
    // The runtime's lock file, named after the pin root (see runtime.cpp).
    std::string lock = pin_root;
    for (auto &ch : lock)
      if (ch == '/') ch = '_';
    std::filesystem::remove("/run/lock/polycube" + lock + ".lock", ec);
  }

  pcnrest::Response rest(const std::string &method, const std::string &target, const std::string &body = "") {
    return client->request(method, target, body);
  }
  pcnrest::Response op(const std::string &name, const std::string &body) {
    return rest("POST", "/restconf/operations/polycube:" + name, body);
  }

  // The baseline topology, built through the API itself.
  void build_topology() {
    json create = {
        {"simplebridge:simplebridge",
         {{{"name", "br1"}, {"ports", {{{"name", "p1"}, {"peer", va}}, {{"name", "up"}, {"peer", "br2:up"}}}}},
          {{"name", "br2"}, {"ports", {{{"name", "p1"}, {"peer", vb}}, {{"name", "up"}, {"peer", "br1:up"}}}}}}},
        {"helloworld:helloworld", {{{"name", "hw1"}, {"action", "FORWARD"}, {"ports", {{{"name", "in"}}, {{"name", "out"}}}}}}},
        {"transparenthelloworld:transparenthelloworld", {{{"name", "t1"}}, {{"name", "t2"}}}},
    };
    auto r = rest("POST", "/restconf/data", create.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    r = op("attach", R"({"polycube:input":{"cube":"t1","port":"br1:p1","position":"first"}})");
    ASSERT_EQ(r.status, 204) << r.body;
  }

  // Everything a bad request must leave as it was.
  struct Snapshot {
    std::string config, cubes, topology, hooks;  // answers: "<status> <body>"
    std::set<std::string> pins;
    bool operator==(const Snapshot &) const = default;
  };
  Snapshot snapshot() {
    auto get = [&](const std::string &target) {
      auto r = rest("GET", target);
      return std::to_string(r.status) + " " + r.body;
    };
    Snapshot s;
    s.config = get("/restconf/data?content=config");
    s.cubes = get("/restconf/data/polycube:cubes");
    s.topology = get("/restconf/data/polycube:topology");
    for (const auto &dev : {va, vb}) s.hooks += sh_out("tc filter show dev " + dev + " ingress") + "\n";
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(pin_root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      s.pins.insert(it->path().string().substr(pin_root.size()));
    return s;
  }
  static std::string diff(const Snapshot &a, const Snapshot &b) {
    std::string out;
    if (a.config != b.config) out += "\n config before: " + a.config + "\n config after:  " + b.config;
    if (a.cubes != b.cubes) out += "\n cubes before: " + a.cubes + "\n cubes after:  " + b.cubes;
    if (a.topology != b.topology) out += "\n topology before: " + a.topology + "\n topology after:  " + b.topology;
    if (a.hooks != b.hooks) out += "\n tc filters before: " + a.hooks + "\n tc filters after:  " + b.hooks;
    for (const auto &p : a.pins)
      if (!b.pins.count(p)) out += "\n pin gone: " + p;
    for (const auto &p : b.pins)
      if (!a.pins.count(p)) out += "\n pin new: " + p;
    return out;
  }

  // An RFC 8040 error body with `tag` as the first error's error-tag; ""
  // if it is one, else what is wrong with it.
  static std::string check_error_body(const pcnrest::Response &r, const std::string &tag) {
    if (r.content_type.rfind("application/yang-data+json", 0) != 0)
      return "content type '" + r.content_type + "', not application/yang-data+json";
    auto doc = json::parse(r.body, nullptr, false);
    if (!doc.is_object() || doc.size() != 1 || !doc.contains("ietf-restconf:errors"))
      return "not an ietf-restconf:errors document";
    const auto &errors = doc["ietf-restconf:errors"];
    if (!errors.is_object() || !errors.contains("error") || !errors["error"].is_array() || errors["error"].empty())
      return "no error list";
    static const std::set<std::string> types = {"transport", "rpc", "protocol", "application"};
    for (const auto &e : errors["error"]) {
      if (!e.is_object()) return "an error is not an object";
      if (!e.contains("error-type") || !e["error-type"].is_string() || !types.count(e["error-type"]))
        return "bad or missing error-type";
      if (!e.contains("error-tag") || !e["error-tag"].is_string()) return "missing error-tag";
      if (!e.contains("error-message") || !e["error-message"].is_string() ||
          e["error-message"].get<std::string>().empty())
        return "missing error-message";
    }
    if (errors["error"][0]["error-tag"] != tag) return "error-tag " + errors["error"][0]["error-tag"].dump();
    return "";
  }

  bool ping() { return net.in("a", "ping -c 3 -i 0.3 -W 1 -q 10.12.0.2 >/dev/null") == 0; }

  TestNet net;
  std::string va, vb, state_dir, pin_root;
  uint16_t port = 0;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<pcnrest::Client> client;
};

struct Case {
  const char *what, *method;
  std::string target, body;
  int status;
  const char *tag;
  bool rfc_body = true;  // the answer is an RFC 8040 error document
};

std::string sb(const std::string &inst) { return R"({"simplebridge:simplebridge":[)" + inst + "]}"; }
std::string hw(const std::string &inst) { return R"({"helloworld:helloworld":[)" + inst + "]}"; }

TEST_F(BadInput, EveryBadRequestGetsItsErrorAndChangesNothing) {
  build_topology();
  ASSERT_TRUE(ping()) << "no traffic through the baseline topology";
  const std::string D = "/restconf/data", B1 = D + "/simplebridge:simplebridge=br1";
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string huge = sb(R"({"name":"big","ports":[{"name":"p","peer":")" + std::string(kServerBodyLimit + 4096, 'x') + "\"}]}");
  const Case cases[] = {
      // Syntax of the body.
      // Not JSON at all: RFC 8040's malformed-message, on every verb.
      {"malformed JSON", "POST", D, R"({"simplebridge:simplebridge":[{"name":"br3",})", 400, "malformed-message"},
      {"truncated JSON", "PATCH", B1, R"({"simplebridge:simplebridge":[{"name":"br1","fdb":{"aging-time":4)", 400,
       "malformed-message"},
      {"not JSON at all (PUT)", "PUT", D + "/simplebridge:simplebridge=br3", "hello", 400, "malformed-message"},
      {"empty body on POST", "POST", D, "", 400, "malformed-message"},
      // Bytes that are not UTF-8, quoted by the parser's message: 500 before
      // (the error document could not print them).
      {"a body that is not UTF-8", "POST", D, "\xff{", 400, "malformed-message"},
      {"a string that is not UTF-8", "POST", D, sb("{\"name\":\"br\xe2\x82\"}"), 400, "malformed-message"},
      {"empty body on PATCH", "PATCH", B1, "", 400, "malformed-message"},
      {"empty JSON object on POST", "POST", D, "{}", 400, "invalid-value"},
      // Refused by the transport from its Content-Length, with an RFC 8040 body.
      {"huge body", "POST", D, huge, 413, "too-big"},
      // Nested 100,000 deep (200 KB): refused while parsing (it crashed the daemon before).
      {"body nested 100,000 deep", "POST", D, sb(R"({"name":"br3","ports":)" + deep + "}"), 400, "malformed-message"},
      {"action input nested 100,000 deep", "POST", B1 + "/fdb/flush", R"({"simplebridge:input":)" + deep + "}", 400,
       "malformed-message"},
      // Two readings of one body: a member twice, an entry twice.
      {"one member twice", "POST", D, R"({"helloworld:helloworld":[{"name":"d1"}],"helloworld:helloworld":[{"name":"d2"}]})",
       400, "malformed-message"},
      {"one list entry twice", "POST", D, hw(R"({"name":"d1"},{"name":"d1","action":"DROP"})"), 400, "invalid-value"},
      {"one port entry twice", "PATCH", B1, sb(R"({"name":"br1","ports":[{"name":"p9"},{"name":"p9"}]})"), 400,
       "invalid-value"},
      {"the key member twice", "POST", D, hw(R"({"name":"d1","name":"d1"})"), 400, "malformed-message"},
      // Values against the schema.
      {"wrong JSON type for a leaf", "PATCH", B1, sb(R"({"name":"br1","fdb":{"aging-time":"soon"}})"), 400,
       "invalid-value"},
      {"object where a list goes", "POST", D, R"({"simplebridge:simplebridge":{"name":"br3"}})", 400, "invalid-value"},
      {"integer out of range (0)", "PATCH", B1, sb(R"({"name":"br1","fdb":{"aging-time":0}})"), 400, "invalid-value"},
      {"integer out of range (2^32)", "PATCH", B1, sb(R"({"name":"br1","fdb":{"aging-time":4294967296}})"), 400,
       "invalid-value"},
      {"enum value not in the enum", "PATCH", D + "/helloworld:helloworld=hw1", hw(R"({"name":"hw1","action":"FLY"})"),
       400, "invalid-value"},
      {"loglevel not in the enum", "PATCH", B1, sb(R"({"name":"br1","loglevel":"LOUD"})"), 400, "invalid-value"},
      {"cube name pattern: leading '-'", "POST", D, sb(R"({"name":"-br3"})"), 400, "invalid-value"},
      {"cube name pattern: space", "POST", D, hw(R"({"name":"h w"})"), 400, "invalid-value"},
      {"cube name longer than 64", "POST", D, hw(R"({"name":")" + std::string(65, 'h') + "\"}"), 400, "invalid-value"},
      {"port name pattern: '/'", "PATCH", B1, sb(R"({"name":"br1","ports":[{"name":"p/2"}]})"), 400, "invalid-value"},
      {"unknown leaf", "PATCH", B1, sb(R"({"name":"br1","colour":"blue"})"), 400, "unknown-element"},
      {"unknown module", "POST", D, R"({"nosuchmodule:nosuchmodule":[{"name":"r1"}]})", 400, "invalid-value"},
      {"missing list key", "POST", D, hw(R"({"action":"DROP"})"), 400, "invalid-value"},
      {"config false data in a write", "PATCH", B1,
       sb(R"({"name":"br1","fdb":{"entry":[{"address":"00:00:00:00:00:01","port":"p1"}]}})"), 400, "invalid-value"},
      {"polycube:cubes (config false) in a POST", "POST", D, R"({"polycube:cubes":{"cube":[{"name":"x"}]}})", 400,
       "invalid-value"},
      {"too many ports (helloworld max 2)", "PATCH", D + "/helloworld:helloworld=hw1",
       hw(R"({"name":"hw1","ports":[{"name":"third"}]})"), 400, "invalid-value"},
      {"type of an existing cube", "PATCH", D + "/helloworld:helloworld=hw1", hw(R"({"name":"hw1","type":"XDP_SKB"})"),
       400, "invalid-value"},
      // Keys and targets.
      {"PUT: key in URL != key in body", "PUT", B1, sb(R"({"name":"br9"})"), 400, "invalid-value"},
      {"PUT: body of another module", "PUT", B1, hw(R"({"name":"br1"})"), 400, "invalid-value"},
      {"PUT below a cube, body names another node", "PUT", B1 + "/fdb", R"({"simplebridge:ports":[{"name":"x"}]})",
       400, "invalid-value"},
      {"PUT of a port, key in URL != key in body", "PUT", B1 + "/ports=p1", R"({"simplebridge:ports":[{"name":"p9"}]})",
       400, "invalid-value"},
      {"PATCH of an absent port", "PATCH", B1 + "/ports=p9", R"({"simplebridge:ports":[{"name":"p9"}]})", 404,
       "invalid-value"},
      {"POST of a port that exists", "POST", B1, R"({"simplebridge:ports":[{"name":"p1"}]})", 409, "data-exists"},
      {"POST of a child the schema lacks", "POST", B1, R"({"simplebridge:colour":"red"})", 400, "invalid-value"},
      {"POST below an absent cube", "POST", D + "/simplebridge:simplebridge=ghost", R"({"simplebridge:ports":[{"name":"a"}]})",
       404, "invalid-value"},
      {"PATCH: key in URL != key in body", "PATCH", B1, sb(R"({"name":"br2","fdb":{"aging-time":9}})"), 400,
       "invalid-value"},
      {"GET unknown cube", "GET", D + "/helloworld:helloworld=ghost", "", 404, "invalid-value"},
      {"PATCH unknown cube", "PATCH", D + "/helloworld:helloworld=ghost", hw(R"({"name":"ghost","action":"DROP"})"),
       404, "invalid-value"},
      {"DELETE unknown cube", "DELETE", D + "/helloworld:helloworld=ghost", "", 404, "invalid-value"},
      {"GET unknown port", "GET", B1 + "/ports=nope", "", 404, "invalid-value"},
      {"DELETE unknown port", "DELETE", B1 + "/ports=nope", "", 404, "invalid-value"},
      {"unknown node in the URL", "GET", B1 + "/colour", "", 400, "unknown-element"},
      {"wrong key count in the URL", "GET", D + "/simplebridge:simplebridge=a,b", "", 400, "invalid-value"},
      {"bad percent-encoding %zz", "GET", D + "/simplebridge:simplebridge=br%zz", "", 400, "invalid-value"},
      {"truncated percent-encoding %4", "DELETE", D + "/simplebridge:simplebridge=br%4", "", 400, "invalid-value"},
      {"GET of an unknown framework resource", "GET", D + "/polycube:nothing", "", 404, "invalid-value"},
      // Names, peers and links.
      {"duplicate cube name (same service)", "POST", D, sb(R"({"name":"br1"})"), 409, "data-exists"},
      {"duplicate cube name (other service)", "POST", D, hw(R"({"name":"br2"})"), 409, "data-exists"},
      {"duplicate cube name in one body", "POST", D,
       R"({"helloworld:helloworld":[{"name":"twin"}],"transparenthelloworld:transparenthelloworld":[{"name":"twin"}]})",
       409, "data-exists"},
      {"peer is a nonexistent netdev", "POST", D, sb(R"({"name":"br3","ports":[{"name":"p","peer":"nope-dev0"}]})"),
       404, "invalid-value"},
      {"peer used by another port (new cube)", "POST", D,
       sb(R"({"name":"br3","ports":[{"name":"p","peer":")" + va + "\"}]}"), 409, "in-use"},
      {"peer used by another port (existing cube)", "PATCH", D + "/simplebridge:simplebridge=br2",
       sb(R"({"name":"br2","ports":[{"name":"p9","peer":")" + va + "\"}]}"), 409, "in-use"},
      {"cube peer connected to a third port", "PATCH", D + "/helloworld:helloworld=hw1",
       hw(R"({"name":"hw1","ports":[{"name":"in","peer":"br2:up"}]})"), 409, "in-use"},
      {"delete a cube connected to another", "DELETE", D + "/simplebridge:simplebridge=br2", "", 409, "in-use"},
      {"delete a port connected to another cube", "DELETE", B1 + "/ports=up", "", 409, "in-use"},
      // Operations.
      {"connect a port already connected", "POST", "/restconf/operations/polycube:connect",
       R"({"polycube:input":{"peer1":"br1:up","peer2":"hw1:in"}})", 409, "in-use"},
      {"connect to an unknown port", "POST", "/restconf/operations/polycube:connect",
       R"({"polycube:input":{"peer1":"hw1:in","peer2":"br9:p1"}})", 404, "invalid-value"},
      {"disconnect ports not connected", "POST", "/restconf/operations/polycube:disconnect",
       R"({"polycube:input":{"peer1":"hw1:in","peer2":"hw1:out"}})", 400, "invalid-value"},
      {"connect with missing input", "POST", "/restconf/operations/polycube:connect",
       R"({"polycube:input":{"peer1":"hw1:in"}})", 400, "missing-element"},
      {"connect without a body", "POST", "/restconf/operations/polycube:connect", "", 400, "invalid-value"},
      {"RPC input of the wrong type", "POST", "/restconf/operations/polycube:connect",
       R"({"polycube:input":{"peer1":["hw1:in"],"peer2":7}})", 400, "invalid-value"},
      {"RPC input with an unknown leaf", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"t2","port":"br2:p1","speed":9}})", 400, "unknown-element"},
      {"attach position not in the pattern", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"t2","port":"br2:p1","position":"middle"}})", 400, "invalid-value"},
      {"unknown RPC", "POST", "/restconf/operations/polycube:teleport", R"({"polycube:input":{}})", 404,
       "invalid-value"},
      {"attach to an unknown port", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"t2","port":"br1:nope"}})", 404, "invalid-value"},
      {"attach to an unknown netdev", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"t2","port":"nope-dev0"}})", 404, "invalid-value"},
      {"attach an unknown cube", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"ghost","port":"br1:p1"}})", 404, "invalid-value"},
      {"attach a non-transparent cube", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"hw1","port":"br2:p1"}})", 400, "invalid-value"},
      {"attach a cube already attached", "POST", "/restconf/operations/polycube:attach",
       R"({"polycube:input":{"cube":"t1","port":"br2:p1"}})", 409, "in-use"},
      {"detach from where it is not attached", "POST", "/restconf/operations/polycube:detach",
       R"({"polycube:input":{"cube":"t1","port":"br2:p1"}})", 400, "invalid-value"},
      {"action on an unknown cube", "POST", D + "/simplebridge:simplebridge=ghost/fdb/flush", "", 404, "invalid-value"},
      {"unknown action", "POST", B1 + "/fdb/explode", "", 404, "invalid-value"},
      {"action input with an unknown leaf", "POST", B1 + "/fdb/flush", R"({"simplebridge:input":{"all":true}})", 400,
       "unknown-element"},
      // Methods and query parameters.
      {"PUT on /metrics", "PUT", "/metrics", "x", 405, "operation-not-supported"},
      {"DELETE of the whole datastore", "DELETE", D, "", 405, "operation-not-supported"},
      {"POST to a read-only framework resource", "POST", D + "/polycube:cubes", "{}", 405, "operation-not-supported"},
      {"GET on an operation", "GET", "/restconf/operations/polycube:connect", "", 405, "operation-not-supported"},
      {"unsupported query parameter", "GET", D + "?with-defaults=report-all", "", 400, "invalid-value"},
      {"content=everything", "GET", D + "?content=everything", "", 400, "invalid-value"},
      {"query parameter given twice", "GET", D + "?depth=1&depth=2", "", 400, "invalid-value"},
      {"fields naming an unknown node", "GET", B1 + "?fields=colour", "", 400, "invalid-value"},
      {"fields with an empty term", "GET", D + "?fields=ports;;name", "", 400, "invalid-value"},
      {"depth=0", "GET", D + "?depth=0", "", 400, "invalid-value"},
      {"depth=abc", "GET", D + "?depth=abc", "", 400, "invalid-value"},
      {"fields with an unbalanced '('", "GET", D + "?fields=ports(name", "", 400, "invalid-value"},
      {"query parameter on a write", "PATCH", B1 + "?depth=1", sb(R"({"name":"br1","fdb":{"aging-time":9}})"), 400,
       "invalid-value"},
      {"bad daemon loglevel", "PATCH", D + "/polycube:daemon", R"({"polycube:daemon":{"loglevel":"LOUD"}})", 400,
       "invalid-value"},
  };
  ASSERT_GE(std::size(cases), 35u);

  const Snapshot baseline = snapshot();
  ASSERT_FALSE(baseline.pins.empty()) << "nothing pinned under " << pin_root;
  ASSERT_EQ(baseline.cubes.rfind("200 ", 0), 0u) << baseline.cubes;
  ASSERT_NE(baseline.cubes.find("prog-id"), std::string::npos) << baseline.cubes;
  ASSERT_NE(baseline.hooks.find(" id "), std::string::npos) << baseline.hooks;
  for (const auto &c : cases) {
    SCOPED_TRACE(c.what);
    // Against the state just before, so one case that does change something
    // is reported once, not by every case after it.
    const Snapshot before = snapshot();
    pcnrest::Response r = rest(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target.substr(0, 120) << "\n" << r.body.substr(0, 600);
    if (c.rfc_body) {
      EXPECT_EQ(check_error_body(r, c.tag), "") << r.body.substr(0, 600);
    }
    Snapshot after = snapshot();
    EXPECT_TRUE(after == before) << diff(before, after);
  }
  EXPECT_TRUE(snapshot() == baseline) << diff(baseline, snapshot());

  // Still alive, still forwarding: a clean UDP stream a -> b through
  // t1, br1 and br2.
  EXPECT_NE(sh_out("ss -Htlnp 'sport = :" + std::to_string(port) + "'").find("polycubed"), std::string::npos);
  EXPECT_EQ(rest("GET", "/restconf/data/polycube:cubes").status, 200);
  EXPECT_TRUE(ping());
  UdpFlow flow(net.ns("a"), net.ns("b"), "10.12.0.2", 7200, 500, 500);
  flow.start();
  flow.finish();
  EXPECT_EQ(flow.sent(), 500u);
  EXPECT_EQ(flow.received(), flow.sent());
}

// Each verb's success status, and the error classes of each, on the same
// topology; everything done is undone, so the configuration ends as it began.
TEST_F(BadInput, EachVerbAnswersItsRfc8040Status) {
  build_topology();
  const std::string D = "/restconf/data", HW2 = D + "/helloworld:helloworld=hw2";
  const std::string baseline = rest("GET", D + "?content=config").body;
  auto expect_error = [&](const pcnrest::Response &r, int status, const std::string &tag, const char *what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(check_error_body(r, tag), "") << what << ": " << r.body;
  };
  auto config_of = [&](const std::string &target) {
    return json::parse(rest("GET", target + "?content=config").body, nullptr, false);
  };

  // GET: 200 with a yang-data+json document; 400, 404.
  auto r = rest("GET", D);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("application/yang-data+json", 0), 0u) << r.content_type;
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_object()) << r.body;
  r = rest("GET", D + "/simplebridge:simplebridge=br1?depth=1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["simplebridge:simplebridge"][0].count("ports"), 0u) << r.body;
  r = rest("GET", D + "/simplebridge:simplebridge=br1?fields=ports/name");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["simplebridge:simplebridge"][0]["ports"][0].count("peer"), 0u) << r.body;
  expect_error(rest("GET", D + "?depth=-1"), 400, "invalid-value", "GET depth=-1");
  expect_error(rest("GET", HW2), 404, "invalid-value", "GET absent cube");

  // POST: 201 with no body; 409 when it exists, 400 when it is wrong.
  r = rest("POST", D, hw(R"({"name":"hw2","ports":[{"name":"a"},{"name":"b"}]})"));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.location, D + "/helloworld:helloworld=hw2");  // RFC 8040 4.4.1
  expect_error(rest("POST", D, hw(R"({"name":"hw2"})")), 409, "data-exists", "POST existing");
  expect_error(rest("POST", D, hw(R"({"name":"hw4","ports":[{"name":"a"},{"name":"b"},{"name":"c"}]})")), 400,
               "invalid-value", "POST three ports");
  EXPECT_EQ(rest("GET", D + "/helloworld:helloworld=hw4").status, 404);

  // PUT: 201 creates, 204 replaces (what the body leaves out goes back to
  // its default); 400 for a key mismatch.
  const std::string HW3 = D + "/helloworld:helloworld=hw3";
  r = rest("PUT", HW3, hw(R"({"name":"hw3","action":"FORWARD","loglevel":"DEBUG"})"));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.location, HW3);
  r = rest("PUT", HW3, hw(R"({"name":"hw3","action":"SLOWPATH"})"));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.body, "");
  auto hw3 = config_of(HW3)["helloworld:helloworld"][0];
  EXPECT_EQ(hw3["action"], "SLOWPATH") << hw3.dump();
  EXPECT_EQ(hw3.value("loglevel", "INFO"), "INFO") << hw3.dump();
  expect_error(rest("PUT", HW3, hw(R"({"name":"hw9"})")), 400, "invalid-value", "PUT key mismatch");

  // PATCH: 204 merges; 404 for an absent cube, 400 for a bad value.
  r = rest("PATCH", HW3, hw(R"({"action":"DROP"})"));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(config_of(HW3 + "/action")["helloworld:action"], "DROP");
  r = rest("PATCH", D, R"({"simplebridge:simplebridge":[{"name":"br2","fdb":{"aging-time":30}}]})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(config_of(D + "/simplebridge:simplebridge=br2/fdb/aging-time")["simplebridge:aging-time"], 30);
  r = rest("DELETE", D + "/simplebridge:simplebridge=br2/fdb/aging-time");  // back to the default
  EXPECT_EQ(r.status, 204) << r.body;
  expect_error(rest("PATCH", D + "/helloworld:helloworld=hw9", hw(R"({"action":"DROP"})")), 404, "invalid-value",
               "PATCH absent cube");
  expect_error(rest("PATCH", HW3, hw(R"({"action":1})")), 400, "invalid-value", "PATCH bad value");

  // Operations: 204; connect/disconnect and attach/detach, with their 409s.
  auto o = op("connect", R"({"polycube:input":{"peer1":"hw1:in","peer2":"hw2:a"}})");
  EXPECT_EQ(o.status, 204) << o.body;
  EXPECT_NE(rest("GET", D + "/polycube:topology").body.find(R"("from":"hw1:in","kind":"cube","to":"hw2:a")"),
            std::string::npos);
  expect_error(op("connect", R"({"polycube:input":{"peer1":"hw2:a","peer2":"hw1:out"}})"), 409, "in-use",
               "connect taken port");
  expect_error(rest("DELETE", HW2), 409, "in-use", "DELETE connected cube");
  EXPECT_EQ(op("disconnect", R"({"polycube:input":{"peer1":"hw2:a","peer2":"hw1:in"}})").status, 204);
  EXPECT_EQ(op("attach", R"({"polycube:input":{"cube":"t2","port":"hw2:b"}})").status, 204);
  EXPECT_EQ(op("detach", R"({"polycube:input":{"cube":"t2","port":"hw2:b"}})").status, 204);
  expect_error(op("detach", R"({"polycube:input":{"cube":"t2","port":"hw2:b"}})"), 400, "invalid-value",
               "detach twice");
  EXPECT_EQ(op("attach", R"({"polycube:input":{"cube":"t2","port":"hw2:b"}})").status, 204);

  // DELETE: 204 (t2, on one of its ports, is detached and stays), then 404.
  r = rest("DELETE", HW2);
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.body, "");
  expect_error(op("detach", R"({"polycube:input":{"cube":"t2","port":"hw2:b"}})"), 400, "invalid-value",
               "detach what the DELETE detached");
  expect_error(rest("DELETE", HW2), 404, "invalid-value", "DELETE twice");
  EXPECT_EQ(rest("DELETE", HW3).status, 204);
  expect_error(rest("GET", HW3), 404, "invalid-value", "GET deleted");

  // disconnect and detach remove the leaves connect and attach wrote: the
  // configuration is byte for byte what it was.
  EXPECT_EQ(rest("GET", D + "?content=config").body, baseline);
  EXPECT_TRUE(ping());
}

}  // namespace
