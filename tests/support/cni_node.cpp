#include "cni_node.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pcntest {

CniNode::CniNode(std::string network, std::string subnet)
    : network_(std::move(network)), subnet_(std::move(subnet)) {
  dir_ = "/tmp/" + net_.prefix() + "cni";
  sh("rm -rf " + dir_ + " && mkdir -p " + dir_ + "/ipam");
  std::string node = net_.add_ns("node");
  home_ns_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int fd = open(("/run/netns/" + node).c_str(), O_RDONLY | O_CLOEXEC);
  if (home_ns_ < 0 || fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot enter " + node);
  }
  close(fd);
  sh("ip link set lo up");
  pcnd_ = std::make_unique<Pcnd>(net_.prefix());
  if (!pcnd_->start()) throw std::runtime_error("polycubed did not start in " + node);
}

CniNode::~CniNode() {
  pcnd_.reset();  // stops the daemon while its netdevs still exist
  if (home_ns_ >= 0) {
    setns(home_ns_, CLONE_NEWNET);
    close(home_ns_);
  }
  sh("rm -rf " + dir_);
  // net_ deletes the namespaces (the node's, with every veth in it).
}

std::string CniNode::cni_path() const { return std::string(PCN_BUILD_DIR) + "/bin:/usr/lib/cni"; }

nlohmann::json CniNode::conf(const std::string &version, const nlohmann::json &extra) const {
  nlohmann::json c{{"cniVersion", version},
                   {"name", network_},
                   {"type", "polycube-cni"},
                   {"polycubed", pcnd_->url()},
                   {"mtu", 1400},
                   {"ipam", {{"type", "host-local"}, {"subnet", subnet_}, {"dataDir", ipam_dir()}}}};
  c.merge_patch(extra);
  return c;
}

CniRun CniNode::run(const std::string &command, const nlohmann::json &conf, const CniCall &call,
                    const std::string &plugin) {
  std::string in = dir_ + "/stdin.json", err = dir_ + "/stderr.txt";
  {
    std::ofstream f(in);
    f << conf.dump();
  }
  auto q = [](const std::string &s) { return "'" + s + "'"; };
  std::string env = "CNI_COMMAND=" + command + " CNI_PATH=" + cni_path();
  if (!call.container_id.empty()) env += " CNI_CONTAINERID=" + q(call.container_id);
  if (!call.netns.empty()) env += " CNI_NETNS=" + q(call.netns);
  if (!call.ifname.empty() && command != "GC" && command != "STATUS") env += " CNI_IFNAME=" + q(call.ifname);
  if (!call.args.empty()) env += " CNI_ARGS=" + q(call.args);
  std::string bin = plugin == "polycube-cni" ? std::string(PCN_BUILD_DIR) + "/bin/polycube-cni" : "/usr/lib/cni/" + plugin;
  std::string out = sh_out("env " + env + " " + bin + " <" + in + " 2>" + err + "; echo \"rc=$?\"");
  CniRun r;
  auto pos = out.rfind("rc=");
  r.rc = pos == std::string::npos ? -1 : std::atoi(out.c_str() + pos + 3);
  r.out = pos == std::string::npos ? out : out.substr(0, pos);
  r.err = sh_out("cat " + err);
  if (r.out.find_first_not_of(" \n") != std::string::npos) r.json = nlohmann::json::parse(r.out, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}

std::string CniNode::add_pod(const std::string &name) { return "/run/netns/" + net_.add_ns(name); }

std::vector<std::string> CniNode::ipam_allocations(const std::string &network) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto &e : std::filesystem::directory_iterator(ipam_dir() + "/" + (network.empty() ? network_ : network), ec)) {
    std::string f = e.path().filename().string();
    if (f.find_first_not_of("0123456789.") == std::string::npos) out.push_back(f);
  }
  return out;
}

}  // namespace pcntest
