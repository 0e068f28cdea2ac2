#include "polycube/bpf_loader.h"

#include <bpf/btf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>

#include "polycube/error.h"

namespace polycube {

namespace {

// While a load runs on this thread, libbpf's warnings (which carry the
// verifier log) are collected here to become the error message.
thread_local std::string *g_capture = nullptr;

int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string line(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0)
    vsnprintf(line.data(), line.size() + 1, fmt, args);
  if (g_capture && level != LIBBPF_DEBUG)
    g_capture->append(line);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (level == LIBBPF_DEBUG) spdlog::trace("libbpf: {}", line);
  else if (level == LIBBPF_INFO) spdlog::debug("libbpf: {}", line);
  else spdlog::debug("libbpf: {}", line);  // surfaced through the thrown error instead
  return 0;
}

// Last `max` characters of the verifier/libbpf output: the reason is at the end.
std::string tail(const std::string &s, size_t max) {
  return s.size() <= max ? s : "..." + s.substr(s.size() - max);
}

// The verifier states its reason on the line before "processed N insns".
std::string verifier_reason(const std::string &log) {
  auto end = log.rfind("\nprocessed ");
  if (end == std::string::npos)
    return "see log";
  auto begin = log.rfind('\n', end - 1);
  return log.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
}

void set_rodata_u32(bpf_object *obj, const std::string &var, uint32_t value) {
  bpf_map *rodata = nullptr;
  bpf_map *m;
  bpf_object__for_each_map(m, obj) {
    const char *n = bpf_map__name(m);
    if (bpf_map__is_internal(m) && std::strstr(n, ".rodata") && !std::strstr(n, ".str"))
      rodata = m;
  }
  const btf *btf = bpf_object__btf(obj);
  if (!rodata || !btf)
    throw Error(ErrorCode::kInvalid, "object has no .rodata for '" + var + "'");
  int sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (sec_id < 0)
    throw Error(ErrorCode::kInvalid, "object has no .rodata BTF");
  const btf_type *sec = btf__type_by_id(btf, sec_id);
  const btf_var_secinfo *vs = btf_var_secinfos(sec);
  for (int i = 0; i < btf_vlen(sec); i++, vs++) {
    const btf_type *v = btf__type_by_id(btf, vs->type);
    if (var != btf__name_by_offset(btf, v->name_off))
      continue;
    if (vs->size != sizeof(uint32_t))
      throw Error(ErrorCode::kInvalid, "rodata '" + var + "' is not 32 bits");
    size_t size = 0;
    auto *data = static_cast<char *>(const_cast<void *>(bpf_map__initial_value(rodata, &size)));
    if (!data || vs->offset + sizeof(uint32_t) > size)
      throw Error(ErrorCode::kInvalid, "rodata '" + var + "' out of bounds");
    std::memcpy(data + vs->offset, &value, sizeof(value));
    return;
  }
  throw Error(ErrorCode::kInvalid, "object has no rodata variable '" + var + "'");
}

}  // namespace

void init_libbpf_logging() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

LoadedObject::~LoadedObject() { bpf_object__close(obj_); }

int LoadedObject::prog_fd(const std::string &name) const {
  bpf_program *p = bpf_object__find_program_by_name(obj_, name.c_str());
  if (!p || bpf_program__fd(p) < 0)
    throw Error(ErrorCode::kNotFound, "no loaded program '" + name + "'");
  return bpf_program__fd(p);
}

int LoadedObject::map_fd(const std::string &name) const {
  bpf_map *m = bpf_object__find_map_by_name(obj_, name.c_str());
  if (!m || bpf_map__fd(m) < 0)
    throw Error(ErrorCode::kNotFound, "no map '" + name + "'");
  return bpf_map__fd(m);
}

std::shared_ptr<LoadedObject> load_object(const EmbeddedObject &src, const LoadSpec &spec) {
  init_libbpf_logging();
  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = src.name,
              .pin_root_path = spec.pin_root.empty() ? nullptr : spec.pin_root.c_str());
  bpf_object *obj = bpf_object__open_mem(src.begin, src.size(), &oo);
  if (!obj)
    throw Error(ErrorCode::kKernel, std::string("cannot open BPF object ") + src.name + ": " +
                                        std::strerror(errno));
  auto loaded = std::make_shared<LoadedObject>(obj);

  for (auto &[var, value] : spec.rodata_u32)
    set_rodata_u32(obj, var, value);
  for (auto &[name, n] : spec.max_entries) {
    bpf_map *m = bpf_object__find_map_by_name(obj, name.c_str());
    if (!m) throw Error(ErrorCode::kNotFound, "no map '" + name + "' in " + src.name);
    check_kernel(bpf_map__set_max_entries(m, n), "resize map " + name);
  }
  for (auto &[name, fd] : spec.reuse_maps) {
    bpf_map *m = bpf_object__find_map_by_name(obj, name.c_str());
    if (m)  // a replacement block may use a subset of the cube's maps
      check_kernel(bpf_map__reuse_fd(m, fd), "reuse map " + name);
  }
  for (auto &[name, fd] : spec.adopt_maps) {
    bpf_map *m = bpf_object__find_map_by_name(obj, name.c_str());
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (!m || spec.reuse_maps.count(name) || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
      continue;
    if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
        info.value_size != bpf_map__value_size(m) || info.max_entries != bpf_map__max_entries(m) ||
        info.map_flags != bpf_map__map_flags(m)) {
      spdlog::warn("{}: the previous run's map {} has another definition: starting it empty", src.name, name);
      continue;
    }
    check_kernel(bpf_map__reuse_fd(m, fd), "adopt map " + name);
  }
  if (!spec.programs.empty()) {
    for (const auto &want : spec.programs)
      if (!bpf_object__find_program_by_name(obj, want.c_str()))
        throw Error(ErrorCode::kNotFound, "no program '" + want + "' in " + src.name);
    bpf_program *p;
    bpf_object__for_each_program(p, obj)
      bpf_program__set_autoload(p, spec.programs.count(bpf_program__name(p)) > 0);
  }

  std::string log;
  g_capture = &log;
  int err = bpf_object__load(obj);
  g_capture = nullptr;
  if (err) {
    std::string msg = std::string("loading ") + src.name + " failed (" + std::strerror(-err) + ")";
    if (!log.empty()) msg += ": " + verifier_reason(log) + "\n" + tail(log, 1500);
    throw Error(ErrorCode::kKernel, msg);
  }
  return loaded;
}

}  // namespace polycube
