// HTTP/1.1 client for polycubed's RESTCONF API: one kept-alive connection
// per plugin run, a deadline on every step (a plugin must never hang a
// kubelet), bodies sent as application/yang-data+json, an optional bearer
// token. Transport failures (refused, reset, timed out) are CNI code 11,
// "try again later": the daemon is down or restarting.
#pragma once

#include <string>

namespace pcncni {

class RestClient {
 public:
  struct Reply {
    int status = 0;
    std::string body;
  };
  // `url` is "http://host[:port]"; throws CniError(kInvalidConfig) otherwise.
  RestClient(const std::string &url, std::string token, int timeout_ms = 30000);
  ~RestClient();
  RestClient(const RestClient &) = delete;
  RestClient &operator=(const RestClient &) = delete;

  // Opens the connection now (used before anything is changed, so that a
  // daemon that is down costs nothing).
  void connect();
  Reply request(const std::string &method, const std::string &target, const std::string &body = "");
  const std::string &url() const { return url_; }

 private:
  void disconnect();
  bool send_all(const std::string &data);
  bool read_reply(Reply &r, bool &closed);
  bool fill();

  std::string url_, host_, port_, token_;
  int timeout_ms_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace pcncni
