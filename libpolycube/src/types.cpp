#include "polycube/types.h"

#include "polycube/error.h"

namespace polycube {

const char *to_string(Mode m) {
  switch (m) {
    case Mode::kTc: return "TC";
    case Mode::kXdpSkb: return "XDP_SKB";
    case Mode::kXdpDrv: return "XDP_DRV";
  }
  return "?";
}

Mode mode_from_string(const std::string &s) {
  if (s == "TC") return Mode::kTc;
  if (s == "XDP_SKB") return Mode::kXdpSkb;
  if (s == "XDP_DRV") return Mode::kXdpDrv;
  throw Error(ErrorCode::kInvalid, "unknown mode '" + s + "' (expected TC, XDP_SKB or XDP_DRV)");
}

Position Position::parse(const std::string &s) {
  Position p;
  auto rest = [&](size_t n) { return s.substr(n); };
  if (s.empty() || s == "last") p.kind = kLast;
  else if (s == "first") p.kind = kFirst;
  else if (s.rfind("before:", 0) == 0 && s.size() > 7) { p.kind = kBefore; p.other = rest(7); }
  else if (s.rfind("after:", 0) == 0 && s.size() > 6) { p.kind = kAfter; p.other = rest(6); }
  else
    throw Error(ErrorCode::kInvalid,
                "bad position '" + s + "' (expected first, last, before:<cube> or after:<cube>)");
  return p;
}

}  // namespace polycube
