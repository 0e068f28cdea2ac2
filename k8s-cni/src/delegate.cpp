#include "delegate.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "cni_error.h"
#include "host_local.h"
#include "versions.h"

extern char **environ;

namespace pcncni {

std::optional<std::string> find_plugin(const std::string &type, const std::string &cni_path) {
  size_t start = 0;
  while (start <= cni_path.size()) {
    size_t end = cni_path.find(':', start);
    if (end == std::string::npos) end = cni_path.size();
    std::string dir = cni_path.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    std::string p = dir + "/" + type;
    struct stat st{};
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

std::string Ipam::binary() {
  auto p = find_plugin(conf_.ipam_type, env_.path);
  if (!p) throw CniError(kInvalidConfig, "IPAM plugin '" + conf_.ipam_type + "' not found in CNI_PATH (" + env_.path + ")");
  return *p;
}

nlohmann::json Ipam::run(const std::string &command, const nlohmann::json &conf,
                         const std::vector<std::pair<std::string, std::string>> &env) {
  std::string bin = binary();
  // The caller's environment, CNI_COMMAND and `env` replaced; a variable
  // set to "" is removed.
  std::map<std::string, std::string> vars;
  for (char **e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  vars["CNI_COMMAND"] = command;
  for (const auto &[k, v] : env) vars[k] = v;
  std::vector<std::string> strings;
  for (const auto &[k, v] : vars)
    if (!v.empty()) strings.push_back(k + "=" + v);
  std::vector<char *> envp;
  for (auto &s : strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::string input = command == "VERSION" ? "" : conf.dump();
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw CniError(kIoFailure, "pipe: " + std::string(std::strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw CniError(kIoFailure, "pipe: " + std::string(std::strerror(errno)));
  }
  pid_t pid = fork();
  if (pid < 0) throw CniError(kIoFailure, "fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    char *argv[] = {bin.data(), nullptr};
    execve(bin.c_str(), argv, envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  // Feed stdin and drain stdout together: either may exceed a pipe buffer.
  std::string output;
  size_t sent = 0;
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  while (true) {
    pollfd p[2] = {{out[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
    int n = poll(p, in[1] >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (in[1] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in[1], input.data() + sent, input.size() - sent);
      if (w > 0) sent += static_cast<size_t>(w);
      if (w < 0 || sent == input.size()) {
        close(in[1]);
        in[1] = -1;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16384];
      ssize_t r = read(out[0], buf, sizeof(buf));
      if (r > 0) output.append(buf, static_cast<size_t>(r));
      else if (r == 0 || errno != EINTR) break;
    }
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string who = "IPAM plugin " + conf_.ipam_type;
  auto doc = nlohmann::json::parse(output, nullptr, false);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (output.find_first_not_of(" \t\r\n") == std::string::npos) return nullptr;
    if (doc.is_discarded()) throw CniError(kDecodeFailure, who + " answered " + command + " with something that is not JSON");
    return doc;
  }
  if (!doc.is_discarded() && doc.is_object() && doc.contains("code") && doc["code"].is_number_integer())
    throw CniError(doc["code"].get<int>(), who + ": " + doc.value("msg", std::string("failed")),
                   doc.value("details", std::string()));
  throw CniError(kDelegateFailure, who + " failed " + command + " (" +
                                       (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                          : "killed by signal " + std::to_string(WTERMSIG(status))) +
                                       ")");
}

const std::vector<std::string> &Ipam::versions() {
  if (!versions_) {
    versions_.emplace();
    auto v = run("VERSION", nullptr, {});
    if (v.is_object() && v.contains("supportedVersions") && v["supportedVersions"].is_array())
      for (const auto &x : v["supportedVersions"])
        if (x.is_string()) versions_->push_back(x.get<std::string>());
  }
  return *versions_;
}

bool Ipam::speaks(const std::string &version) {
  for (const auto &v : versions())
    if (v == version) return true;
  return false;
}

nlohmann::json Ipam::call(const std::string &command, nlohmann::json conf,
                          const std::vector<std::pair<std::string, std::string>> &env) {
  auto lower_to = [&](const std::string &v) {
    conf["cniVersion"] = v;
    if (conf.contains("prevResult") && conf["prevResult"].is_object())
      conf["prevResult"] = to_json(parse_result(conf["prevResult"]), v);
  };
  // Newer than 1.0.0: ask first, most IPAM plugins in the field stop there.
  if (compare_versions(conf_.cni_version, "1.0.0") > 0 && !speaks(conf_.cni_version)) {
    std::string v = highest_common(versions(), conf_.cni_version);
    if (v.empty()) throw CniError(kIncompatibleVersion, "IPAM plugin " + conf_.ipam_type + " speaks no CNI version we do");
    lower_to(v);
    return run(command, conf, env);
  }
  try {
    return run(command, conf, env);
  } catch (const CniError &e) {
    if (e.code() != kIncompatibleVersion || versions_) throw;
    std::string v = highest_common(versions(), conf_.cni_version);
    if (v.empty() || v == conf_.cni_version) throw;
    lower_to(v);
    return run(command, conf, env);
  }
}

Result Ipam::add() {
  nlohmann::json conf = conf_.raw;
  conf.erase("prevResult");  // ours to merge; the IPAM plugin allocates afresh
  auto j = call("ADD", conf, {});
  if (!j.is_object()) throw CniError(kDelegateFailure, "IPAM plugin " + conf_.ipam_type + " returned no result");
  return parse_result(j);
}

void Ipam::del(const std::string &container_id, const std::string &ifname) {
  nlohmann::json conf = conf_.raw;
  call("DEL", conf, {{"CNI_CONTAINERID", container_id}, {"CNI_IFNAME", ifname}});
}

void Ipam::check(const nlohmann::json &prev_result) {
  nlohmann::json conf = conf_.raw;
  conf["prevResult"] = prev_result;
  call("CHECK", conf, {});
}

void Ipam::status() {
  if (!speaks("1.1.0")) return;  // answered VERSION: it runs; it has no STATUS to ask
  call("STATUS", conf_.raw, {});
}

void Ipam::gc(const std::vector<Attachment> &valid) {
  if (speaks("1.1.0")) {
    nlohmann::json conf = conf_.raw;
    auto list = nlohmann::json::array();
    for (const auto &a : valid) list.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
    conf["cni.dev/valid-attachments"] = list;
    call("GC", conf, {});
    return;
  }
  // A plugin from before GC (Debian 12's host-local 1.1.1): find its
  // allocations in its store and release the stale ones one DEL each.
  if (conf_.ipam_type != "host-local") return;
  std::set<Attachment> keep(valid.begin(), valid.end());
  for (const auto &a : host_local_allocations(conf_))
    if (!keep.count(a)) del(a.container_id, a.ifname);
}

}  // namespace pcncni
