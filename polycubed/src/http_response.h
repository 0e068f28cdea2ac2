// HTTP/1.1 responses as the daemon writes them: always with Content-Length
// (no chunked answers), a Date, and Connection: close when the connection
// ends after it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace polycube::http {

struct HttpResponse {
  int status = 200;
  // Fields besides Content-Length, Date and Connection, which
  // serialize_response() writes itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The response's bytes. `head_only`: the answer to a HEAD request (the
// Content-Length of the body, without the body). `close`: the connection
// ends after it.
std::string serialize_response(const HttpResponse &r, bool head_only, bool close);

// "Not Found" for 404; "" for a status without a registered phrase.
const char *reason_phrase(int status);

}  // namespace polycube::http
