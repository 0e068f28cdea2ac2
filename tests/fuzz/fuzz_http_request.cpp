// HTTP/1.1 requests as polycubed's server reads them (polycubed/src/
// http_request.cpp): the bytes a client sends on one connection, read as one
// buffer (parse_http_request) and fed in pieces as the event loop feeds them
// when they arrive in several segments; then what the server answers to a
// refused request (its RFC 8040 error document, built in the event-loop
// thread, where an exception would end the daemon).
//
// Input: byte 0 chooses the limits (the defaults, or small ones so that each
// limit is within reach of a few KiB), byte 1 where the bytes are cut for
// the incremental reading; the rest is the connection's bytes (pipelined
// requests are read one after the other, as the server does).
//
// Findings besides crashes: the two readings differ (the framing would
// depend on how TCP cut the stream), a refusal with a status the server
// does not expect, a request beyond its limits, an error answer that is not
// JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_request.h"
#include "polycube/strict_json.h"
#include "restconf_server.h"

using namespace polycube::http;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool same_request(const HttpRequest &a, const HttpRequest &b) {
  if (a.method != b.method || a.target != b.target || a.minor_version != b.minor_version || a.body != b.body ||
      a.keep_alive != b.keep_alive || a.expect_continue != b.expect_continue || a.headers.size() != b.headers.size())
    return false;
  for (size_t i = 0; i < a.headers.size(); i++)
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) return false;
  return true;
}

// What the server checks of a request it hands to the RESTCONF layer.
void check_complete(const HttpRequest &r, const HttpLimits &limits) {
  check(!r.method.empty());
  check(!r.target.empty() && (r.target.front() == '/' || r.target == "*"));
  for (char c : r.target) check(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f);
  check(r.headers.size() <= limits.max_headers);
  check(r.body.size() <= limits.max_body);
  for (const auto &h : r.headers) {
    check(!h.name.empty());
    for (char c : h.name) check(!(c >= 'A' && c <= 'Z'));
    check(h.value.find_first_of("\r\n") == std::string::npos);
  }
}

// The transport's answer to a refused request, as RestconfServer builds it.
void check_refusal(const HttpFramingError &e) {
  switch (e.status) {
    case 400: case 413: case 414: case 417: case 431: case 501: case 505: break;
    default: check(false);
  }
  check(!e.message.empty());
  auto reply = polycube::daemon::restconf_error(e.status, "malformed-message", e.message, "", "transport");
  check(polycube::parse_json(reply.body).ok());
}

// Incremental reading: pieces of 1..64 bytes, their sizes from `seed`.
ParseResult feed_in_pieces(std::string_view bytes, const HttpLimits &limits, uint32_t seed) {
  RequestParser parser(limits);
  ParseResult out;
  while (out.consumed < bytes.size() && parser.status() == RequestParser::Status::kNeedMore) {
    seed = seed * 1103515245u + 12345u;
    size_t piece = std::min<size_t>(1 + (seed >> 16) % 64, bytes.size() - out.consumed);
    size_t used = parser.feed(bytes.substr(out.consumed, piece));
    check(used <= piece);
    // The server feeds again only what was not used, and only once the
    // request is answered; a parser still needing more used everything.
    if (parser.status() == RequestParser::Status::kNeedMore) check(used == piece);
    out.consumed += used;
  }
  switch (parser.status()) {
    case RequestParser::Status::kComplete:
      out.kind = ParseResult::kComplete;
      out.request = std::move(parser.request());
      break;
    case RequestParser::Status::kError:
      out.kind = ParseResult::kError;
      out.error = parser.error();
      break;
    case RequestParser::Status::kNeedMore: out.kind = ParseResult::kIncomplete; break;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  HttpLimits limits;
  if (data[0] & 1) limits = HttpLimits{64, 256, 8, 128};
  uint32_t seed = data[1];
  std::string_view bytes(reinterpret_cast<const char *>(data) + 2, size - 2);
  // Pipelined requests, each from where the previous one ended.
  for (int n = 0; n < 8 && !bytes.empty(); n++) {
    ParseResult whole = parse_http_request(bytes, limits);
    ParseResult pieces = feed_in_pieces(bytes, limits, seed + n);
    check(whole.kind == pieces.kind);
    check(whole.consumed <= bytes.size());
    if (whole.kind == ParseResult::kError) {
      check(whole.error.status == pieces.error.status);
      check_refusal(whole.error);
      check_refusal(pieces.error);
      break;
    }
    if (whole.kind == ParseResult::kIncomplete) break;
    check(whole.consumed == pieces.consumed);
    check(same_request(whole.request, pieces.request));
    check_complete(whole.request, limits);
    if (whole.consumed == 0) break;
    bytes.remove_prefix(whole.consumed);
  }
  return 0;
}
