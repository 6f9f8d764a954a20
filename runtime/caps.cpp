#include "runtime/caps.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

namespace roost::runtime {
namespace {

Result<std::vector<int>> parse_set(const nlohmann::json& caps, const char* key) {
  std::vector<int> out;
  if (!caps.is_object() || !caps.contains(key)) return out;
  for (const auto& n : caps.at(key)) {
    if (!n.is_string()) return make_error(ErrorKind::invalid, std::string("capabilities.") + key + ": not a name");
    std::string name = n.get<std::string>();
    cap_value_t v;
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (cap_from_name(lower.c_str(), &v) != 0)
      return make_error(ErrorKind::invalid, "unknown capability \"" + name + "\"");
    out.push_back(v);
  }
  return out;
}

bool has(const std::vector<int>& set, int cap) { return std::find(set.begin(), set.end(), cap) != set.end(); }

int last_cap() {
  // The running kernel may know more capabilities than this libcap.
  int n = static_cast<int>(cap_max_bits()) - 1;
  for (int c = n + 1; c < 64; ++c) {
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0) break;
    n = c;
  }
  return n;
}

}  // namespace

Result<CapSets> parse_capabilities(const nlohmann::json& caps) {
  CapSets s;
  s.bounding = ROOST_TRY(parse_set(caps, "bounding"));
  s.effective = ROOST_TRY(parse_set(caps, "effective"));
  s.permitted = ROOST_TRY(parse_set(caps, "permitted"));
  s.inheritable = ROOST_TRY(parse_set(caps, "inheritable"));
  s.ambient = ROOST_TRY(parse_set(caps, "ambient"));
  return s;
}

Result<void> drop_bounding(const CapSets& caps) {
  const int last = last_cap();
  for (int c = 0; c <= last; ++c) {
    if (has(caps.bounding, c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
      char* name = cap_to_name(c);
      Error e = sys_error(std::string("dropping ") + (name ? name : std::to_string(c).c_str()) + " from the bounding set");
      cap_free(name);
      return e;
    }
  }
  return {};
}

Result<void> switch_user_and_caps(const CapSets& caps, uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                                  bool set_groups) {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return sys_error("prctl(PR_SET_KEEPCAPS)");
  if (set_groups && ::setgroups(groups.size(), groups.data()) != 0) return sys_error("setgroups");
  // EINVAL: the ID has no mapping in this user namespace.
  auto unmapped = [](const char* what, unsigned id) {
    return sys_error(std::string("switching to ") + what + " " + std::to_string(id) +
                     (errno == EINVAL ? " (not mapped in the container's user namespace)" : ""));
  };
  if (::setresgid(gid, gid, gid) != 0) return unmapped("group", gid);
  if (::setresuid(uid, uid, uid) != 0) return unmapped("user", uid);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return sys_error("prctl(PR_SET_KEEPCAPS)");

  std::unique_ptr<struct _cap_struct, int (*)(void*)> state(cap_init(), cap_free);
  if (!state) return sys_error("cap_init");
  auto set = [&](const std::vector<int>& list, cap_flag_t flag) -> Result<void> {
    if (list.empty()) return {};
    std::vector<cap_value_t> v(list.begin(), list.end());
    if (cap_set_flag(state.get(), flag, static_cast<int>(v.size()), v.data(), CAP_SET) != 0)
      return sys_error("cap_set_flag");
    return {};
  };
  ROOST_TRY(set(caps.effective, CAP_EFFECTIVE));
  ROOST_TRY(set(caps.permitted, CAP_PERMITTED));
  ROOST_TRY(set(caps.inheritable, CAP_INHERITABLE));
  if (cap_set_proc(state.get()) != 0) return sys_error("setting capabilities (capset)");

  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return sys_error("clearing ambient capabilities");
  for (int c : caps.ambient) {
    // The kernel refuses a cap not in both permitted and inheritable: the
    // OCI runtimes skip such entries rather than fail.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0 && errno != EPERM && errno != EINVAL)
      return sys_error("raising ambient capability " + std::to_string(c));
  }
  return {};
}

}  // namespace roost::runtime
