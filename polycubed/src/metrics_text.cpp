#include "metrics_text.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "polycube/runtime.h"

namespace polycube::daemon {

namespace {

// Label values: escape backslash, quote and newline.
std::string label_value(const std::string &v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// A sample value: whole numbers as integers (counters stay exact up to
// 2^53), others with every significant digit.
std::string sample_value(double v) {
  char buf[32];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v > -1e15 && v < 1e15)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Every cube's own data-plane figures (Cube::metrics), one family per
// metric name across cubes, labelled with the cube and its service. Under
// the runtime lock: no cube is torn down while it is read.
std::string cube_metrics_text(Runtime &rt) {
  struct Family {
    std::string help;
    MetricSample::Type type = MetricSample::Type::kGauge;
    std::string samples;
  };
  std::map<std::string, Family> families;
  std::lock_guard<std::recursive_mutex> lock(rt.mutex());
  for (const auto &c : rt.cubes()) {
    std::vector<MetricSample> samples;
    try {
      c->metrics(samples);
    } catch (const std::exception &e) {
      spdlog::warn("metrics of cube {}: {}", c->name(), e.what());
      continue;
    }
    for (const auto &m : samples) {
      auto [it, fresh] = families.try_emplace(m.name);
      Family &f = it->second;
      if (fresh) {
        f.help = m.help;
        f.type = m.type;
      }
      f.samples += m.name + "{cube=\"" + label_value(c->name()) + "\",service=\"" + label_value(c->service()) + "\"";
      for (const auto &[k, v] : m.labels) f.samples += "," + k + "=\"" + label_value(v) + "\"";
      f.samples += "} " + sample_value(m.value) + "\n";
    }
  }
  std::string out;
  for (const auto &[name, f] : families)
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name +
           (f.type == MetricSample::Type::kCounter ? " counter\n" : " gauge\n") + f.samples;
  return out;
}

}  // namespace

std::string metrics_text(Reconciler &rc, uint64_t requests, uint64_t errors) {
  struct Counter {
    const char *name, *help;
    uint64_t PortStats::*field;
  };
  static const Counter counters[] = {
      {"polycube_port_rx_packets_total", "Packets received by a cube port.", &PortStats::rx_pkts},
      {"polycube_port_rx_bytes_total", "Bytes received by a cube port.", &PortStats::rx_bytes},
      {"polycube_port_tx_packets_total", "Packets sent out of a cube port.", &PortStats::tx_pkts},
      {"polycube_port_tx_bytes_total", "Bytes sent out of a cube port.", &PortStats::tx_bytes},
      {"polycube_port_drops_total", "Packets dropped on a cube port.", &PortStats::drops},
  };
  auto label = label_value;
  auto cubes = rc.runtime().cubes();
  std::vector<std::tuple<std::string, std::string, std::string, PortStats>> rows;
  for (const auto &c : cubes)
    if (!c->transparent())
      for (const auto &p : c->ports()) rows.emplace_back(c->name(), c->service(), p.name, c->port_stats(p.name));
  std::string out;
  for (const auto &k : counters) {
    out += std::string("# HELP ") + k.name + " " + k.help + "\n# TYPE " + k.name + " counter\n";
    for (const auto &[cube, svc, port, st] : rows)
      out += std::string(k.name) + "{cube=\"" + label(cube) + "\",service=\"" + label(svc) + "\",port=\"" +
             label(port) + "\"} " + std::to_string(st.*k.field) + "\n";
  }
  out += "# HELP polycube_cubes Cubes that exist.\n# TYPE polycube_cubes gauge\npolycube_cubes " +
         std::to_string(cubes.size()) + "\n";
  // Per service, every loaded service listed (0 too), so that a dashboard
  // sees a service's cubes go to none rather than the series vanish.
  std::map<std::string, size_t> per_service;
  for (const auto &svc : rc.services()) per_service[svc] = 0;
  for (const auto &c : cubes) per_service[c->service()]++;
  out += "# HELP polycube_service_cubes Cubes that exist, by service.\n# TYPE polycube_service_cubes gauge\n";
  for (const auto &[svc, n] : per_service)
    out += "polycube_service_cubes{service=\"" + label(svc) + "\"} " + std::to_string(n) + "\n";
  out += cube_metrics_text(rc.runtime());
  out += "# HELP polycube_netdevs_lost_total Netdevs in use (a port's peer, an attachment point) that went away.\n"
         "# TYPE polycube_netdevs_lost_total counter\npolycube_netdevs_lost_total " +
         std::to_string(rc.runtime().netdevs_lost()) + "\n";
  out += "# HELP polycube_http_requests_total Requests served.\n# TYPE polycube_http_requests_total counter\n"
         "polycube_http_requests_total " + std::to_string(requests) + "\n";
  out += "# HELP polycube_http_errors_total Requests answered with an error status.\n"
         "# TYPE polycube_http_errors_total counter\npolycube_http_errors_total " + std::to_string(errors) + "\n";
  return out;
}

}  // namespace polycube::daemon
