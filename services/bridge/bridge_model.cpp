// bridge as a model-driven service: the handler of its generated model
// (codegen-yang: bridge_gen.h). Validates the whole desired configuration
// first, then applies port VLANs, the spanning tree, aging and static
// entries, so a refused write changes nothing.
#include "bridge_model.h"

#include "bridge.h"
#include "bridge_gen.h"

namespace polycube::services {

namespace {

namespace model = polycube::gen::bridge;

// The port's VLAN settings, from either spelling: ours (vlan, allowed,
// native-vlan) or Polycube's (access/vlanid, trunk/allowed,
// trunk/native-vlan). validate() has refused spellings that disagree.
Bridge::PortVlan vlan_of(const model::BridgePorts &p) {
  Bridge::PortVlan v;
  v.trunk = p.mode == model::BridgePortsMode::trunk;
  v.vlan = p.access.vlanid.value_or(p.vlan);
  v.allowed.insert(p.allowed.begin(), p.allowed.end());
  for (const auto &a : p.trunk.allowed) v.allowed.insert(a.vlanid);
  v.native_vlan = p.trunk.native_vlan.value_or(p.native_vlan.value_or(0));
  return v;
}

void validate(const model::Bridge &d) {
  std::set<std::string> ports;
  for (const auto &p : d.ports) {
    ports.insert(p.name);
    bool trunk_settings = !p.allowed.empty() || p.native_vlan || !p.trunk.allowed.empty() || p.trunk.native_vlan;
    if (p.mode == model::BridgePortsMode::access && trunk_settings)
      throw Error(ErrorCode::kInvalid, "port " + p.name + ": allowed and native-vlan need mode=trunk");
    if (p.mode == model::BridgePortsMode::trunk && p.access.vlanid)
      throw Error(ErrorCode::kInvalid, "port " + p.name + ": access vlanid needs mode=access");
    // vlan=1 is vlan's default: access/vlanid then says the VLAN.
    if (p.access.vlanid && p.vlan != 1 && p.vlan != *p.access.vlanid)
      throw Error(ErrorCode::kInvalid, "port " + p.name + ": vlan=" + std::to_string(p.vlan) + " and access vlanid=" +
                                           std::to_string(*p.access.vlanid) +
                                           " are one setting and disagree: set one of them (or both alike)");
    if (p.native_vlan && p.trunk.native_vlan && *p.native_vlan != *p.trunk.native_vlan)
      throw Error(ErrorCode::kInvalid, "port " + p.name + ": native-vlan=" + std::to_string(*p.native_vlan) +
                                           " and trunk native-vlan=" + std::to_string(*p.trunk.native_vlan) +
                                           " are one setting and disagree: set one of them (or both alike)");
  }
  for (const auto &s : d.fdb.static_)
    if (!ports.count(s.port))
      throw Error(ErrorCode::kInvalid, "static entry " + std::to_string(s.vlan) + "," + s.address + ": no port '" +
                                           s.port + "' on this bridge");
}

class Handler : public model::BridgeHandler<Bridge> {
 public:
  void update(Bridge &br, const model::Bridge &d) override {
    validate(d);
    for (const auto &p : d.ports) br.set_port_vlan(p.name, vlan_of(p));
    if (d.fdb.aging_time != br.aging_time()) br.set_aging_time(d.fdb.aging_time);
    if (d.flood_rate_limit != br.flood_rate_limit()) br.set_flood_rate_limit(d.flood_rate_limit);
    std::set<Bridge::StaticEntry> statics;
    for (const auto &s : d.fdb.static_) statics.insert({s.vlan, s.address, s.port});
    br.set_static_entries(statics);
    Bridge::StpConfig stp;
    stp.enabled = d.stp_enabled;
    stp.priority = d.stp.priority;
    stp.timers.hello_time = d.stp.hello_time;
    stp.timers.forward_delay = d.stp.forward_delay;
    stp.timers.max_age = d.stp.max_age;
    br.set_stp(stp);
  }

  model::BridgeState state(Bridge &br) override {
    model::BridgeState s;
    for (const auto &p : br.ports()) {
      model::BridgeStatePorts ps;
      ps.name = p.name;
      model::BridgeStatePortsStpState st{};
      model::BridgeStatePortsStpRole role{};
      if (model::from_string(br.port_stp_state(p.name), st)) ps.stp_state = st;
      if (model::from_string(br.port_stp_role(p.name), role)) ps.stp_role = role;
      s.ports.push_back(ps);
    }
    auto status = br.stp_status();
    s.stp.bridge_id = status.bridge_id;
    s.stp.root_id = status.root_id;
    if (!status.root_port.empty()) s.stp.root_port = status.root_port;
    s.stp.root_path_cost = status.root_path_cost;
    auto c = br.counters();
    s.counters.floods = c.floods;
    s.counters.vlan_drops = c.vlan_drops;
    s.counters.stp_drops = c.stp_drops;
    s.counters.bpdus = c.bpdus;
    s.counters.slowpath_flood_drops = c.slowpath_flood_drops;
    s.counters.flood_drops = c.flood_drops;
    for (const auto &e : br.fdb()) {
      model::BridgeStateFdbEntry fe;
      fe.vlan = e.vlan;
      fe.address = e.mac;
      fe.port = e.port;
      fe.age = e.age;
      fe.type = e.is_static ? model::BridgeStateFdbEntryType::static_ : model::BridgeStateFdbEntryType::dynamic;
      s.fdb.entry.push_back(fe);
    }
    return s;
  }

  model::BridgeFdbFlushOutput fdb_flush(Bridge &br, const model::BridgeFdbFlushInput &) override {
    br.flush_fdb();
    return {};
  }
};

}  // namespace

ServiceModel bridge_model() { return model::make_bridge_model<Bridge>(std::make_shared<Handler>()); }

}  // namespace polycube::services
