// How a service plugs into the model-driven daemon: its YANG module and a
// reconciler that makes one cube match one list instance of that module.
// The daemon diffs the validated configuration tree and calls reconcile for
// every cube a write touches; to roll back it calls reconcile again with the
// previous configuration, so one function serves create, update, delete,
// rollback and restore.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace polycube {

class Runtime;
class Cube;

// An edit of a positional list (YANG extension polycube-base:positional: an
// ordered-by-user list keyed by the entry's position, like the firewall's
// rules): `remove` entries at position `pos`, then `insert` these there.
// `list` names the list below the cube in RESTCONF form with the keys of
// its ancestors, e.g. "chain=INGRESS/rule". Entries come without their key.
struct ListSplice {
  std::string list;
  uint32_t pos = 0;
  uint32_t remove = 0;
  std::vector<nlohmann::json> insert;
};

struct ServiceModel {
  std::string name;  // YANG module name = service name
  std::string yang;  // module text
  // Make cube `name` match `desired` (the RFC 7951 object of its list
  // instance, module prefix stripped), creating it if absent; delete it when
  // `desired` is null. Throws polycube::Error when the kernel or the
  // service refuses; the daemon then reconciles back to the old config.
  std::function<void(Runtime &, const std::string &name, const nlohmann::json *desired)> reconcile;
  // Optional, for services with positional lists: when set, `desired`
  // (in reconcile) and `current` (in config_action) leave those lists'
  // entries out, and every change of them arrives here instead, as splices
  // in order (a new cube: reconcile creates it, then one splice per list
  // brings its whole content). So inserting one rule in front of 100,000
  // costs the service one entry, not the whole list. Throw polycube::Error
  // to refuse; the daemon then reconciles back (inverse splices).
  std::function<void(Runtime &, const std::string &name, const std::vector<ListSplice> &splices)> splice;
  // Optional: what a DELETE below a cube takes with it, as Linux does (a
  // router's routes through an address that goes). Given the cube's
  // configuration after the deletion (as `desired`), the nodes to remove
  // in the same write, as XPath steps below the cube
  // ("route[network='10.9.0.0/24'][nexthop='10.1.0.1']").
  std::function<std::vector<std::string>(const nlohmann::json &after)> removes_with;
  // Optional: the read-only (config false) data of cube `name`, shaped like
  // its list instance without the module prefix; the daemon merges it into
  // GET answers.
  std::function<nlohmann::json(Runtime &, const std::string &name)> state;
  // Optional, narrower: the read-only data of the part of cube `name` at
  // `path` (RESTCONF form below the cube, e.g. "chain=INGRESS/rule=5"),
  // shaped like `state`'s answer but holding at least that part. A GET of
  // one rule then reads one counter, not 100,000. Without it, `state`.
  std::function<nlohmann::json(Runtime &, const std::string &name, const std::string &path)> state_at;
  // Optional: runs the YANG action at `path` below cube `name` (e.g.
  // "fdb/flush") with its input; returns the output object (may be null).
  std::function<nlohmann::json(Runtime &, const std::string &name, const std::string &path, const nlohmann::json &input)>
      action;
  // Optional: YANG actions that edit configuration (e.g. a firewall's
  // chain=INGRESS/append). Called before `action` with the committed
  // configuration of cube `name` (its list instance, module prefix stripped;
  // without the entries of positional lists when `splice` is set).
  // Return nullopt to leave the action to `action`, or the cube's new
  // configuration and/or splices of its positional lists, and the action's
  // output: the daemon then commits them like any write (YANG validation of
  // what changed, reconcile with rollback, persistence), so the edit
  // survives restarts and a refused one changes nothing. A splice's position
  // out of range is refused by the daemon (400). Throw polycube::Error to
  // refuse the input.
  struct ConfigEdit {
    nlohmann::json config;  // the cube's new configuration; null: unchanged
    nlohmann::json output;  // null: no output
    std::vector<ListSplice> splices;  // applied after `config`, in order
  };
  std::function<std::optional<ConfigEdit>(const nlohmann::json &current, const std::string &path,
                                          const nlohmann::json &input)>
      config_action;
  // Optional: cube `name` as a document of a media type other than JSON
  // (a capture as application/vnd.tcpdump.pcap). A GET of the cube whose
  // Accept header prefers one of `exports` to JSON answers with
  // export_as(rt, name, that type).
  std::vector<std::string> exports;
  std::function<std::string(Runtime &, const std::string &name, const std::string &media_type)> export_as;
};

// The C entry point of a service plugin (see cmake/PolycubeService.cmake):
// fills `out` and returns nullptr, or returns an error message. The name
// carries the plugin ABI version; a daemon refuses plugins without it.
// v2: ServiceModel gained config_action (a v1 plugin's struct is smaller).
// v3: splice, state_at and ConfigEdit::splices.
// v4: exports and export_as.
// v5: Cube::metrics, a new virtual (a cube built against v4 has no slot
// for it in its vtable).
#define PCN_SERVICE_PLUGIN_ENTRY pcn_service_plugin_v5
#define PCN_SERVICE_PLUGIN_SYMBOL "pcn_service_plugin_v5"

// Shared by services whose YANG has `list ports { key name; leaf peer; }`:
// removes, re-peers and adds ports so that `cube` matches `desired_ports`
// (a JSON array, or null for none).
void reconcile_ports(Cube &cube, const nlohmann::json *desired_ports);

// Transparent cubes: attach, move or detach `cube` so that it sits where the
// polycube-base leaves `attached-to` / `position` of `desired` say.
void reconcile_attachment(Runtime &rt, Cube &cube, const nlohmann::json &desired);

// The "type" leaf (TC, XDP_SKB, XDP_DRV), default TC.
std::string mode_name_of(const nlohmann::json &desired);

// The cube called `name` (of any service), or nullptr.
std::shared_ptr<Cube> find_cube(Runtime &rt, const std::string &name);

// The common shape of a reconciler: delete when `desired` is null; create
// with the "type" mode when absent (refusing a later mode change); then
// reconcile the ports and hand the cube to `configure` for the service's
// own leaves.
template <class T>
void reconcile_cube(Runtime &rt, const std::string &service, const std::string &name, const nlohmann::json *desired,
                    const std::function<void(T &, const nlohmann::json &)> &configure);

}  // namespace polycube

#include "polycube/runtime.h"

namespace polycube {

template <class T>
void reconcile_cube(Runtime &rt, const std::string &service, const std::string &name, const nlohmann::json *desired,
                    const std::function<void(T &, const nlohmann::json &)> &configure) {
  auto found = find_cube(rt, name);
  if (!desired) {  // a name held by another service is not ours to delete
    if (found && found->service() == service) {
      if (!found->attached_to().empty()) rt.detach(name, found->attached_to());
      rt.delete_cube(name);
    }
    return;
  }
  if (found && found->service() != service)  // names are global
    throw Error(ErrorCode::kExists, "a cube named '" + name + "' already exists (service " + found->service() + ")");
  Mode mode = mode_from_string(mode_name_of(*desired));
  std::shared_ptr<T> cube = std::dynamic_pointer_cast<T>(found);
  if (!cube) {
    cube = rt.create<T>(name, mode);
    if (cube->service() != service) {  // a ServiceInfo not built from T::kServiceName
      std::string declared = cube->service();
      rt.delete_cube(name);
      throw Error(ErrorCode::kInvalid, "service " + service + ": its cube class declares service '" + declared +
                                           "' in ServiceInfo (build it from kServiceName)");
    }
  } else if (cube->mode() != mode) {
    throw Error(ErrorCode::kInvalid, "cube " + name + ": type cannot change after creation (is " +
                                         to_string(cube->mode()) + ")");
  }
  cube->set_log_level(desired->value("loglevel", "INFO"));
  if (!cube->transparent()) reconcile_ports(*cube, desired->contains("ports") ? &desired->at("ports") : nullptr);
  configure(*cube, *desired);
  if (cube->transparent()) reconcile_attachment(rt, *cube, *desired);
}

}  // namespace polycube
