#include "runtime/seccomp.hpp"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <optional>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "common/fd.hpp"
#include "common/log.hpp"

namespace roost::runtime {
namespace {

Error seccomp_error(const std::string& what, int rc) {
  errno = -rc;
  return sys_error(what);
}

// errnoRet, EPERM when absent. A spec built in memory holds it as a signed
// number, one parsed from text as an unsigned one: both count.
uint16_t errno_value(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint16_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint16_t>(v.get<int64_t>());
  return EPERM;
}

Result<uint32_t> parse_action(const std::string& name, const nlohmann::json& errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_value(errno_ret));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_value(errno_ret));
  return make_error(ErrorKind::invalid, "unsupported seccomp action \"" + name + "\"");
}

Result<scmp_compare> parse_op(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return make_error(ErrorKind::invalid, "unsupported seccomp operator \"" + op + "\"");
}

Result<uint32_t> parse_arch(const std::string& name) {
  static const std::pair<const char*, uint32_t> arches[] = {
      {"SCMP_ARCH_X86", SCMP_ARCH_X86},         {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
      {"SCMP_ARCH_X32", SCMP_ARCH_X32},         {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
      {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
      {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},   {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
      {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},   {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
      {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32}, {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
      {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},     {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
      {"SCMP_ARCH_S390", SCMP_ARCH_S390},       {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
      {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
  };
  for (const auto& [n, v] : arches)
    if (name == n) return v;
  return make_error(ErrorKind::invalid, "unknown seccomp architecture \"" + name + "\"");
}

using Ctx = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

Result<void> add_rule(scmp_filter_ctx ctx, const std::string& name, uint32_t action, const nlohmann::json& args) {
  int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) return {};
  std::vector<scmp_arg_cmp> cmps;
  std::set<unsigned> indexes;
  bool repeated = false;
  if (args.is_array()) {
    for (const auto& a : args) {
      if (!a.is_object() || !a.contains("index") || !a.contains("op"))
        return make_error(ErrorKind::invalid, "seccomp rule for " + name + ": argument needs index and op");
      scmp_arg_cmp c{};
      c.arg = a.at("index").get<unsigned>();
      if (c.arg > 5) return make_error(ErrorKind::invalid, "seccomp rule for " + name + ": argument index over 5");
      c.op = ROOST_TRY_CTX(parse_op(a.at("op").get<std::string>()), "seccomp rule for " + name);
      c.datum_a = a.value("value", uint64_t{0});
      c.datum_b = a.value("valueTwo", uint64_t{0});
      repeated |= !indexes.insert(c.arg).second;
      cmps.push_back(c);
    }
  }
  auto add = [&](const scmp_arg_cmp* c, unsigned n) -> Result<void> {
    int rc = seccomp_rule_add_array(ctx, action, nr, n, c);
    // -EEXIST: a duplicate of a rule already added; harmless.
    if (rc < 0 && rc != -EEXIST) return seccomp_error("adding the seccomp rule for " + name, rc);
    return {};
  };
  // libseccomp takes one comparison per argument in a rule; several on the
  // same argument mean "any of them" (as runc reads them): one rule each.
  if (repeated) {
    for (const auto& c : cmps) ROOST_TRY(add(&c, 1));
    return {};
  }
  return add(cmps.data(), static_cast<unsigned>(cmps.size()));
}

Result<Ctx> build_filter(const nlohmann::json& spec) {
  if (!spec.is_object()) return make_error(ErrorKind::invalid, "linux.seccomp is not an object");
  uint32_t def = ROOST_TRY_CTX(parse_action(spec.value("defaultAction", std::string("SCMP_ACT_ALLOW")),
                                            spec.value("defaultErrnoRet", nlohmann::json())),
                               "seccomp defaultAction");
  Ctx ctx(seccomp_init(def), seccomp_release);
  if (!ctx) return make_error(ErrorKind::invalid, "seccomp_init failed");
  // no_new_privs is the executor's decision (process.noNewPrivileges).
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0) return seccomp_error("seccomp_attr_set", rc);
  if (spec.contains("architectures")) {
    for (const auto& a : spec.at("architectures")) {
      uint32_t arch = ROOST_TRY(parse_arch(a.get<std::string>()));
      int rc = seccomp_arch_add(ctx.get(), arch);
      if (rc < 0 && rc != -EEXIST) return seccomp_error("adding seccomp architecture " + a.get<std::string>(), rc);
    }
  }
  if (spec.contains("flags")) {
    for (const auto& f : spec.at("flags")) {
      std::string flag = f.get<std::string>();
      int rc = 0;
      if (flag == "SECCOMP_FILTER_FLAG_TSYNC") rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1);
      else if (flag == "SECCOMP_FILTER_FLAG_LOG") rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_LOG, 1);
      else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_SSB, 1);
      else return make_error(ErrorKind::invalid, "unsupported seccomp flag \"" + flag + "\"");
      if (rc < 0) return seccomp_error("setting seccomp flag " + flag, rc);
    }
  }
  if (spec.contains("syscalls")) {
    for (const auto& rule : spec.at("syscalls")) {
      if (!rule.is_object() || !rule.contains("action"))
        return make_error(ErrorKind::invalid, "seccomp syscalls entry without an action");
      uint32_t action = ROOST_TRY(parse_action(rule.at("action").get<std::string>(), rule.value("errnoRet", nlohmann::json())));
      // libseccomp refuses a rule whose action is the default one; it would
      // change nothing anyway.
      if (action == def) continue;
      nlohmann::json names = rule.value("names", nlohmann::json::array());
      if (rule.contains("name")) names.push_back(rule.at("name"));
      for (const auto& n : names)
        ROOST_TRY(add_rule(ctx.get(), n.get<std::string>(), action, rule.value("args", nlohmann::json())));
    }
  }
  return ctx;
}


Result<unsigned> filter_flags(const nlohmann::json& spec) {
  unsigned flags = 0;
  for (const auto& f : spec.value("flags", nlohmann::json::array())) {
    std::string flag = f.get<std::string>();
    if (flag == "SECCOMP_FILTER_FLAG_TSYNC") flags |= SECCOMP_FILTER_FLAG_TSYNC;
    else if (flag == "SECCOMP_FILTER_FLAG_LOG") flags |= SECCOMP_FILTER_FLAG_LOG;
    else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    else return make_error(ErrorKind::invalid, "unsupported seccomp flag \"" + flag + "\"");
  }
  return flags;
}

Result<std::string> export_bpf(scmp_filter_ctx ctx) {
  UniqueFd mem(static_cast<int>(::syscall(SYS_memfd_create, "seccomp-bpf", MFD_CLOEXEC)));
  if (!mem.valid()) return sys_error("memfd_create");
  if (int rc = seccomp_export_bpf(ctx, mem.get()); rc < 0) return seccomp_error("compiling the seccomp filter", rc);
  if (::lseek(mem.get(), 0, SEEK_SET) != 0) return sys_error("lseek");
  return read_fd(mem.get());
}

constexpr const char* kCacheMagic = "roost-seccomp-bpf 1\n";

// A cached program: MAGIC, the sizes of KEY and of the program, KEY (what it
// was compiled from), the program. Anything else (torn, edited, a name
// collision) is a miss.
std::string cache_entry(const std::string& key, const std::string& bpf) {
  return kCacheMagic + std::to_string(key.size()) + " " + std::to_string(bpf.size()) + "\n" + key + bpf;
}

std::optional<std::string> read_cached(const std::string& path, const std::string& key) {
  auto data = read_file(path);
  if (!data) return std::nullopt;
  const std::string magic = kCacheMagic;
  if (data->compare(0, magic.size(), magic) != 0) return std::nullopt;
  size_t nl = data->find('\n', magic.size());
  if (nl == std::string::npos) return std::nullopt;
  unsigned long long key_size = 0, bpf_size = 0;
  if (std::sscanf(data->c_str() + magic.size(), "%llu %llu", &key_size, &bpf_size) != 2) return std::nullopt;
  if (key_size != key.size() || bpf_size == 0 || bpf_size % sizeof(struct sock_filter) != 0 ||
      data->size() != nl + 1 + key_size + bpf_size || data->compare(nl + 1, key_size, key) != 0)
    return std::nullopt;
  return data->substr(nl + 1 + key_size);
}

}  // namespace

Result<void> load_seccomp(const nlohmann::json& spec) {
  auto ctx = ROOST_TRY(build_filter(spec));
  if (int rc = seccomp_load(ctx.get()); rc < 0) return seccomp_error("loading the seccomp filter", rc);
  return {};
}

Result<SeccompProgram> compile_seccomp(const nlohmann::json& spec, const std::string& cache_dir) try {
  if (!spec.is_object()) return make_error(ErrorKind::invalid, "linux.seccomp is not an object");
  SeccompProgram prog;
  prog.flags = ROOST_TRY(filter_flags(spec));
  std::string path, key;
  if (!cache_dir.empty()) {
    const scmp_version* v = seccomp_version();
    key = "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) +
          "\n" + spec.dump();
    // The name need not be collision-proof (the entry holds its whole key);
    // a cheap hash keeps OpenSSL's start-up out of every container start.
    char name[32];
    std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(key));
    path = cache_dir + "/seccomp-" + name + ".bpf";
    if (auto cached = read_cached(path, key)) {
      prog.bpf = std::move(*cached);
      return prog;
    }
  }
  auto ctx = ROOST_TRY(build_filter(spec));
  prog.bpf = ROOST_TRY(export_bpf(ctx.get()));
  if (!path.empty()) {
    // Best effort: without the cache the next container compiles again.
    auto saved = make_dirs(cache_dir, 0700);
    if (saved) saved = write_file_atomic(path, cache_entry(key, prog.bpf), 0600);
    if (!saved) log_debug("caching the seccomp filter: " + saved.error().str());
  }
  return prog;
} catch (const nlohmann::json::exception& e) {
  return make_error(ErrorKind::invalid, std::string("malformed OCI spec: linux.seccomp: ") + e.what());
}

Result<void> load_seccomp_program(const SeccompProgram& program) {
  struct sock_fprog fprog{};
  fprog.len = static_cast<unsigned short>(program.bpf.size() / sizeof(struct sock_filter));
  fprog.filter = reinterpret_cast<struct sock_filter*>(const_cast<char*>(program.bpf.data()));
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &fprog) != 0)
    return sys_error("loading the seccomp filter");
  return {};
}

}  // namespace roost::runtime
