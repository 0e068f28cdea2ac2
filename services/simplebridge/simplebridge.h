// simplebridge: a learning L2 switch. The filtering database lives in a BPF
// map written by the data plane; flooding of unknown and broadcast frames is
// done in the kernel (clones in TC, devmap broadcast in XDP).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "polycube/cube.h"
#include "simplebridge_gen.h"
#include "polycube/learned_table.h"
#include "simplebridge_shared.h"

namespace polycube::services {

class SimpleBridge : public Cube {
 public:
  struct FdbEntry {
    std::string mac;   // "aa:bb:cc:dd:ee:ff"
    std::string port;  // port name
    uint32_t age;      // seconds since last seen
  };

  SimpleBridge(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  // The YANG module's name (codegen); make_simplebridge_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::simplebridge::kServiceName;
  static ServiceInfo info();

  // Live entries (expired ones are removed while reading).
  std::vector<FdbEntry> fdb();
  void flush_fdb();
  void set_aging_time(uint32_t seconds);  // 1..1000000
  uint32_t aging_time() const;

 protected:
  void on_port_added(const Port &p) override;
  void on_port_removed(const Port &p) override;
  void on_port_egress(const Port &p, const pcn_target &egress) override;
  void on_packet_in(const PacketIn &pkt) override;

 private:
  void write_config();
  void write_flood_list();
  sb_config cfg_{SB_DEFAULT_AGING, 0};
  std::vector<uint32_t> flood_ports_;
  std::map<uint32_t, std::string> cube_peered_;  // port index -> name, peer is not a netdev
  LearnedTable<uint64_t, sb_fdb_entry> learned_fdb_;  // fdb()'s reads, with the runtime lock
};


}  // namespace polycube::services
