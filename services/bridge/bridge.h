// bridge: an 802.1Q learning bridge. The data plane (bridge.bpf.c) classifies
// frames into VLANs, learns into a (VLAN, MAC) filtering database and floods
// within the VLAN in the kernel; this control plane writes port VLAN
// configuration, static entries and the aging time into its maps, floods to
// cube-peered ports the kernel cannot clone to, and runs the spanning tree
// (stp.h) on BPDUs punted by the data plane, writing each port's state back.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bridge_shared.h"
#include "polycube/cube.h"
#include "bridge_gen.h"
#include "polycube/learned_table.h"
#include "stp.h"

namespace polycube::services {

class Bridge : public Cube {
 public:
  struct PortVlan {
    bool trunk = false;
    uint16_t vlan = 1;             // access VLAN
    std::set<uint16_t> allowed;    // trunk: tagged VLANs
    uint16_t native_vlan = 0;      // trunk: untagged VLAN (0: none)
    bool operator==(const PortVlan &) const = default;
  };
  struct FdbEntry {
    uint16_t vlan;
    std::string mac;   // "aa:bb:cc:dd:ee:ff"
    std::string port;  // port name
    uint32_t age;      // seconds since last seen (0 for static)
    bool is_static;
  };
  struct StaticEntry {
    uint16_t vlan;
    std::string mac;
    std::string port;
    bool operator<(const StaticEntry &o) const {
      return std::tie(vlan, mac, port) < std::tie(o.vlan, o.mac, o.port);
    }
  };
  struct StpConfig {
    bool enabled = false;
    uint16_t priority = 32768;
    StpTimers timers;
    bool operator==(const StpConfig &o) const {
      return enabled == o.enabled && priority == o.priority && timers.hello_time == o.timers.hello_time &&
             timers.forward_delay == o.timers.forward_delay && timers.max_age == o.timers.max_age;
    }
  };
  struct StpStatus {
    std::string bridge_id, root_id, root_port;
    uint32_t root_path_cost = 0;
  };
  struct Counters {
    uint64_t floods = 0, vlan_drops = 0, stp_drops = 0, bpdus = 0;
    uint64_t slowpath_flood_drops = 0;  // over BR_SLOWPATH_FLOOD_PPS
    uint64_t flood_drops = 0;           // over the flood rate limit
  };

  Bridge(Runtime &rt, const std::string &name, Mode mode = Mode::kTc);
  ~Bridge() override;
  // The YANG module's name (codegen); make_bridge_model() checks it at compile time.
  static constexpr std::string_view kServiceName = gen::bridge::kServiceName;
  static ServiceInfo info();

  // VLAN membership of a port (validated: VLAN ids 1..4094; access ports
  // carry no allowed list).
  void set_port_vlan(const std::string &port, const PortVlan &v);
  PortVlan port_vlan(const std::string &port) const;

  // Filtering database. fdb() drops expired dynamic entries while reading.
  std::vector<FdbEntry> fdb();
  void flush_fdb();  // dynamic entries only
  // How many entries fdb() would list, without building them: one read of
  // each entry (the FDB keeps no count of its own).
  size_t fdb_entries();
  void set_static_entries(const std::set<StaticEntry> &entries);
  void set_aging_time(uint32_t seconds);  // 1..1000000
  uint32_t aging_time() const;
  // Floods per second per CPU in the data plane (0: no limit).
  void set_flood_rate_limit(uint32_t pps);
  uint32_t flood_rate_limit() const;

  // Spanning tree.
  void set_stp(const StpConfig &c);
  StpConfig stp() const;
  StpStatus stp_status() const;
  std::string port_stp_state(const std::string &port) const;  // "forwarding" when STP is off
  std::string port_stp_role(const std::string &port) const;
  uint64_t bridge_mac() const { return mac_; }

  Counters counters() const;

  // FDB entries, floods and drops by reason (bridge_metrics.cpp).
  void metrics(std::vector<MetricSample> &out) override;

 protected:
  void on_port_added(const Port &p) override;
  void on_port_removed(const Port &p) override;
  void on_port_egress(const Port &p, const pcn_target &egress) override;
  void on_packet_in(const PacketIn &pkt) override;

 private:
  void write_config();
  void write_flood_list();
  void write_port(uint32_t index);
  void write_stp_state(uint32_t index, StpState s);
  void apply(const SpanningTree::Output &out);
  void stp_loop();
  void stop_stp_thread();
  uint32_t index_of(const std::string &port) const;  // throws kNotFound
  int devmap_egress_fd();

  // Map fds cached at creation: the STP thread uses them without the
  // runtime lock (they live as long as the cube).
  int ports_fd_, fdb_fd_, config_fd_;
  LearnedTable<br_fdb_key, br_fdb_entry> learned_fdb_;  // fdb()'s reads, with the runtime lock
  br_config cfg_{BR_DEFAULT_AGING, 0, 0, BR_DEFAULT_FLOOD_PPS};
  uint64_t mac_;
  std::vector<uint32_t> flood_ports_;
  std::map<uint32_t, std::string> cube_peered_;  // port index -> name, peer is not a netdev
  std::set<StaticEntry> statics_;

  mutable std::mutex mu_;  // below: port tables and the spanning tree
  std::map<uint32_t, std::string> names_;  // port index -> name
  std::map<uint32_t, PortVlan> vlans_;
  std::map<uint32_t, uint32_t> dp_state_;  // port index -> BR_STP_*
  StpConfig stp_cfg_;
  SpanningTree stp_;
  std::thread stp_thread_;
  std::atomic<bool> stp_stop_{false};
  std::condition_variable stp_cv_;

  std::shared_ptr<LoadedObject> devmap_prog_;
  // Slow-path flood budget (BR_SLOWPATH_FLOOD_*); slow-path thread only.
  double flood_tokens_ = BR_SLOWPATH_FLOOD_BURST, flood_refill_at_ = 0;
  std::atomic<uint64_t> slowpath_flood_drops_{0};  // XDP: br_devmap_egress
};


}  // namespace polycube::services
