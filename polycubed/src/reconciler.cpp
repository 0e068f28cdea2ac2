#include "reconciler.h"

#include "polycube/base_yang.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

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
  auto it = services_.find(module);
  return it == services_.end() ? "" : it->second.yang;
}

std::string Reconciler::get(const std::string &xpath, bool with_state) const {
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
  return ds_.get(xpath, state.empty() ? "" : state.dump());
}

nlohmann::json Reconciler::action(const std::string &module, const std::string &name, const std::string &path,
                                  const nlohmann::json &input) {
  std::lock_guard<std::mutex> lock(mu_);
  auto svc = services_.find(module);
  if (svc == services_.end() || !svc->second.action)
    throw Error(ErrorCode::kNotFound, "service " + module + " has no actions");
  if (current(module, name).is_null()) throw Error(ErrorCode::kNotFound, "no cube " + name);
  return svc->second.action(rt_, name, path, input);
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

void Reconciler::remove(const std::string &xpath) {
  std::lock_guard<std::mutex> lock(mu_);
  apply(ds_.remove(xpath));
}

void Reconciler::apply(Transaction &&txn) {
  std::vector<std::pair<const CubeChange *, nlohmann::json>> touched;  // change, config before
  try {
    for (const auto &c : txn.changes()) {
      const ServiceModel &svc = services_.at(c.module);
      touched.emplace_back(&c, current(c.module, c.name));
      if (c.op == CubeChange::kDelete) {
        svc.reconcile(rt_, c.name, nullptr);
      } else {
        nlohmann::json desired = instance_of(c.json, c.module);
        svc.reconcile(rt_, c.name, &desired);
      }
    }
  } catch (const std::exception &e) {
    // Back to the committed configuration, newest first; the tree is not
    // committed, so the datastore already holds the old state.
    for (auto it = touched.rbegin(); it != touched.rend(); ++it) {
      const auto &[c, before] = *it;
      try {
        services_.at(c->module).reconcile(rt_, c->name, before.is_null() ? nullptr : &before);
      } catch (const std::exception &re) {
        spdlog::error("rollback of {} {} failed: {}", c->module, c->name, re.what());
      }
    }
    throw;
  }
  ds_.commit(std::move(txn));
  persist();
}

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
