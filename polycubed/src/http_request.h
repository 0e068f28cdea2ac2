// HTTP/1.1 requests (RFC 9112) as the daemon reads them: the request, its
// limits, and the parser. The parser is incremental (a connection feeds it
// whatever arrives) and strict about framing: one reading of a message
// only, so nothing in front of the daemon can read it as another. Every
// refusal is a status and a message, never an exception.
//
// parse_http_request() is the same parser as a pure function over a whole
// buffer, for units and fuzzing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polycube::http {

struct HttpLimits {
  size_t max_request_line = 8 * 1024;  // 414 beyond
  size_t max_head = 64 * 1024;         // request line + header fields; 431 beyond
  size_t max_headers = 100;            // header fields; 431 beyond
  size_t max_body = 16u << 20;         // 413 beyond (RFC 8040 too-big)
};

struct HttpHeader {
  std::string name;  // lower case
  std::string value;  // without surrounding whitespace
};

// Who sent a request, as the server's head check (HttpServerOptions::
// check_head) established it; empty without one.
struct Principal {
  std::string user;
  std::string role;
  std::string via;  // how it was established: "token", "certificate", "peer-credentials", "none"
};

struct HttpRequest {
  std::string method;
  // Origin form: "/path?query", or "*" (OPTIONS). An absolute-form target
  // ("http://host/path") is reduced to its path and query.
  std::string target;
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<HttpHeader> headers;
  std::string body;  // de-chunked
  bool keep_alive = true;
  bool expect_continue = false;
  Principal principal;

  // The first field named `lower_name`, or nullptr.
  const std::string *header(std::string_view lower_name) const;
  std::string_view path() const;   // the target without its query
  std::string_view query() const;  // after '?', or ""
};

// A request the parser refuses: what to answer before closing.
struct HttpFramingError {
  int status = 400;  // 400, 413, 414, 417, 431, 501, 505
  std::string message;
};

class RequestParser {
 public:
  enum class Status { kNeedMore, kComplete, kError };

  explicit RequestParser(HttpLimits limits = {}) : limits_(limits) {}
  // feed() returns as soon as a head announcing a body has been parsed,
  // before it takes any byte of the body: the caller can refuse the
  // request from its head alone (authentication) and the next feed()
  // continues with the body.
  void pause_after_head(bool on) { pause_after_head_ = on; }

  // Consumes bytes of `data` until one request is complete or refused;
  // returns how many it used (bytes after a complete request belong to the
  // next one, which the caller feeds after reset()).
  size_t feed(std::string_view data);
  Status status() const { return status_; }
  bool started() const { return phase_ != Phase::kHead || !head_.empty(); }  // a byte of a request arrived
  bool head_done() const { return phase_ != Phase::kHead && phase_ != Phase::kError; }
  bool body_pending() const;  // the head is in, the body is not (yet)
  HttpRequest &request() { return request_; }  // complete once head_done()
  const HttpFramingError &error() const { return error_; }
  // Ready for the next request on the same connection.
  void reset();

 private:
  enum class Phase { kHead, kFixedBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailer, kDone, kError };
  size_t feed_head(std::string_view data);
  // Appends up to remaining_ bytes of `data` to the body; returns how many.
  size_t take_body(std::string_view data);
  void parse_head();
  // Collects one CRLF-terminated line into line_ (chunk size, trailers);
  // returns bytes used; `complete` when the CRLF arrived.
  size_t feed_line(std::string_view data, bool &complete);
  void on_chunk_size_line();
  void on_trailer_line();
  void fail(int status, std::string message);

  HttpLimits limits_;
  bool pause_after_head_ = false;
  Phase phase_ = Phase::kHead;
  Status status_ = Status::kNeedMore;
  std::string head_;
  size_t head_scan_ = 0;        // where the search for the blank line resumes
  bool line_end_seen_ = false;  // the request line ended (for 414)
  std::string line_;
  size_t trailer_bytes_ = 0;
  uint64_t remaining_ = 0;  // of a fixed body or a chunk
  HttpRequest request_;
  HttpFramingError error_;
};

struct ParseResult {
  enum Kind { kComplete, kIncomplete, kError } kind = kIncomplete;
  HttpRequest request;  // kComplete
  HttpFramingError error;  // kError
  size_t consumed = 0;  // bytes of the input that the request used
};

// The first request in `bytes`.
ParseResult parse_http_request(std::string_view bytes, const HttpLimits &limits = {});

}  // namespace polycube::http
