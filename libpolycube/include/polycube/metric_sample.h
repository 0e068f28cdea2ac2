// One figure of a cube's data plane for the daemon's GET /metrics (the
// Prometheus text format). A cube lists its samples in Cube::metrics(); the
// daemon adds the labels cube and service and groups the samples of one
// name across cubes into one metric family.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace polycube {

struct MetricSample {
  enum class Type { kGauge, kCounter };
  // The full metric name, polycube_<service>_<what>; a counter's ends in
  // _total. Every sample of one name carries the same help, type and label
  // names.
  std::string name;
  std::string help;
  Type type = Type::kGauge;
  std::vector<std::pair<std::string, std::string>> labels;  // besides cube and service
  double value = 0;
};

}  // namespace polycube
