#include "options.h"

#include "cli_error.h"

namespace pcn {

Options parse_options(const std::vector<std::string> &args, const char *env_url, const char *env_token,
                      const char *env_cacert) {
  Options o;
  o.url = env_url && *env_url ? env_url : "http://127.0.0.1:9000";
  if (env_token) o.token = env_token;
  if (env_cacert) o.cacert = env_cacert;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size() || args[i + 1].empty()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--url" && i + 1 < args.size()) o.url = args[++i];
    else if (a == "--message" && i + 1 < args.size()) o.message = args[++i];
    else if (a == "--confirm" && i + 1 < args.size()) o.confirm = args[++i];
    else if (a == "--token") o.token = value();
    else if (a == "--cacert") o.cacert = value();
    else if (a == "--cert") o.cert = value();
    else if (a == "--key") o.key = value();
    else if (a == "-json") o.format = "json";
    else if (a == "-yaml") o.format = "yaml";
    else if (a == "?" || a == "--help" || a == "-h") o.help = true;
    else o.words.push_back(a);
  }
  if (o.cert.empty() != o.key.empty())
    throw UsageError(o.cert.empty() ? "--key needs --cert (the certificate it is the key of)"
                                    : "--cert needs --key (its private key)");
  return o;
}

}  // namespace pcn
