#include "firewall_batch.h"

#include "polycube/error.h"

namespace polycube::services::fw {

namespace {

// The chain as edited so far: runs of committed rules (positions of the
// committed chain) and of rules the plan added (indexes into `added`).
class PieceTable {
 public:
  PieceTable(size_t size) : size_(size) {
    if (size) pieces_.push_back({false, 0, size});
  }
  size_t size() const { return size_; }

  void insert(size_t pos, const ChainOp *op) {
    size_t idx = added_.size();
    added_.push_back(op);
    size_++;
    // Appends extend the last run of added rules: O(1).
    if (pos == size_ - 1 && !pieces_.empty() && pieces_.back().added &&
        pieces_.back().begin + pieces_.back().len == idx) {
      pieces_.back().len++;
      return;
    }
    Piece fresh{true, idx, 1};
    if (pos == size_ - 1) {
      pieces_.push_back(fresh);
      return;
    }
    auto [k, off] = locate(pos);
    if (off == 0) {
      pieces_.insert(pieces_.begin() + static_cast<long>(k), fresh);
    } else {
      Piece tail = pieces_[k];
      tail.begin += off;
      tail.len -= off;
      pieces_[k].len = off;
      pieces_.insert(pieces_.begin() + static_cast<long>(k) + 1, {fresh, tail});
    }
  }

  void erase(size_t pos) {
    auto [k, off] = locate(pos);
    Piece &p = pieces_[k];
    size_--;
    if (p.len == 1) {
      pieces_.erase(pieces_.begin() + static_cast<long>(k));
    } else if (off == 0) {
      p.begin++;
      p.len--;
    } else if (off == p.len - 1) {
      p.len--;
    } else {
      Piece tail{p.added, p.begin + off + 1, p.len - off - 1};
      p.len = off;
      pieces_.insert(pieces_.begin() + static_cast<long>(k) + 1, tail);
    }
  }

  // Position of the first rule equal to `r`, or -1.
  long find(const Rule &r, const FindRule &committed) const {
    size_t at = 0;
    for (const auto &p : pieces_) {
      if (p.added) {
        for (size_t i = 0; i < p.len; i++)
          if (added_[p.begin + i]->rule == r) return static_cast<long>(at + i);
      } else if (long hit = committed(r, p.begin, p.begin + p.len); hit >= 0) {
        return static_cast<long>(at + static_cast<size_t>(hit) - p.begin);
      }
      at += p.len;
    }
    return -1;
  }

 private:
  struct Piece {
    bool added;
    size_t begin, len;
  };
  // Piece holding position `pos` (< size) and the offset in it.
  std::pair<size_t, size_t> locate(size_t pos) const {
    size_t at = 0;
    for (size_t k = 0; k < pieces_.size(); k++) {
      if (pos < at + pieces_[k].len) return {k, pos - at};
      at += pieces_[k].len;
    }
    return {pieces_.size(), 0};  // unreachable: callers check pos < size
  }
  std::vector<Piece> pieces_;
  std::vector<const ChainOp *> added_;
  size_t size_;
};

[[noreturn]] void refuse(const ChainOp &op, const std::string &why) {
  throw Error(ErrorCode::kInvalid, (op.what.empty() ? "" : op.what + ": ") + why);
}

}  // namespace

std::string describe(const nlohmann::json &leaves) {
  std::string out;
  for (const auto &[k, v] : leaves.items()) {
    if (!out.empty()) out += ' ';
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out.empty() ? "(any)" : out;
}

std::vector<PlannedSplice> plan_chain_edit(size_t size, bool flush, const std::vector<ChainOp> &ops,
                                           const FindRule &find) {
  std::vector<PlannedSplice> out;
  if (flush && size) out.push_back({0, static_cast<uint32_t>(size), {}});
  PieceTable chain(flush ? 0 : size);
  for (const auto &op : ops) {
    size_t n = chain.size();
    if (op.kind == ChainOp::kDelete) {
      size_t pos;
      if (op.position) {
        if (*op.position >= n)
          refuse(op, "no rule at position " + std::to_string(*op.position) + ": the chain has " + std::to_string(n) +
                         " rules");
        pos = *op.position;
      } else {
        long hit = chain.find(op.rule, find);
        if (hit < 0) refuse(op, "no rule equal to " + describe(op.leaves) + " in the chain");
        pos = static_cast<size_t>(hit);
      }
      chain.erase(pos);
      // Right after the previous splice's inserted rules: that splice removes one more.
      if (!out.empty() && pos == out.back().pos + out.back().insert.size()) out.back().remove++;
      else out.push_back({static_cast<uint32_t>(pos), 1, {}});
      continue;
    }
    size_t pos = op.kind == ChainOp::kAppend ? n : op.position.value_or(0);
    if (pos > n)
      refuse(op, "position " + std::to_string(pos) + " out of range: the chain has " + std::to_string(n) +
                     " rules (0.." + std::to_string(n) + ")");
    if (n + 1 > FW_MAX_RULES) refuse(op, "the chain would have more than " + std::to_string(FW_MAX_RULES) + " rules");
    chain.insert(pos, &op);
    if (!out.empty() && pos == out.back().pos + out.back().insert.size()) out.back().insert.push_back(op.leaves);
    else out.push_back({static_cast<uint32_t>(pos), 0, {op.leaves}});
  }
  return out;
}

}  // namespace polycube::services::fw
