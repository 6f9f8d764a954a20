#include "runtime/seccomp.hpp"

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

namespace roost::runtime {
namespace {

Error seccomp_error(const std::string& what, int rc) {
  errno = -rc;
  return sys_error(what);
}

Result<uint32_t> parse_action(const std::string& name, const nlohmann::json& errno_ret) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.is_number_unsigned() ? errno_ret.get<uint16_t>() : EPERM);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.is_number_unsigned() ? errno_ret.get<uint16_t>() : EPERM);
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

}  // namespace

Result<void> load_seccomp(const nlohmann::json& spec) {
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
  if (int rc = seccomp_load(ctx.get()); rc < 0) return seccomp_error("loading the seccomp filter", rc);
  return {};
}

}  // namespace roost::runtime
