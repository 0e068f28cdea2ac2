#include "host_local.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ipv4.h"

namespace pcncni {

std::vector<Attachment> host_local_allocations(const NetConf &conf) {
  std::string data_dir = "/var/lib/cni/networks";
  const auto &ipam = conf.raw["ipam"];
  if (ipam.contains("dataDir") && ipam["dataDir"].is_string()) data_dir = ipam["dataDir"].get<std::string>();
  std::vector<Attachment> out;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(data_dir + "/" + conf.name, ec)) {
    std::string file = entry.path().filename().string();
    if (!parse_ipv4(file) && file.find(':') == std::string::npos) continue;  // lock, last_reserved_ip.N
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str(), id, ifname;
    auto eol = text.find_first_of("\r\n");
    id = text.substr(0, eol);
    if (eol != std::string::npos) {
      auto start = text.find_first_not_of("\r\n", eol);
      if (start != std::string::npos) ifname = text.substr(start, text.find_first_of("\r\n", start) - start);
    }
    if (id.empty()) continue;
    out.push_back({id, ifname.empty() ? "eth0" : ifname});  // old stores kept only the id
  }
  return out;
}

}  // namespace pcncni
