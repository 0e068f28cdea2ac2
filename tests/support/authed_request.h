// One API request with an Authorization header (a bearer token), on a
// fresh loopback connection, for the runtime-control tests. Written with
// pcnrest::Client's wire-level calls so that the header goes out exactly
// as given.
#pragma once

#include <string>

#include "../../scripts/bench/rest_client.h"

namespace pcntest {

// `token` "" sends no Authorization field; `authorization` (if given)
// replaces the whole field value ("Basic ...").
inline pcnrest::Response authed_request(uint16_t port, const std::string &method, const std::string &target,
                                        const std::string &body, const std::string &token,
                                        const std::string &authorization = "") {
  pcnrest::Client c(port, 10000);
  if (!c.connect()) return {};
  std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n";
  if (!body.empty()) head += "Content-Type: application/yang-data+json\r\n";
  if (!authorization.empty()) head += "Authorization: " + authorization + "\r\n";
  else if (!token.empty()) head += "Authorization: Bearer " + token + "\r\n";
  if (!c.send_raw(head + "\r\n" + body)) return {};
  return c.read_answer(method == "HEAD");
}

}  // namespace pcntest
