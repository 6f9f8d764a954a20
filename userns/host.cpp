#include "userns/host.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "common/fd.hpp"
#include "common/process.hpp"

namespace roost::userns {
namespace {

// The first line of a /proc/sys file as a number; nullopt when absent.
std::optional<long> read_sysctl(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  long v = 0;
  const std::string& s = *text;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  (void)end;
  return v;
}

// An unconfined process is subject to Ubuntu's restriction; one running under
// an AppArmor profile may have been granted `userns,` by that profile.
bool apparmor_unconfined() {
  for (const char* p : {"/proc/self/attr/apparmor/current", "/proc/self/attr/current"}) {
    auto label = read_file(p);
    if (!label) continue;
    return label->empty() || label->rfind("unconfined", 0) == 0;
  }
  return true;
}

}  // namespace

std::optional<std::string> userns_disabled_reason() {
  if (auto max = read_sysctl("/proc/sys/user/max_user_namespaces"); max && *max == 0)
    return std::string(
        "user namespaces are disabled: the sysctl user.max_user_namespaces "
        "(/proc/sys/user/max_user_namespaces) is 0; to fix: sudo sysctl -w user.max_user_namespaces=28633 "
        "(and put that setting in /etc/sysctl.d/ to keep it)");
  if (::geteuid() != 0) {
    if (auto clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone"); clone && *clone == 0)
      return std::string(
          "unprivileged user namespaces are disabled: the sysctl kernel.unprivileged_userns_clone "
          "(/proc/sys/kernel/unprivileged_userns_clone) is 0; to fix: sudo sysctl -w "
          "kernel.unprivileged_userns_clone=1");
    auto aa = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    if (aa && *aa == 1 && apparmor_unconfined())
      return std::string(
          "unprivileged user namespaces are restricted by AppArmor: the sysctl "
          "kernel.apparmor_restrict_unprivileged_userns (/proc/sys/kernel/apparmor_restrict_unprivileged_userns) "
          "is 1; to fix: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or install an AppArmor "
          "profile for roost that allows userns");
  }
  return std::nullopt;
}

Result<std::string> check_id_helper(const std::string& program) {
  std::string path = find_program(program);
  if (path.empty())
    return make_error(ErrorKind::unsupported, program + " not found: it is needed to map your sub-IDs into a user "
                                                        "namespace; to fix: sudo apt-get install uidmap (the package "
                                                        "is called shadow-utils or shadow on other distributions)");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return sys_error("stat", path);
  if ((st.st_mode & S_ISUID) && st.st_uid == 0) return path;
  ssize_t n = ::getxattr(path.c_str(), "security.capability", nullptr, 0);
  if (n > 0) return path;
  return make_error(ErrorKind::unsupported,
                    path + " is neither setuid root nor has file capabilities, so it cannot write ID maps; to fix: "
                           "sudo apt-get install --reinstall uidmap, or sudo chmod u+s " + path);
}

Result<std::vector<SubIdRange>> read_subid_file(const std::string& path, const std::string& user, uid_t id) {
  auto text = read_file(path);
  if (!text) {
    if (text.error().errnum() == ENOENT) return std::vector<SubIdRange>{};
    return std::move(text).error();
  }
  return parse_subid_file(*text, user, id, path);
}

uint32_t free_subid_start(const std::string& path) {
  uint64_t start = 100000;
  auto text = read_file(path);
  if (!text) return static_cast<uint32_t>(start);
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(':');
    auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    uint64_t s = 0, n = 0;
    try {
      s = std::stoull(line.substr(c1 + 1, c2 - c1 - 1));
      n = std::stoull(line.substr(c2 + 1));
    } catch (...) {
      continue;
    }
    if (s + n > start) start = s + n;
  }
  return static_cast<uint32_t>(std::min<uint64_t>(start, 4294967295ULL - 65536));
}

std::string usermod_fix(const std::string& user, const std::string& subuid_path, const std::string& subgid_path,
                        bool want_uids, bool want_gids) {
  uint32_t start = std::max(free_subid_start(subuid_path), free_subid_start(subgid_path));
  std::string range = std::to_string(start) + "-" + std::to_string(uint64_t(start) + 65535);
  std::string cmd = "sudo usermod";
  if (want_uids) cmd += " --add-subuids " + range;
  if (want_gids) cmd += " --add-subgids " + range;
  return cmd + " " + user;
}

}  // namespace roost::userns
