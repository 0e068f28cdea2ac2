#include "request_metrics.h"

#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>

namespace polycube::daemon {

namespace {

// Upper bounds in seconds: a GET answers in ~0.1-1 ms, a write that
// fsyncs in ~0.5-5 ms, a 100,000-rule batch in ~1 s.
constexpr std::array<double, 14> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                            0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};

struct Histogram {
  std::array<uint64_t, kBounds.size()> buckets{};  // not cumulative here
  uint64_t count = 0;
  double sum = 0;
};

std::mutex g_mu;
std::map<std::pair<std::string, int>, Histogram> g_histograms;

// Methods outside the API's own are one label value, so a client cannot
// make the series grow without bound.
std::string method_label(const std::string &m) {
  for (const char *known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == known) return m;
  return "other";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

void observe_request(const std::string &method, int status, double seconds) {
  std::lock_guard<std::mutex> lock(g_mu);
  Histogram &h = g_histograms[{method_label(method), status}];
  for (size_t i = 0; i < kBounds.size(); i++)
    if (seconds <= kBounds[i]) {
      h.buckets[i]++;
      break;
    }
  h.count++;
  h.sum += seconds;
}

std::string request_metrics_text() {
  std::map<std::pair<std::string, int>, Histogram> copy;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    copy = g_histograms;
  }
  const std::string name = "polycube_http_request_duration_seconds";
  std::string out = "# HELP " + name + " Time from a complete API request to its answer.\n# TYPE " + name +
                    " histogram\n";
  for (const auto &[key, h] : copy) {
    const std::string labels = "method=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBounds.size(); i++) {
      cumulative += h.buckets[i];
      out += name + "_bucket{" + labels + ",le=\"" + number(kBounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += name + "_sum{" + labels + "} " + number(h.sum) + "\n";
    out += name + "_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace polycube::daemon
