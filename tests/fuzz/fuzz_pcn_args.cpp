// pcn's command line (pcn-cli/src/options.cpp, daemon_url.cpp, command.cpp):
// global options, the daemon URL, then the words resolved against a
// service's schema into one request, exactly as pcn does before it sends
// anything. Input: the arguments separated by NUL bytes.
#include <cstddef>
#include <cstdint>

#include "cli_error.h"
#include "command.h"
#include "daemon_url.h"
#include "options.h"
#include "pcn_schemas.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto &schemas = pcnfuzz::pcn_schemas();
  std::vector<std::string> args;
  std::string text(reinterpret_cast<const char *>(data), size);
  for (size_t start = 0;;) {
    size_t nul = text.find('\0', start);
    args.push_back(text.substr(start, nul - start));
    if (nul == std::string::npos) break;
    start = nul + 1;
  }
  pcn::Options o;
  try {
    o = pcn::parse_options(args, nullptr);
  } catch (const pcn::UsageError &) {  // an option without its value
    return 0;
  }
  try {
    pcn::parse_daemon_url(o.url);
  } catch (const pcn::UsageError &) {
  }
  if (o.words.empty()) return 0;
  // A service's own words (pcn <service> ...) when the first word names
  // one; otherwise the words of a cube of a service picked by its length.
  pcn::Schema *schema = nullptr;
  for (auto &s : schemas)
    if (s->service() == o.words[0]) schema = s.get();
  bool service = schema != nullptr;
  if (!schema) schema = schemas[o.words[0].size() % schemas.size()].get();
  try {
    auto none = [] { return std::string(); };
    pcn::Command cmd = service ? pcn::service_command(*schema, o.words, o.help, none)
                               : pcn::cube_command(*schema, o.words, o.help, none);
    (void)cmd;
  } catch (const pcn::UsageError &) {
  } catch (const std::runtime_error &) {  // pcn prints these as "pcn: <what>"
  }
  schema->clear();
  return 0;
}
