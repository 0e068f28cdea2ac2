// The daemon's HTTP/1.1 request parser (polycubed/src/http_request.h):
// requests, pipelining and incremental input, and every framing error as
// a status and a message.
#include <gtest/gtest.h>

#include "http_media.h"
#include "http_request.h"
#include "http_response.h"

using namespace polycube::http;

namespace {

ParseResult parse(const std::string &bytes, HttpLimits limits = {}) { return parse_http_request(bytes, limits); }

// Feeds `bytes` one byte at a time: the parser must reach the same result.
ParseResult parse_bytewise(const std::string &bytes) {
  RequestParser p;
  ParseResult out;
  for (size_t i = 0; i < bytes.size() && p.status() == RequestParser::Status::kNeedMore; i++)
    out.consumed += p.feed(std::string_view(bytes).substr(i, 1));
  if (p.status() == RequestParser::Status::kComplete) {
    out.kind = ParseResult::kComplete;
    out.request = p.request();
  } else if (p.status() == RequestParser::Status::kError) {
    out.kind = ParseResult::kError;
    out.error = p.error();
  }
  return out;
}

}  // namespace

TEST(HttpRequest, ParsesARequestWithABody) {
  const std::string text =
      "PATCH /restconf/data/bridge:bridge=br1?depth=2 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n"
      "Content-Type: application/yang-data+json\r\nContent-Length: 7\r\nX-Empty:\r\n\r\n{\"a\":1}GET";
  for (const auto &r : {parse(text), parse_bytewise(text)}) {
    ASSERT_EQ(r.kind, ParseResult::kComplete) << r.error.message;
    EXPECT_EQ(r.request.method, "PATCH");
    EXPECT_EQ(r.request.target, "/restconf/data/bridge:bridge=br1?depth=2");
    EXPECT_EQ(r.request.path(), "/restconf/data/bridge:bridge=br1");
    EXPECT_EQ(r.request.query(), "depth=2");
    EXPECT_EQ(r.request.body, "{\"a\":1}");
    ASSERT_NE(r.request.header("content-type"), nullptr);
    EXPECT_EQ(*r.request.header("content-type"), "application/yang-data+json");
    ASSERT_NE(r.request.header("x-empty"), nullptr);
    EXPECT_EQ(*r.request.header("x-empty"), "");
    EXPECT_TRUE(r.request.keep_alive);
    EXPECT_EQ(r.consumed, text.size() - 3);  // "GET" belongs to the next request
  }
}

TEST(HttpRequest, PipelinedRequestsComeOutOneByOneInOrder) {
  std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi";
  RequestParser p;
  size_t used = p.feed(two);
  ASSERT_EQ(p.status(), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().target, "/a");
  p.reset();
  used += p.feed(std::string_view(two).substr(used));
  ASSERT_EQ(p.status(), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().target, "/b");
  EXPECT_EQ(p.request().body, "hi");
  EXPECT_EQ(used, two.size());
}

TEST(HttpRequest, DechunksAndReadsTrailers) {
  const std::string text =
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: t\r\n\r\n";
  for (const auto &r : {parse(text), parse_bytewise(text)}) {
    ASSERT_EQ(r.kind, ParseResult::kComplete) << r.error.message;
    EXPECT_EQ(r.request.body, "Wikipedia in\r\n\r\nchunks.");
    EXPECT_EQ(r.consumed, text.size());
  }
}

TEST(HttpRequest, AbsoluteFormAndAsteriskTargets) {
  auto r = parse("GET http://127.0.0.1:9000/restconf/data?depth=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(r.request.target, "/restconf/data?depth=1");
  r = parse("GET HTTP://localhost HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(r.request.target, "/");
  r = parse("GET http://h?a=b HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(r.request.target, "/?a=b");
  r = parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_EQ(r.request.target, "*");
}

TEST(HttpRequest, ConnectionAndVersionRules) {
  auto r = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n");
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_FALSE(r.request.keep_alive);
  r = parse("GET / HTTP/1.0\r\n\r\n");  // 1.0 needs no Host and closes by default
  ASSERT_EQ(r.kind, ParseResult::kComplete);
  EXPECT_FALSE(r.request.keep_alive);
  r = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(r.request.keep_alive);
  r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_EQ(r.kind, ParseResult::kIncomplete);  // empty lines first are fine; the body is pending
  RequestParser p;
  p.feed("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n");
  EXPECT_TRUE(p.head_done());
  EXPECT_TRUE(p.body_pending());
  EXPECT_TRUE(p.request().expect_continue);
}

TEST(HttpRequest, EveryFramingErrorIsAStatusWithAMessage) {
  const std::string H = "Host: h\r\n";
  struct Case {
    const char *what;
    std::string bytes;
    int status;
  } cases[] = {
      // The three: no internal exception text, a status.
      {"negative Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n", 400},
      {"20-digit Content-Length", "POST / HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      {"chunk size beyond 64 bits", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff0\r\n",
       400},
      {"chunk size over the body limit", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nffffffffff\r\n", 413},
      {"Content-Length over the body limit", "POST / HTTP/1.1\r\n" + H + "Content-Length: 16777217\r\n\r\n", 413},
      {"Content-Length with a sign", "POST / HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\n", 400},
      {"Content-Length hex", "POST / HTTP/1.1\r\n" + H + "Content-Length: 0x10\r\n\r\n", 400},
      {"two different Content-Lengths", "POST / HTTP/1.1\r\n" + H + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"Content-Length list that differs", "POST / HTTP/1.1\r\n" + H + "Content-Length: 1, 2\r\n\r\n", 400},
      {"Content-Length and chunked", "POST / HTTP/1.1\r\n" + H + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       400},
      {"chunked not last", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"gzip then chunked", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"bad chunk size", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"chunk data without CRLF", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nabX", 400},
      {"bare LF in a chunk line", "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\nab", 400},
      {"no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"space before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
      {"obsolete line folding", "GET / HTTP/1.1\r\n" + H + "X: a\r\n b\r\n\r\n", 400},
      {"bare LF line ends", "GET / HTTP/1.1\nHost: h\n\n\r\n\r\n", 400},
      {"bare LF line ends, nothing after", "GET / HTTP/1.1\nHost: h\n\n", 400},
      {"bare CR inside a line", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400},
      {"NUL in a value", "GET / HTTP/1.1\r\n" + H + std::string("X: a\0b\r\n\r\n", 10), 400},
      {"field without colon", "GET / HTTP/1.1\r\n" + H + "garbage\r\n\r\n", 400},
      {"two spaces in the request line", "GET  / HTTP/1.1\r\n" + H + "\r\n", 400},
      {"no version", "GET /\r\n" + H + "\r\n", 400},
      {"bad version", "GET / HTTX/1.1\r\n" + H + "\r\n", 400},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", 505},
      {"method with a slash", "GE/T / HTTP/1.1\r\n" + H + "\r\n", 400},
      {"relative target", "GET restconf HTTP/1.1\r\n" + H + "\r\n", 400},
      {"authority form", "CONNECT h:443 HTTP/1.1\r\n" + H + "\r\n", 400},
      {"* for GET", "GET * HTTP/1.1\r\n" + H + "\r\n", 400},
      {"control byte in the target", "GET /a\x01 HTTP/1.1\r\n" + H + "\r\n", 400},
      {"unknown expectation", "POST / HTTP/1.1\r\n" + H + "Expect: teapot\r\n\r\n", 417},
      {"request line over 8 KiB", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n" + H + "\r\n", 414},
      {"request line over 8 KiB, unterminated", "GET /" + std::string(9000, 'a'), 414},
      {"head over 64 KiB", "GET / HTTP/1.1\r\n" + H + "X: " + std::string(70000, 'a') + "\r\n\r\n", 431},
      {"101 header fields", [] {
         std::string s = "GET / HTTP/1.1\r\nHost: h\r\n";
         for (int i = 0; i < 100; i++) s += "X" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }(), 431},
  };
  for (const auto &c : cases) {
    for (const auto &r : {parse(c.bytes), parse_bytewise(c.bytes)}) {
      ASSERT_EQ(r.kind, ParseResult::kError) << c.what;
      EXPECT_EQ(r.error.status, c.status) << c.what << ": " << r.error.message;
      EXPECT_FALSE(r.error.message.empty()) << c.what;
      EXPECT_EQ(r.error.message.find("std::"), std::string::npos) << r.error.message;
    }
  }
}

TEST(HttpRequest, LimitsAreConfigurable) {
  HttpLimits small;
  small.max_body = 4;
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", small).error.status, 413);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nhell", small).kind, ParseResult::kComplete);
  // Chunks add up against the limit.
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", small)
                .error.status,
            413);
}

TEST(HttpMedia, NegotiatesAndReadsContentTypes) {
  const std::vector<std::string> json = {"application/yang-data+json", "application/json"};
  EXPECT_EQ(negotiate("", json), "application/yang-data+json");
  EXPECT_EQ(negotiate("*/*", json), "application/yang-data+json");
  EXPECT_EQ(negotiate("application/*", json), "application/yang-data+json");
  EXPECT_EQ(negotiate("application/json", json), "application/json");
  EXPECT_EQ(negotiate("application/json, application/yang-data+json;q=0.5", json), "application/json");
  EXPECT_EQ(negotiate("application/yang-data+xml", json), std::nullopt);
  EXPECT_EQ(negotiate("text/html, application/xml;q=0.9", json), std::nullopt);
  EXPECT_EQ(negotiate("*/*;q=0", json), std::nullopt);
  EXPECT_EQ(negotiate("application/yang-data+json;q=0, */*", json), "application/json");
  EXPECT_EQ(negotiate("text/*", {"text/plain"}), "text/plain");
  EXPECT_EQ(media_type_of("Application/YANG-Data+JSON; charset=utf-8"), "application/yang-data+json");
  EXPECT_EQ(media_type_of("application/x-www-form-urlencoded"), "application/x-www-form-urlencoded");
  EXPECT_EQ(media_type_of("nonsense"), "");
}

TEST(HttpResponse, SerializesWithLengthDateAndClose) {
  HttpResponse r{404, {{"Content-Type", "application/yang-data+json"}}, "{}"};
  std::string s = serialize_response(r, false, true);
  EXPECT_EQ(s.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << s;
  EXPECT_NE(s.find("\r\nContent-Length: 2\r\n"), std::string::npos) << s;
  EXPECT_NE(s.find("\r\nDate: "), std::string::npos) << s;
  EXPECT_NE(s.find("\r\nConnection: close\r\n"), std::string::npos) << s;
  EXPECT_EQ(s.substr(s.size() - 6), "\r\n\r\n{}");
  std::string head = serialize_response(r, true, false);  // HEAD: the length, not the body
  EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  std::string none = serialize_response({204, {}, ""}, false, false);
  EXPECT_EQ(none.find("Content-Length"), std::string::npos) << none;
}
