#include "http_media.h"

#include <cstdlib>

namespace polycube::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto &c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

struct Range {
  std::string type, subtype;  // "*" for wildcards
  double q = 1.0;
};

std::vector<Range> parse_accept(std::string_view accept) {
  std::vector<Range> out;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view item = trim(accept.substr(0, comma));
    accept.remove_prefix(comma == std::string_view::npos ? accept.size() : comma + 1);
    if (item.empty()) continue;
    auto semi = item.find(';');
    std::string media = lower(trim(item.substr(0, semi)));
    auto slash = media.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == media.size()) continue;  // not a media range
    Range r{media.substr(0, slash), media.substr(slash + 1)};
    std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    while (!params.empty()) {
      auto next = params.find(';');
      std::string_view p = trim(params.substr(0, next));
      params.remove_prefix(next == std::string_view::npos ? params.size() : next + 1);
      if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
        std::string value(trim(p.substr(2)));
        char *end = nullptr;
        double q = std::strtod(value.c_str(), &end);
        r.q = end == value.c_str() + value.size() && q >= 0 && q <= 1 ? q : 0;  // a bad q excludes the range
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace

std::string media_type_of(std::string_view content_type) {
  std::string media = lower(trim(content_type.substr(0, content_type.find(';'))));
  auto slash = media.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == media.size()) return "";
  return media;
}

std::optional<std::string> negotiate(std::string_view accept, const std::vector<std::string> &offered) {
  if (trim(accept).empty()) return offered.empty() ? std::nullopt : std::optional<std::string>(offered.front());
  auto ranges = parse_accept(accept);
  std::optional<std::string> best;
  double best_q = 0;
  for (const auto &o : offered) {
    auto slash = o.find('/');
    std::string type = o.substr(0, slash), subtype = o.substr(slash + 1);
    int specificity = -1;
    double q = 0;
    for (const auto &r : ranges) {
      int s = r.type == type && r.subtype == subtype ? 2 : r.type == type && r.subtype == "*" ? 1
              : r.type == "*" && r.subtype == "*"    ? 0
                                                     : -1;
      if (s > specificity) {
        specificity = s;
        q = r.q;
      }
    }
    if (specificity >= 0 && q > best_q) {
      best = o;
      best_q = q;
    }
  }
  return best;
}

}  // namespace polycube::http
