#include "common/user_context.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace roost {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool owned_private_dir(const std::string& path, uid_t uid) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid;
}

}  // namespace

Result<UserContext> current_user_context() {
  UserContext ctx;
  ctx.uid = ::getuid();
  ctx.gid = ::getgid();
  ctx.rootless = ctx.uid != 0;
  // Under `roost unshare` we are root only inside the user's namespace: keep
  // using the user's store. File owners seen from here are the namespace's,
  // so the runtime directory must belong to our in-namespace UID.
  uid_t owner_here = ctx.uid;
  const char* configured = std::getenv("ROOST_USERNS_CONFIGURED");
  const char* outer_uid = std::getenv("ROOST_ROOTLESS_UID");
  if (ctx.uid == 0 && configured && std::string(configured) == "1" && outer_uid && *outer_uid) {
    char* end = nullptr;
    unsigned long v = std::strtoul(outer_uid, &end, 10);
    if (end && *end == 0 && v != 0) {
      ctx.uid = static_cast<uid_t>(v);
      ctx.rootless = true;
      if (struct passwd* pw = ::getpwuid(ctx.uid)) ctx.gid = pw->pw_gid;
    }
  }
  ctx.name = std::to_string(ctx.uid);
  if (struct passwd* pw = ::getpwuid(ctx.uid)) {
    ctx.name = pw->pw_name;
    ctx.home = pw->pw_dir;
  }
  ctx.home = env_or("HOME", ctx.home);
  if (ctx.home.empty()) return make_error(ErrorKind::invalid, "cannot find your home directory: set HOME");

  if (!ctx.rootless) {
    ctx.data_home = "/var/lib";
    ctx.config_home = env_or("XDG_CONFIG_HOME", ctx.home + "/.config");
    ctx.runtime_dir = "/run";
    return ctx;
  }
  ctx.data_home = env_or("XDG_DATA_HOME", ctx.home + "/.local/share");
  ctx.config_home = env_or("XDG_CONFIG_HOME", ctx.home + "/.config");

  std::string xdg = env_or("XDG_RUNTIME_DIR", "");
  if (!xdg.empty()) {
    struct stat st;
    if (::stat(xdg.c_str(), &st) != 0)
      return make_error(ErrorKind::invalid, "XDG_RUNTIME_DIR=" + xdg + " does not exist: log in with a real session (ssh, machinectl login, su -l) or unset XDG_RUNTIME_DIR");
    if (!S_ISDIR(st.st_mode) || st.st_uid != owner_here)
      return make_error(ErrorKind::invalid, "XDG_RUNTIME_DIR=" + xdg + " is not a directory owned by you (uid " + std::to_string(ctx.uid) + "), as happens after `su`: log in with a real session (ssh, machinectl login, su -l) or unset XDG_RUNTIME_DIR");
    ctx.runtime_dir = xdg;
    return ctx;
  }
  std::string run_user = "/run/user/" + std::to_string(ctx.uid);
  if (owned_private_dir(run_user, owner_here)) {
    ctx.runtime_dir = run_user;
    ctx.runtime_dir_note = "XDG_RUNTIME_DIR is not set; using " + run_user;
    return ctx;
  }
  std::string tmp = "/tmp/roost-run-" + std::to_string(ctx.uid);
  if (::mkdir(tmp.c_str(), 0700) != 0 && errno != EEXIST) return sys_error("creating fallback runtime directory", tmp);
  struct stat st;
  if (::lstat(tmp.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != owner_here || (st.st_mode & 077) != 0)
    return make_error(ErrorKind::security, tmp + " exists but is not a private directory owned by you: remove it or set XDG_RUNTIME_DIR");
  ctx.runtime_dir = tmp;
  ctx.runtime_dir_note = "XDG_RUNTIME_DIR is not set; using " + tmp;
  return ctx;
}

}  // namespace roost
