#include "reconciler.h"

#include "polycube/base_yang.h"

const std::string &polycube_framework_yang();

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace polycube::daemon {

namespace fs = std::filesystem;

namespace {

// `{"mod:mod":[{...}]}` (one printed list instance) -> `{...}`.
nlohmann::json instance_of(const std::string &printed, const std::string &module) {
  auto doc = nlohmann::json::parse(printed);
  const auto &list = doc.at(module + ":" + module);
  return list.at(0);
}

std::string instance_path(const std::string &module, const std::string &name) {
  return "/" + module + ":" + module + "[name='" + name + "']";
}

}  // namespace

Reconciler::Reconciler(Runtime &rt, std::vector<ServiceModel> services, std::string state_file)
    : rt_(rt), state_file_(std::move(state_file)) {
  ds_.load_module(polycube_framework_yang());  // served by framework_api, not by a service
  for (auto &s : services) {
    std::string module = ds_.load_module(s.yang);
    if (module != s.name)
      throw Error(ErrorCode::kInvalid, "service " + s.name + " ships module " + module);
    services_[module] = std::move(s);
  }
}

std::vector<std::string> Reconciler::services() const {
  std::vector<std::string> out;
  for (const auto &[name, _] : services_) out.push_back(name);
  return out;
}

std::string Reconciler::yang(const std::string &module) const {
  if (module == "polycube-base") return polycube_base_yang();
  if (module == "polycube") return polycube_framework_yang();
  auto it = services_.find(module);
  return it == services_.end() ? "" : it->second.yang;
}

std::string Reconciler::get(const std::string &xpath, Content content) const {
  bool with_state = content != Content::kConfig;
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json state = nlohmann::json::object();
  for (const auto &cube : with_state ? rt_.cubes() : std::vector<std::shared_ptr<Cube>>{}) {
    auto svc = services_.find(cube->service());
    if (svc == services_.end() || !svc->second.state) continue;
    nlohmann::json s = svc->second.state(rt_, cube->name());
    if (s.is_null()) continue;
    s["name"] = cube->name();
    state[svc->first + ":" + svc->first].push_back(s);
  }
  return ds_.get(xpath, state.empty() ? "" : state.dump(), content == Content::kNonconfig);
}

nlohmann::json Reconciler::action(const std::string &module, const std::string &name, const std::string &path,
                                  const nlohmann::json &input) {
  std::lock_guard<std::mutex> lock(mu_);
  auto svc = services_.find(module);
  if (svc == services_.end() || (!svc->second.action && !svc->second.config_action))
    throw Error(ErrorCode::kNotFound, "service " + module + " has no actions");
  nlohmann::json cur = current(module, name);
  if (cur.is_null()) throw Error(ErrorCode::kNotFound, "no cube " + name);
  // Typed, checked and with defaults, from the action's YANG input.
  nlohmann::json checked = ds_.parse_action_input(module, name, path, input);
  if (svc->second.config_action) {
    // An action that edits configuration: commit its result through the
    // same path as a PUT of the cube (validate, reconcile, persist).
    if (auto edit = svc->second.config_action(cur, path, checked)) {
      edit->config["name"] = name;
      nlohmann::json doc = {{module + ":" + module, nlohmann::json::array({std::move(edit->config)})}};
      apply(ds_.replace(instance_path(module, name), doc.dump()));
      return edit->output;
    }
  }
  if (!svc->second.action) throw Error(ErrorCode::kNotFound, "no action " + path);
  return svc->second.action(rt_, name, path, checked);
}

nlohmann::json Reconciler::current(const std::string &module, const std::string &name) const {
  try {
    return instance_of(ds_.get(instance_path(module, name)), module);
  } catch (const DataError &) {
    return nullptr;
  }
}

bool Reconciler::exists(const std::string &module, const std::string &name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !current(module, name).is_null();
}

void Reconciler::merge(const std::string &json) {
  std::lock_guard<std::mutex> lock(mu_);
  apply(ds_.merge(json));
}

bool Reconciler::exists_at(const std::string &xpath) const {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    ds_.get(xpath);
    return true;
  } catch (const DataError &) {
    return false;
  }
}

bool Reconciler::replace(const std::string &xpath, const std::string &json) {
  std::lock_guard<std::mutex> lock(mu_);
  bool existed = true;
  try {
    ds_.get(xpath);
  } catch (const DataError &) {
    existed = false;
  }
  apply(ds_.replace(xpath, json));
  return !existed;
}

void Reconciler::remove(const std::vector<std::string> &xpaths) {
  std::lock_guard<std::mutex> lock(mu_);
  apply(ds_.remove(xpaths));
}

namespace {

bool is_cube_port(const std::string &ref) { return ref.find(':') != std::string::npos; }

// Index of a whole configuration: every cube's ports ("cube:port" -> peer)
// and transparent attachments (cube -> where), plus names seen per module.
struct References {
  std::map<std::string, std::string> port_peer;
  std::map<std::string, std::string> attached;
  std::map<std::string, std::string> cube_service;
  std::string duplicate;  // a cube name used by two services

  explicit References(const nlohmann::json &config) {
    if (!config.is_object()) return;
    for (const auto &[qname, list] : config.items()) {
      if (!list.is_array()) continue;
      std::string module = qname.substr(0, qname.find(':'));
      for (const auto &inst : list) {
        std::string cube = inst.value("name", "");
        if (!cube_service.emplace(cube, module).second) duplicate = cube;
        if (inst.contains("ports"))
          for (const auto &p : inst["ports"]) port_peer[cube + ":" + p.value("name", "")] = p.value("peer", "");
        if (inst.contains("attached-to")) attached[cube] = inst["attached-to"].get<std::string>();
      }
    }
  }
};

}  // namespace

void Reconciler::check_references(const nlohmann::json &candidate, const nlohmann::json &running) const {
  References cand(candidate), run(running);
  if (!cand.duplicate.empty())
    throw Error(ErrorCode::kExists, "a cube named '" + cand.duplicate + "' already exists (names are global)");
  for (const auto &[port, peer] : cand.port_peer) {
    if (!is_cube_port(peer)) continue;
    auto other = cand.port_peer.find(peer);
    if (other == cand.port_peer.end()) {
      if (run.port_peer.count(peer))
        throw Error(ErrorCode::kInUse, "cannot remove " + peer + ": port " + port + " is connected to it; disconnect first");
      throw Error(ErrorCode::kNotFound, "peer " + peer + " of port " + port + " does not exist");
    }
    if (other->second != port)
      throw Error(ErrorCode::kInvalid, "port " + port + " names peer " + peer + " but " + peer + " is " +
                                           (other->second.empty() ? "unconnected" : "connected to " + other->second) +
                                           "; set both sides in one write or use connect");
  }
  for (const auto &[cube, where] : cand.attached) {
    if (!is_cube_port(where) || cand.port_peer.count(where)) continue;
    if (run.port_peer.count(where))
      throw Error(ErrorCode::kInUse, "cannot remove " + where + ": " + cube + " is attached to it; detach first");
    throw Error(ErrorCode::kNotFound, "cannot attach " + cube + ": no port " + where);
  }
  // A transparent cube being deleted while attached is in use too.
  for (const auto &[cube, where] : run.attached)
    if (!where.empty() && !cand.cube_service.count(cube))
      throw Error(ErrorCode::kInUse, "cube " + cube + " is attached to " + where + "; detach it first");
}

nlohmann::json Reconciler::without_new_links(const Step &s) const {
  nlohmann::json d = s.desired;
  auto cube = find_cube(rt_, s.name);
  if (d.contains("ports"))
    for (auto &p : d["ports"]) {
      std::string peer = p.value("peer", ""), now;
      if (!is_cube_port(peer)) continue;
      if (cube) try {
          now = cube->port(p.value("name", "")).peer.to_string();
        } catch (const Error &) {
        }
      if (now != peer) p.erase("peer");
    }
  if (d.contains("attached-to") && (!cube || cube->attached_to() != d["attached-to"].get<std::string>()))
    d.erase("attached-to");
  return d;
}

void Reconciler::run(const std::vector<Step> &steps, std::vector<Step> *undo, bool best_effort) {
  auto reconcile = [&](const Step &s, const nlohmann::json *desired) {
    if (undo && std::none_of(undo->begin(), undo->end(), [&](const Step &u) { return u.name == s.name; }))
      undo->push_back({s.module, s.name, current(s.module, s.name), s.transparent});
    try {
      services_.at(s.module).reconcile(rt_, s.name, desired && desired->is_null() ? nullptr : desired);
    } catch (const std::exception &e) {
      if (!best_effort) throw;
      spdlog::error("rollback of {} {} failed: {}", s.module, s.name, e.what());
    }
  };
  // 1. Deletions, transparent cubes first (they sit on the others' ports).
  for (bool transparent : {true, false})
    for (const auto &s : steps)
      if (s.desired.is_null() && s.transparent == transparent) reconcile(s, nullptr);
  // 2. Creations and updates, without the links to ports that do not exist
  //    yet (or will change); 3. then those links, once every cube is there.
  std::vector<const Step *> relink;
  for (bool transparent : {false, true})
    for (const auto &s : steps) {
      if (s.desired.is_null() || s.transparent != transparent) continue;
      nlohmann::json first = without_new_links(s);
      reconcile(s, &first);
      if (first != s.desired) relink.push_back(&s);
    }
  for (const Step *s : relink) reconcile(*s, &s->desired);
}

void Reconciler::apply(Transaction &&txn) {
  check_references(nlohmann::json::parse(ds_.candidate(txn)), nlohmann::json::parse(ds_.get()));
  std::vector<Step> steps, undo;
  for (const auto &c : txn.changes())
    if (!services_.count(c.module))
      throw Error(ErrorCode::kInvalid, "module " + c.module + " has no configuration to write here");
  for (const auto &c : txn.changes())
    steps.push_back({c.module, c.name, c.op == CubeChange::kDelete ? nlohmann::json() : instance_of(c.json, c.module),
                     transparent(c.module)});
  try {
    run(steps, &undo, false);
  } catch (const std::exception &) {
    // Back to the committed configuration of every cube touched; the tree
    // is not committed, so the datastore still holds it.
    run(undo, nullptr, true);
    throw;
  }
  ds_.commit(std::move(txn));
  persist();
}

bool Reconciler::transparent(const std::string &module) const { return ds_.has_leaf(module, "attached-to"); }

void Reconciler::restore() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_file_.empty()) return;
  std::ifstream in(state_file_);
  if (!in) return;  // first start
  std::stringstream ss;
  ss << in.rdbuf();
  std::string saved = ss.str();
  if (saved.empty() || saved == "{}") return;
  apply(ds_.merge(saved));
  spdlog::info("restored the configuration from {}", state_file_);
}

void Reconciler::persist() const {
  if (state_file_.empty()) return;
  // write, fsync, rename, fsync the directory: the file is the old or the
  // new configuration, never a mix, whatever happens to the process.
  std::string tmp = state_file_ + ".tmp", data = ds_.get();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), state_file_.c_str()) == 0;
  if (ok) {
    std::string dir = fs::path(state_file_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  if (!ok) spdlog::error("cannot save the configuration to {}: {}", state_file_, std::strerror(errno));
}

}  // namespace polycube::daemon
