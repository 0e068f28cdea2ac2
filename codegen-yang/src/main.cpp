// codegen-yang: build-time generator. Reads a service's YANG module and
// writes <module>_gen.h (typed model, JSON codec, handler interface) and
// <module>.openapi.json (its OpenAPI fragment).
//
//   codegen-yang --yang <file.yang> [-p <search dir>]... --out-dir <dir>
#include <libyang/libyang.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "yanggen/yanggen.h"

namespace {

int usage() {
  std::fprintf(stderr, "usage: codegen-yang --yang <file.yang> [-p <search dir>]... --out-dir <dir>\n");
  return 2;
}

bool write_file(const std::string &path, const std::string &text) {
  // Only rewrite when the content changes, so dependents do not rebuild.
  std::ifstream old(path);
  if (old) {
    std::stringstream ss;
    ss << old.rdbuf();
    if (ss.str() == text) return true;
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char **argv) {
  std::string yang, out_dir;
  std::vector<std::string> search;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    if (a == "--yang") yang = argv[++i];
    else if (a == "-p") search.push_back(argv[++i]);
    else if (a == "--out-dir") out_dir = argv[++i];
    else return usage();
  }
  if (yang.empty() || out_dir.empty()) return usage();
  std::ifstream in(yang);
  if (!in) {
    std::fprintf(stderr, "codegen-yang: cannot read %s\n", yang.c_str());
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();

  ly_ctx *ctx = nullptr;
  if (ly_ctx_new(nullptr, LY_CTX_NO_YANGLIBRARY, &ctx) != LY_SUCCESS) {
    std::fprintf(stderr, "codegen-yang: cannot create a libyang context\n");
    return 1;
  }
  ly_log_options(LY_LOSTORE_LAST);
  for (const auto &dir : search) ly_ctx_set_searchdir(ctx, dir.c_str());
  lys_module *mod = nullptr;
  if (lys_parse_mem(ctx, text.str().c_str(), LYS_IN_YANG, &mod) != LY_SUCCESS || !mod) {
    const char *msg = ly_errmsg(ctx);
    const char *path = ly_errpath(ctx);
    std::fprintf(stderr, "codegen-yang: %s: %s%s%s\n", yang.c_str(), msg ? msg : "cannot parse",
                 path ? " at " : "", path ? path : "");
    ly_ctx_destroy(ctx);
    return 1;
  }
  int rc = 0;
  try {
    std::string name = mod->name;
    if (!write_file(out_dir + "/" + name + "_gen.h", yanggen::generate_cpp_header(mod, text.str())) ||
        !write_file(out_dir + "/" + name + ".openapi.json", yanggen::openapi_fragment(mod).dump(2) + "\n")) {
      std::fprintf(stderr, "codegen-yang: cannot write to %s\n", out_dir.c_str());
      rc = 1;
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "codegen-yang: %s: %s\n", yang.c_str(), e.what());
    rc = 1;
  }
  ly_ctx_destroy(ctx);
  return rc;
}
