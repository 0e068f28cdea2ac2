#include "cbpf_to_ebpf.h"

#include <linux/pkt_cls.h>

#include <cstddef>
#include <string>

#include "polycube/error.h"

namespace polycube::services {

namespace {

// Classic classes whose numbers eBPF reuses for other classes (JMP32, ALU64).
constexpr uint8_t kClassicRet = 0x06, kClassicMisc = 0x07;
constexpr uint8_t kRvalA = 0x10;                     // return A (else k)
constexpr uint8_t kMiscTax = 0x00, kMiscTxa = 0x80;  // X = A, A = X
constexpr uint32_t kMemWords = 16;

// Registers: the classic machine's A and X and the context live in
// callee-saved registers, so helper calls (packet loads) keep them.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, R8 = 8, R10 = 10;
constexpr uint8_t kCtx = R6, kA = R7, kX = R8;
// Stack: the bytes of the last packet load, M[0..15], the map key.
constexpr int16_t kBuf = -8, kMem = -72, kKey = -76;

// Labels past the translated body.
constexpr int64_t kReject = -1;  // return 0: no match
constexpr int64_t kExit = -2;    // hand the return value in R0 to the FilterExit

bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

class Translator {
 public:
  Translator(Mode mode, const FilterExit &exit) : xdp_(is_xdp(mode)), exit_(exit) {}

  std::vector<bpf_insn> run(const std::vector<CbpfInsn> &prog) {
    if (prog.empty())
      throw Error(ErrorCode::kInvalid, "empty classic BPF program");
    prologue();
    starts_.resize(prog.size());
    for (size_t pc = 0; pc < prog.size(); pc++) {
      starts_[pc] = out_.size();
      translate(prog, pc);
    }
    // The verifier refuses unreachable instructions: the reject block only
    // if something jumps there.
    reject_ = out_.size();
    for (const Fix &f : fixes_)
      if (f.target == kReject) {
        mov32_imm(R0, 0);
        break;
      }
    exit_at_ = out_.size();
    epilogue();
    resolve(prog.size());
    return std::move(out_);
  }

 private:
  void emit(bpf_insn i) { out_.push_back(i); }
  void jump(uint8_t code, uint8_t dst, uint8_t src, int32_t imm, int64_t target) {
    fixes_.push_back({out_.size(), target});
    emit(ins(code, dst, src, 0, imm));
  }
  void goto_(int64_t target) { jump(BPF_JMP | BPF_JA, 0, 0, 0, target); }
  void mov32_imm(uint8_t dst, uint32_t imm) { emit(ins(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, static_cast<int32_t>(imm))); }
  void mov32(uint8_t dst, uint8_t src) { emit(ins(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)); }
  void mov64(uint8_t dst, uint8_t src) { emit(ins(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)); }
  void call(int32_t helper) { emit(ins(BPF_JMP | BPF_CALL, 0, 0, 0, helper)); }
  void ld_map_fd(uint8_t dst, int fd) {
    emit(ins(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd));
    emit(ins(0, 0, 0, 0, 0));
  }
  int16_t mem_slot(uint32_t k) {
    if (k >= kMemWords)
      throw Error(ErrorCode::kInvalid, "classic BPF scratch index " + std::to_string(k) + " out of range");
    return static_cast<int16_t>(kMem + 4 * static_cast<int>(k));
  }

  void prologue() {
    mov64(kCtx, R1);
    mov32_imm(kA, 0);
    mov32_imm(kX, 0);
    for (uint32_t i = 0; i < kMemWords / 2; i++)  // the verifier refuses reads of unwritten stack
      emit(ins(BPF_ST | BPF_MEM | BPF_DW, R10, 0, static_cast<int16_t>(kMem + 8 * i), 0));
  }

  // dst = `size` bytes at the offset in R2, network to host order; a load
  // past the end of the packet rejects it (libpcap's interpreter returns 0).
  void load_at_r2(uint8_t dst, uint32_t size) {
    mov64(R1, kCtx);
    mov64(R3, R10);
    emit(ins(BPF_ALU64 | BPF_ADD | BPF_K, R3, 0, 0, kBuf));
    mov32_imm(R4, size);
    call(xdp_ ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes);
    jump(BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, kReject);
    uint8_t sz = size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
    emit(ins(BPF_LDX | BPF_MEM | sz, dst, R10, kBuf, 0));
    if (size > 1)
      emit(ins(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, static_cast<int32_t>(size * 8)));
  }

  void load_abs(uint8_t dst, uint32_t k, uint32_t size) {
    mov32_imm(R2, k);
    load_at_r2(dst, size);
  }

  // Offset X + k; past 2^32 it cannot be in the packet.
  void load_ind(uint8_t dst, uint32_t k, uint32_t size) {
    mov32_imm(R2, k);
    emit(ins(BPF_ALU64 | BPF_ADD | BPF_X, R2, kX, 0, 0));
    mov64(R3, R2);
    emit(ins(BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 32));
    jump(BPF_JMP | BPF_JNE | BPF_K, R3, 0, 0, kReject);
    load_at_r2(dst, size);
  }

  void load_len(uint8_t dst) {
    if (xdp_) {
      mov64(R1, kCtx);
      call(BPF_FUNC_xdp_get_buff_len);
      mov32(dst, R0);
    } else {
      emit(ins(BPF_LDX | BPF_MEM | BPF_W, dst, kCtx, offsetof(__sk_buff, len), 0));
    }
  }

  static uint32_t size_of(uint16_t code) {
    switch (BPF_SIZE(code)) {
      case BPF_W: return 4;
      case BPF_H: return 2;
      case BPF_B: return 1;
    }
    throw Error(ErrorCode::kInvalid, "classic BPF load size " + std::to_string(BPF_SIZE(code)) + " unknown");
  }

  [[noreturn]] static void unknown(const CbpfInsn &in, size_t pc) {
    throw Error(ErrorCode::kInvalid,
                "classic BPF instruction " + std::to_string(pc) + " (code " + std::to_string(in.code) + ") unknown");
  }

  void translate(const std::vector<CbpfInsn> &prog, size_t pc) {
    const CbpfInsn &in = prog[pc];
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        switch (BPF_MODE(in.code)) {
          case BPF_IMM: mov32_imm(kA, in.k); return;
          case BPF_ABS: load_abs(kA, in.k, size_of(in.code)); return;
          case BPF_IND: load_ind(kA, in.k, size_of(in.code)); return;
          case BPF_MEM: emit(ins(BPF_LDX | BPF_MEM | BPF_W, kA, R10, mem_slot(in.k), 0)); return;
          case BPF_LEN: load_len(kA); return;
        }
        unknown(in, pc);
      case BPF_LDX:
        switch (BPF_MODE(in.code)) {
          case BPF_IMM: mov32_imm(kX, in.k); return;
          case BPF_MEM: emit(ins(BPF_LDX | BPF_MEM | BPF_W, kX, R10, mem_slot(in.k), 0)); return;
          case BPF_LEN: load_len(kX); return;
          case BPF_MSH:  // X = 4 * (P[k] & 0xf): an IPv4 header length
            load_abs(kX, in.k, 1);
            emit(ins(BPF_ALU | BPF_AND | BPF_K, kX, 0, 0, 0xf));
            emit(ins(BPF_ALU | BPF_LSH | BPF_K, kX, 0, 0, 2));
            return;
        }
        unknown(in, pc);
      case BPF_ST: emit(ins(BPF_STX | BPF_MEM | BPF_W, R10, kA, mem_slot(in.k), 0)); return;
      case BPF_STX: emit(ins(BPF_STX | BPF_MEM | BPF_W, R10, kX, mem_slot(in.k), 0)); return;
      case BPF_ALU: alu(in, pc); return;
      case BPF_JMP: jmp(prog, pc); return;
      case kClassicRet:
        if ((in.code & 0x18) == kRvalA)
          mov32(R0, kA);
        else
          mov32_imm(R0, in.k);
        goto_(kExit);
        return;
      case kClassicMisc:
        if ((in.code & 0xf8) == kMiscTax)
          mov32(kX, kA);
        else if ((in.code & 0xf8) == kMiscTxa)
          mov32(kA, kX);
        else
          unknown(in, pc);
        return;
    }
    unknown(in, pc);
  }

  // 32-bit operations, like the classic machine's.
  void alu(const CbpfInsn &in, size_t pc) {
    uint8_t op = BPF_OP(in.code);
    bool by_x = BPF_SRC(in.code) == BPF_X;
    switch (op) {
      case BPF_NEG: emit(ins(BPF_ALU | BPF_NEG, kA, 0, 0, 0)); return;
      case BPF_DIV:
      case BPF_MOD:
        // Division by zero ends the classic program with 0.
        if (by_x)
          jump(BPF_JMP | BPF_JEQ | BPF_K, kX, 0, 0, kReject);
        else if (in.k == 0) {
          goto_(kReject);
          return;
        }
        break;
      case BPF_LSH:
      case BPF_RSH:
        // libpcap: a shift by 32 or more gives 0.
        if (by_x) {
          emit(ins(BPF_JMP | BPF_JGE | BPF_K, kX, 0, 2, 32));
          emit(ins(BPF_ALU | op | BPF_X, kA, kX, 0, 0));
          emit(ins(BPF_JMP | BPF_JA, 0, 0, 1, 0));
          mov32_imm(kA, 0);
          return;
        }
        if (in.k >= 32) {
          mov32_imm(kA, 0);
          return;
        }
        break;
      case BPF_ADD:
      case BPF_SUB:
      case BPF_MUL:
      case BPF_OR:
      case BPF_AND:
      case BPF_XOR: break;
      default: unknown(in, pc);
    }
    if (by_x)
      emit(ins(BPF_ALU | op | BPF_X, kA, kX, 0, 0));
    else
      emit(ins(BPF_ALU | op | BPF_K, kA, 0, 0, static_cast<int32_t>(in.k)));
  }

  void jmp(const std::vector<CbpfInsn> &prog, size_t pc) {
    const CbpfInsn &in = prog[pc];
    uint8_t op = BPF_OP(in.code);
    if (op == BPF_JA) {
      goto_(static_cast<int64_t>(pc) + 1 + in.k);
      return;
    }
    if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
      unknown(in, pc);
    int64_t t = static_cast<int64_t>(pc) + 1 + in.jt, f = static_cast<int64_t>(pc) + 1 + in.jf;
    if (t == f) {
      goto_(t);
      return;
    }
    bool by_x = BPF_SRC(in.code) == BPF_X;
    jump(BPF_JMP32 | op | (by_x ? BPF_X : BPF_K), kA, by_x ? kX : 0, by_x ? 0 : static_cast<int32_t>(in.k), t);
    if (f != static_cast<int64_t>(pc) + 1)
      goto_(f);
  }

  void epilogue() {
    if (exit_.kind == FilterExit::kReturn) {
      emit(ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
      return;
    }
    mov32(kA, R0);
    emit(ins(BPF_ST | BPF_MEM | BPF_W, R10, 0, kKey, 0));
    ld_map_fd(R1, exit_.scratch_map_fd);
    mov64(R2, R10);
    emit(ins(BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, kKey));
    call(BPF_FUNC_map_lookup_elem);
    emit(ins(BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 1, 0));
    emit(ins(BPF_STX | BPF_MEM | BPF_W, R0, kA, 4, 0));  // struct pc_scratch.verdict
    mov64(R1, kCtx);
    ld_map_fd(R2, exit_.prog_array_fd);
    mov32_imm(R3, exit_.slot);
    call(BPF_FUNC_tail_call);
    // Only if the slot is empty (never while a filter is installed): pass on.
    mov32_imm(R0, xdp_ ? XDP_PASS : TC_ACT_OK);
    emit(ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  }

  void resolve(size_t classic_len) {
    for (const Fix &f : fixes_) {
      int64_t to;
      if (f.target == kReject)
        to = static_cast<int64_t>(reject_);
      else if (f.target == kExit)
        to = static_cast<int64_t>(exit_at_);
      else if (f.target >= 0 && static_cast<size_t>(f.target) < classic_len)
        to = static_cast<int64_t>(starts_[f.target]);
      else
        throw Error(ErrorCode::kInvalid, "classic BPF jump to " + std::to_string(f.target) + " out of the program");
      int64_t off = to - static_cast<int64_t>(f.at) - 1;
      if (off < INT16_MIN || off > INT16_MAX)
        throw Error(ErrorCode::kInvalid, "filter too large: a jump spans more than 32767 eBPF instructions");
      out_[f.at].off = static_cast<int16_t>(off);
    }
  }

  struct Fix {
    size_t at;
    int64_t target;
  };
  bool xdp_;
  FilterExit exit_;
  std::vector<bpf_insn> out_;
  std::vector<Fix> fixes_;
  std::vector<size_t> starts_;
  size_t reject_ = 0, exit_at_ = 0;
};

}  // namespace

std::vector<bpf_insn> cbpf_to_ebpf(const std::vector<CbpfInsn> &prog, Mode mode, const FilterExit &exit) {
  return Translator(mode, exit).run(prog);
}

}  // namespace polycube::services
