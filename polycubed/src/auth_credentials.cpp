#include "auth_credentials.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace polycube::daemon {

namespace {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

// Users appear in the audit log and in logs: printable, no spaces, bounded.
bool valid_user(std::string_view u) {
  if (u.empty() || u.size() > 128) return false;
  for (unsigned char c : u)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\') return false;
  return true;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

Credentials parse_credentials(std::string_view text, const std::string &name) {
  Credentials out;
  size_t line_no = 0;
  while (!text.empty()) {
    line_no++;
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto bad = [&](const std::string &why) {
      return std::runtime_error(name + ":" + std::to_string(line_no) + ": " + why);
    };
    std::vector<std::string_view> f = fields_of(line);
    if (f.empty()) continue;
    if (f.size() != 3)
      throw bad("expected '<credential> <user> <role>' (3 fields), found " + std::to_string(f.size()));
    std::string_view cred = f[0];
    std::string user(f[1]);
    if (!valid_user(user)) throw bad("user '" + user + "' must be 1-128 visible characters without quotes");
    std::optional<Role> role = role_from_string(f[2]);
    if (!role) throw bad("unknown role '" + std::string(f[2]) + "' (viewer, operator or admin)");
    Identity id{user, *role};
    auto colon = cred.find(':');
    std::string kind(cred.substr(0, colon == std::string_view::npos ? cred.size() : colon));
    std::string value(colon == std::string_view::npos ? std::string_view() : cred.substr(colon + 1));
    if (colon == std::string_view::npos || value.empty())
      throw bad("credential '" + std::string(cred) + "' must be sha256:<hex>, cert:<subject CN> or uid:<number>");
    bool fresh = false;
    if (kind == "sha256") {
      if (value.size() != 64 || !is_hex(value)) throw bad("sha256: needs the 64 hex digits of the token's SHA-256");
      for (auto &c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      fresh = out.tokens.emplace(value, id).second;
    } else if (kind == "cert") {
      if (value != user) throw bad("a certificate's user is its subject CN: write 'cert:" + value + " " + value + " " +
                                   std::string(f[2]) + "'");
      fresh = out.certificates.emplace(value, id).second;
    } else if (kind == "uid") {
      if (value.size() > 10 || value.find_first_not_of("0123456789") != std::string::npos || std::stoull(value) > 0xfffffffeull)
        throw bad("uid:" + value + " is not a user id");
      fresh = out.uids.emplace(static_cast<uid_t>(std::stoul(value)), id).second;
    } else {
      throw bad("unknown credential kind '" + kind + "' (sha256, cert or uid)");
    }
    if (!fresh) throw bad("credential " + kind + ":" + (kind == "sha256" ? value.substr(0, 8) + "..." : value) +
                          " appears twice");
  }
  return out;
}

Credentials load_credentials(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read tokens file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)))
    spdlog::warn("tokens file {} is writable by others than its owner: they can give themselves any role", path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_credentials(text.str(), path);
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetched once: OpenSSL 3 looks the algorithm up again on every call
  // given EVP_sha256(), a cost every authenticated request would pay.
  static EVP_MD *const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_Digest(data.data(), data.size(), digest, &len, kSha256 ? kSha256 : EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; i++) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace polycube::daemon
