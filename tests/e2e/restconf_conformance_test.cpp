// RFC 8040 conformance on the wire, against a real polycubed: media types
// (415 for a body that is not JSON by its Content-Type, 406 for an Accept
// that excludes the answer's type), HEAD and OPTIONS with Allow, an
// absolute-form request target, 404 for an unknown operation, 400 for
// fields= naming nodes the schema lacks; and bodies that two parsers could
// read differently (a member twice, a list entry twice) refused with 400.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "../../scripts/bench/rest_client.h"
#include "daemon_process.h"
#include "testnet.h"

using namespace pcntest;
using nlohmann::json;

namespace {

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir = "/tmp/pt" + std::to_string(getpid()) + "-conformance";
    daemon = std::make_unique<DaemonProcess>(state_dir);
    ASSERT_TRUE(daemon->start()) << "polycubed did not start";
    port = static_cast<uint16_t>(std::atoi(daemon->url().c_str() + daemon->url().rfind(':') + 1));
    client = std::make_unique<pcnrest::Client>(port, 5000);
  }
  void TearDown() override {
    client.reset();
    if (daemon) {
      EXPECT_TRUE(daemon->stop()) << "polycubed did not exit cleanly";
    }
    std::error_code ec;
    std::filesystem::remove_all(state_dir, ec);
  }

  // One request with exactly these header fields (besides Host and Content-Length).
  pcnrest::Response send(const std::string &method, const std::string &target, const std::string &headers,
                         const std::string &body = "") {
    pcnrest::Client c(port, 5000);
    c.send_raw(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
               (body.empty() ? "" : "Content-Length: " + std::to_string(body.size()) + "\r\n") + "\r\n" + body);
    return c.read_answer(method == "HEAD");
  }
  std::string config() { return client->request("GET", "/restconf/data?content=config").body; }
  static std::string tag_of(const std::string &body) {
    auto doc = json::parse(body, nullptr, false);
    if (!doc.is_object() || !doc.contains("ietf-restconf:errors")) return "(not an error body: " + body + ")";
    return doc["ietf-restconf:errors"]["error"][0].value("error-tag", "");
  }

  std::string state_dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<pcnrest::Client> client;
  uint16_t port = 0;
};

const std::string kHw = R"({"helloworld:helloworld":[{"name":"hw1"}]})";

}  // namespace

TEST_F(Conformance, ABodyMustSayItIsJson) {
  const std::string before = config();
  for (const char *type : {"text/plain", "application/yang-data+xml", "application/x-www-form-urlencoded",
                           "application/xml", "multipart/form-data; boundary=x"}) {
    pcnrest::Response a = send("POST", "/restconf/data", std::string("Content-Type: ") + type + "\r\n", kHw);
    EXPECT_EQ(a.status, 415) << type << ": " << a.body;
    EXPECT_EQ(tag_of(a.body), "invalid-value") << type;
  }
  pcnrest::Response none = send("POST", "/restconf/data", "", kHw);  // what `curl -d` without -H would be told
  EXPECT_EQ(none.status, 415) << none.body;
  EXPECT_NE(none.body.find("application/yang-data+json"), std::string::npos) << none.body;  // says what to send
  EXPECT_EQ(send("PATCH", "/restconf/data", "Content-Type: text/plain\r\n", kHw).status, 415);
  EXPECT_EQ(config(), before);
  // JSON in either spelling, with parameters, is accepted.
  pcnrest::Response ok = send("POST", "/restconf/data", "Content-Type: Application/YANG-Data+JSON; charset=utf-8\r\n", kHw);
  EXPECT_EQ(ok.status, 201) << ok.body;
  ok = send("PATCH", "/restconf/data/helloworld:helloworld=hw1", "Content-Type: application/json\r\n",
            R"({"helloworld:helloworld":[{"name":"hw1","action":"DROP"}]})");
  EXPECT_EQ(ok.status, 204) << ok.body;
  // A request without a body needs no Content-Type, whatever it says.
  EXPECT_EQ(send("DELETE", "/restconf/data/helloworld:helloworld=hw1", "Content-Type: text/plain\r\n").status, 204);
}

TEST_F(Conformance, AcceptIsHonouredOr406) {
  pcnrest::Response a = send("GET", "/restconf/data/polycube:services", "Accept: application/yang-data+xml\r\n");
  EXPECT_EQ(a.status, 406) << a.body;
  EXPECT_EQ(tag_of(a.body), "invalid-value");
  EXPECT_EQ(send("GET", "/restconf/data", "Accept: text/html, application/xml;q=0.9\r\n").status, 406);
  EXPECT_EQ(send("GET", "/metrics", "Accept: application/json\r\n").status, 406);
  a = send("GET", "/restconf/data/polycube:services", "Accept: application/json\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("content-type"), "application/json");
  a = send("GET", "/restconf/data/polycube:services", "Accept: text/html, */*;q=0.1\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("content-type"), "application/yang-data+json");
  a = send("GET", "/metrics", "Accept: application/openmetrics-text;q=0.9, text/plain;version=0.0.4;q=0.5\r\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("content-type").rfind("text/plain", 0), 0u);
  a = send("GET", "/restconf/yang/polycube-base", "");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("content-type"), "application/yang");
  // A refused Accept changes nothing.
  const std::string before = config();
  EXPECT_EQ(send("POST", "/restconf/data", "Content-Type: application/yang-data+json\r\nAccept: text/html\r\n", kHw).status,
            406);
  EXPECT_EQ(config(), before);
}

TEST_F(Conformance, HeadAndOptionsWithAllow) {
  ASSERT_EQ(client->request("POST", "/restconf/data", kHw).status, 201);
  const std::string hw1 = "/restconf/data/helloworld:helloworld=hw1";
  pcnrest::Response get = send("GET", hw1, "");
  pcnrest::Response head = send("HEAD", hw1, "");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.header("content-type"), "application/yang-data+json");
  EXPECT_EQ(send("HEAD", "/restconf/data/helloworld:helloworld=ghost", "").status, 404);

  struct {
    std::string target, allow;
  } cases[] = {
      {"/restconf/data", "GET, HEAD, OPTIONS, PATCH, POST"},
      {hw1, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"},
      {hw1 + "/ports=a", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"},
      {"/restconf/operations/polycube:connect", "OPTIONS, POST"},
      {"/restconf/data/simplebridge:simplebridge=sb/fdb/flush", "OPTIONS, POST"},
      {"/restconf/data/polycube:cubes", "GET, HEAD, OPTIONS"},
      {"/restconf/data/polycube:daemon", "GET, HEAD, OPTIONS, PATCH"},
      {"/restconf/data/ietf-yang-library:yang-library", "GET, HEAD, OPTIONS"},
      {"/metrics", "GET, HEAD, OPTIONS"},
      {"/openapi.json", "GET, HEAD, OPTIONS"},
      {"*", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"},
  };
  for (const auto &c : cases) {
    pcnrest::Response a = send("OPTIONS", c.target, "");
    EXPECT_EQ(a.status, 200) << c.target << ": " << a.body;
    EXPECT_EQ(a.header("allow"), c.allow) << c.target;
  }
  EXPECT_EQ(send("OPTIONS", "/restconf/operations/polycube:teleport", "").status, 404);
  // 405 says what is allowed.
  pcnrest::Response a = send("DELETE", "/restconf/data/polycube:cubes", "");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.header("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(tag_of(a.body), "operation-not-supported");
}

TEST_F(Conformance, AbsoluteFormTargetsAreTheirPath) {
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  pcnrest::Response a = send("GET", url + "/restconf/data/polycube:services?depth=1", "");
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("polycube:services"), std::string::npos) << a.body;
  a = send("POST", url + "/restconf/data", "Content-Type: application/yang-data+json\r\n", kHw);
  EXPECT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.header("location"), "/restconf/data/helloworld:helloworld=hw1");
}

TEST_F(Conformance, UnknownOperationIs404WhateverTheBody) {
  for (const std::string body : {"", "{}", "not json", R"({"polycube:input":{}})"}) {
    pcnrest::Response a = send("POST", "/restconf/operations/polycube:teleport",
                       body.empty() ? "" : "Content-Type: application/yang-data+json\r\n", body);
    EXPECT_EQ(a.status, 404) << "body '" << body << "': " << a.body;
  }
  EXPECT_EQ(send("POST", "/restconf/operations/other:connect", "").status, 404);
}

TEST_F(Conformance, FieldsNamingUnknownNodesIs400) {
  ASSERT_EQ(client->request("POST", "/restconf/data",
                            R"({"helloworld:helloworld":[{"name":"hw1","ports":[{"name":"a"},{"name":"b"}]}]})")
                .status,
            201);
  const std::string hw1 = "/restconf/data/helloworld:helloworld=hw1";
  for (const char *bad : {"colour", "ports/colour", "ports(name;colour)", "nosuchmodule:action"}) {
    pcnrest::Response r = client->request("GET", hw1 + "?fields=" + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(tag_of(r.body), "invalid-value") << bad;
  }
  EXPECT_EQ(client->request("GET", "/restconf/data/polycube:cubes?fields=cube/colour").status, 400);
  // Known nodes still select.
  pcnrest::Response r = client->request("GET", hw1 + "?fields=ports/name");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["helloworld:helloworld"][0].count("action"), 0u) << r.body;
  EXPECT_EQ(doc["helloworld:helloworld"][0]["ports"].size(), 2u) << r.body;
  r = client->request("GET", "/restconf/data/polycube:cubes?fields=cube/service");
  ASSERT_EQ(r.status, 200) << r.body;
  doc = json::parse(r.body);
  EXPECT_EQ(doc["polycube:cubes"]["cube"][0]["service"], "helloworld") << r.body;
  EXPECT_EQ(doc["polycube:cubes"]["cube"][0].count("blocks"), 0u) << r.body;
  // A repeated parameter is 400 (RFC 8040 4.8): the server sees both.
  EXPECT_EQ(client->request("GET", hw1 + "?depth=1&depth=2").status, 400);
}

TEST_F(Conformance, BodiesTwoParsersCouldReadDifferentlyAre400) {
  const std::string before = config();
  struct {
    const char *what, *method;
    std::string target, body;
  } cases[] = {
      {"one member twice (two cubes, one Location before)", "POST", "/restconf/data",
       R"({"helloworld:helloworld":[{"name":"d1"}],"helloworld:helloworld":[{"name":"d2"}]})"},
      {"one list entry twice", "POST", "/restconf/data", R"({"helloworld:helloworld":[{"name":"d1"},{"name":"d1"}]})"},
      {"one list entry twice, different content", "POST", "/restconf/data",
       R"({"helloworld:helloworld":[{"name":"d1","action":"DROP"},{"name":"d1","action":"FORWARD"}]})"},
      {"one port twice", "POST", "/restconf/data", R"({"helloworld:helloworld":[{"name":"d1","ports":[{"name":"a"},{"name":"a"}]}]})"},
      {"a key member twice (409 before)", "POST", "/restconf/data", R"({"helloworld:helloworld":[{"name":"d1","name":"d1"}]})"},
      {"a leaf twice", "POST", "/restconf/data", R"({"helloworld:helloworld":[{"name":"d1","action":"DROP","action":"FORWARD"}]})"},
      {"one port twice in a PUT", "PUT", "/restconf/data/helloworld:helloworld=d1",
       R"({"helloworld:helloworld":[{"name":"d1","ports":[{"name":"a"},{"name":"a"}]}]})"},
  };
  for (const auto &c : cases) {
    pcnrest::Response r = client->request(c.method, c.target, c.body);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find("twice"), std::string::npos) << c.what << ": " << r.body;  // a clear message
    EXPECT_EQ(config(), before) << c.what;
  }
}
