#include "options.h"

namespace pcn {

Options parse_options(const std::vector<std::string> &args, const char *env_url) {
  Options o;
  o.url = env_url && *env_url ? env_url : "http://127.0.0.1:9000";
  for (size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    if (a == "--url" && i + 1 < args.size()) o.url = args[++i];
    else if (a == "--message" && i + 1 < args.size()) o.message = args[++i];
    else if (a == "--confirm" && i + 1 < args.size()) o.confirm = args[++i];
    else if (a == "-json") o.format = "json";
    else if (a == "-yaml") o.format = "yaml";
    else if (a == "?" || a == "--help" || a == "-h") o.help = true;
    else o.words.push_back(a);
  }
  return o;
}

}  // namespace pcn
