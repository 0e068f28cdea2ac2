#include "http_request.h"

#include <algorithm>

namespace polycube::http {

namespace {

// RFC 9110 5.6.2: token characters.
bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma-separated list elements (RFC 9110 5.6.1), trimmed, empty ones dropped.
std::vector<std::string_view> list_elements(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    auto comma = v.find(',');
    std::string_view e = trim(v.substr(0, comma));
    if (!e.empty()) out.push_back(e);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

// Field values: visible characters, spaces, tabs and obs-text; no other
// control character (a bare CR or LF here would be a second reading of
// the line structure).
bool valid_field_value(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string *HttpRequest::header(std::string_view lower_name) const {
  for (const auto &h : headers)
    if (h.name == lower_name) return &h.value;
  return nullptr;
}

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  auto q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

bool RequestParser::body_pending() const {
  return phase_ == Phase::kFixedBody || phase_ == Phase::kChunkSize || phase_ == Phase::kChunkData ||
         phase_ == Phase::kChunkDataEnd || phase_ == Phase::kTrailer;
}

void RequestParser::reset() {
  phase_ = Phase::kHead;
  status_ = Status::kNeedMore;
  head_.clear();
  head_scan_ = 0;
  line_end_seen_ = false;
  line_.clear();
  trailer_bytes_ = 0;
  remaining_ = 0;
  request_ = HttpRequest();
  error_ = HttpFramingError();
}

void RequestParser::fail(int status, std::string message) {
  phase_ = Phase::kError;
  status_ = Status::kError;
  error_ = {status, std::move(message)};
}

size_t RequestParser::feed(std::string_view data) {
  size_t used = 0;
  while (used < data.size() && status_ == Status::kNeedMore) {
    std::string_view rest = data.substr(used);
    switch (phase_) {
      case Phase::kHead:
        used += feed_head(rest);
        if (pause_after_head_ && body_pending()) return used;
        break;
      case Phase::kFixedBody:
        used += take_body(rest);
        if (remaining_ == 0) {
          phase_ = Phase::kDone;
          status_ = Status::kComplete;
        }
        break;
      case Phase::kChunkSize: {
        bool complete = false;
        used += feed_line(rest, complete);
        if (complete) on_chunk_size_line();
        break;
      }
      case Phase::kChunkData:
        used += take_body(rest);
        if (remaining_ == 0) phase_ = Phase::kChunkDataEnd;
        break;
      case Phase::kChunkDataEnd: {
        // Exactly CRLF after the chunk's data; it may arrive in two pieces.
        line_ += rest[0];
        used++;
        if (line_.size() == 1 && line_[0] != '\r') fail(400, "chunk data is not followed by CRLF");
        else if (line_.size() == 2) {
          if (line_[1] != '\n') fail(400, "chunk data is not followed by CRLF");
          line_.clear();
          phase_ = Phase::kChunkSize;
        }
        break;
      }
      case Phase::kTrailer: {
        bool complete = false;
        used += feed_line(rest, complete);
        if (complete) on_trailer_line();
        break;
      }
      case Phase::kDone:
      case Phase::kError: return used;
    }
  }
  // A request without a body is complete once its head is; that happens
  // inside feed_head, so nothing more to do here.
  return used;
}

size_t RequestParser::take_body(std::string_view data) {
  size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
  request_.body.append(data.data(), take);
  remaining_ -= take;
  return take;
}

size_t RequestParser::feed_head(std::string_view data) {
  size_t skipped = 0;
  if (head_.empty()) {
    // RFC 9112 2.2: empty lines before the request line are ignored.
    while (skipped < data.size() && (data[skipped] == '\r' || data[skipped] == '\n')) skipped++;
    data.remove_prefix(skipped);
    if (data.empty()) return skipped;
  }
  const size_t room = limits_.max_head + 4 - head_.size();
  const size_t take = std::min(room, data.size());
  const size_t old = head_.size();
  head_.append(data.data(), take);
  if (!line_end_seen_) {
    auto eol = head_.find('\n', old);
    if (eol != std::string::npos) line_end_seen_ = true;
    if ((eol == std::string::npos ? head_.size() : eol) > limits_.max_request_line + 1) {
      fail(414, "request line longer than " + std::to_string(limits_.max_request_line) + " bytes");
      return skipped + take;
    }
  }
  auto end = head_.find("\r\n\r\n", head_scan_);
  if (end == std::string::npos && head_.find("\n\n", head_scan_) != std::string::npos) {
    // A head ended by bare LFs: refused at once rather than left to time out.
    fail(400, "the request head's lines must end with CRLF");
    return skipped + take;
  }
  if (end == std::string::npos) {
    head_scan_ = head_.size() >= 3 ? head_.size() - 3 : 0;
    if (head_.size() >= limits_.max_head + 4)
      fail(431, "request head (request line and header fields) longer than " + std::to_string(limits_.max_head) +
                    " bytes");
    return skipped + take;
  }
  // Bytes after the blank line are the body's or the next request's.
  size_t extra = head_.size() - (end + 4);
  head_.resize(end + 2);  // keep the last field's CRLF: every line ends with one
  parse_head();
  head_.clear();
  if (head_.capacity() > 16 * 1024) head_.shrink_to_fit();  // one large head does not pin memory
  return skipped + take - extra;
}

void RequestParser::parse_head() {
  std::vector<std::string_view> lines;
  std::string_view all = head_;
  while (!all.empty()) {
    auto crlf = all.find("\r\n");
    std::string_view line = all.substr(0, crlf);
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
      return fail(400, "a line of the request head ends with a bare CR or LF");
    lines.push_back(line);
    all.remove_prefix(crlf + 2);
  }
  // Request line: method SP request-target SP HTTP-version.
  std::string_view rl = lines.front();
  if (rl.size() > limits_.max_request_line)
    return fail(414, "request line longer than " + std::to_string(limits_.max_request_line) + " bytes");
  auto sp1 = rl.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || rl.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "malformed request line (expected: METHOD target HTTP/1.1)");
  std::string_view method = rl.substr(0, sp1), target = rl.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = rl.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed method in the request line");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "malformed HTTP version in the request line");
  if (version[5] != '1') return fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported (1.1 is)");
  request_.method = std::string(method);
  request_.minor_version = version[7] - '0';
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c >= 0x7f;
      }))
    return fail(400, "malformed request target");
  // Request target forms (RFC 9112 3.2).
  if (target.front() == '/') {
    request_.target = std::string(target);
  } else if (target == "*") {
    if (method != "OPTIONS") return fail(400, "the target * is for OPTIONS only");
    request_.target = "*";
  } else {
    auto scheme_end = target.find("://");
    std::string scheme = lower(target.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
    if (scheme != "http" && scheme != "https") return fail(400, "request target must be a path or an http(s) URL");
    std::string_view rest = target.substr(scheme_end + 3);
    auto path_start = rest.find_first_of("/?");
    if (path_start == 0) return fail(400, "absolute request target without a host");
    if (path_start == std::string_view::npos) request_.target = "/";
    else if (rest[path_start] == '?') request_.target = "/" + std::string(rest.substr(path_start));
    else request_.target = std::string(rest.substr(path_start));
  }
  // Header fields.
  if (lines.size() - 1 > limits_.max_headers)
    return fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
  for (size_t i = 1; i < lines.size(); i++) {
    std::string_view line = lines[i];
    if (line.empty()) return fail(400, "empty line inside the header section");
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "obsolete line folding in a header field");
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "header field without ':'");
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (!is_token(name)) return fail(400, "malformed header field name '" + std::string(name.substr(0, 64)) + "'");
    if (!valid_field_value(value)) return fail(400, "control character in header field " + std::string(name));
    request_.headers.push_back({lower(name), std::string(value)});
  }
  // Message framing (RFC 9112 6): Transfer-Encoding or Content-Length,
  // never both, never two different lengths.
  bool has_length = false, chunked = false;
  uint64_t length = 0;
  size_t hosts = 0;
  std::vector<std::string_view> codings;
  for (const auto &h : request_.headers) {
    if (h.name == "content-length") {
      auto values = list_elements(h.value);
      if (values.empty()) return fail(400, "empty Content-Length");
      for (auto v : values) {
        if (!std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
          return fail(400, "Content-Length is not a non-negative decimal integer");
        uint64_t n = 0;
        for (char c : v) {
          if (n > (UINT64_MAX - 9) / 10) return fail(400, "Content-Length out of range");
          n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (has_length && n != length) return fail(400, "two different Content-Length values");
        has_length = true;
        length = n;
      }
    } else if (h.name == "transfer-encoding") {
      for (auto c : list_elements(h.value)) codings.push_back(c);
      if (list_elements(h.value).empty()) return fail(400, "empty Transfer-Encoding");
    } else if (h.name == "host") {
      hosts++;
    } else if (h.name == "connection") {
      for (auto token : list_elements(h.value)) {
        if (iequals(token, "close")) request_.keep_alive = false;
      }
    } else if (h.name == "expect") {
      if (!iequals(h.value, "100-continue")) return fail(417, "unsupported expectation '" + h.value + "'");
      request_.expect_continue = true;
    }
  }
  if (request_.minor_version == 0) {
    // HTTP/1.0 keeps the connection only when asked to.
    const std::string *c = request_.header("connection");
    bool keep = false;
    if (c)
      for (auto token : list_elements(*c)) keep |= iequals(token, "keep-alive");
    request_.keep_alive = keep && request_.keep_alive;
    request_.expect_continue = false;
  }
  if (hosts > 1) return fail(400, "more than one Host header field");
  if (hosts == 0 && request_.minor_version == 1) return fail(400, "HTTP/1.1 request without a Host header field");
  if (!codings.empty()) {
    if (request_.minor_version == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (has_length) return fail(400, "both Transfer-Encoding and Content-Length");
    if (!iequals(codings.back(), "chunked")) return fail(400, "the last transfer coding of a request must be chunked");
    if (codings.size() != 1) return fail(501, "transfer codings other than chunked are not supported");
    chunked = true;
  }
  if (has_length && length > limits_.max_body)
    return fail(413, "request body over " + std::to_string(limits_.max_body >> 20) + " MiB");
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (length > 0) {
    remaining_ = length;
    request_.body.reserve(static_cast<size_t>(std::min<uint64_t>(length, 64 * 1024)));
    phase_ = Phase::kFixedBody;
  } else {
    phase_ = Phase::kDone;
    status_ = Status::kComplete;
  }
}

size_t RequestParser::feed_line(std::string_view data, bool &complete) {
  // Chunk-size lines (with extensions) and trailer fields are bounded like
  // the head, so a client cannot make one grow without end.
  const size_t limit = phase_ == Phase::kTrailer ? limits_.max_head : 4096;
  auto lf = data.find('\n');
  size_t take = lf == std::string_view::npos ? data.size() : lf + 1;
  if (line_.size() + take > limit + 2) {
    fail(phase_ == Phase::kTrailer ? 431 : 400,
         phase_ == Phase::kTrailer ? "trailer field too long" : "chunk size line too long");
    return take;
  }
  line_.append(data.data(), take);
  if (lf == std::string_view::npos) return take;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
    fail(400, "bare LF in the chunked body");
    return take;
  }
  line_.resize(line_.size() - 2);
  complete = true;
  return take;
}

void RequestParser::on_chunk_size_line() {
  // chunk-size [ BWS ";" chunk-ext ] (RFC 9112 7.1)
  std::string_view line = line_;
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && hex_digit(line[digits]) >= 0) {
    if (size > (UINT64_MAX >> 4)) return fail(400, "chunk size out of range");
    size = (size << 4) | static_cast<uint64_t>(hex_digit(line[digits]));
    digits++;
  }
  if (digits == 0) return fail(400, "malformed chunk size");
  std::string_view ext = trim(line.substr(digits));
  if (!ext.empty() && (ext.front() != ';' || !valid_field_value(ext))) return fail(400, "malformed chunk extension");
  line_.clear();
  if (size == 0) {
    phase_ = Phase::kTrailer;
    return;
  }
  if (size > limits_.max_body - std::min<uint64_t>(request_.body.size(), limits_.max_body))
    return fail(413, "request body over " + std::to_string(limits_.max_body >> 20) + " MiB");
  remaining_ = size;
  phase_ = Phase::kChunkData;
}

void RequestParser::on_trailer_line() {
  std::string_view line = line_;
  if (line.empty()) {  // end of the message
    line_.clear();
    phase_ = Phase::kDone;
    status_ = Status::kComplete;
    return;
  }
  trailer_bytes_ += line.size() + 2;
  auto colon = line.find(':');
  if (trailer_bytes_ > limits_.max_head) return fail(431, "trailer section too long");
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)) || !valid_field_value(line.substr(colon + 1)))
    return fail(400, "malformed trailer field");
  line_.clear();  // trailer fields are read and dropped: nothing here uses them
}

ParseResult parse_http_request(std::string_view bytes, const HttpLimits &limits) {
  RequestParser parser(limits);
  ParseResult out;
  out.consumed = parser.feed(bytes);
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

}  // namespace polycube::http
