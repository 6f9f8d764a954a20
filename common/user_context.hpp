// Who is running roost and where their files live. Collected once by main and
// passed down as a value; nothing below reads the environment itself.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.hpp"

namespace roost {

struct UserContext {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;  // from the password database; the UID as text if absent
  std::string home;
  bool rootless = true;       // false when roost runs as real root
  std::string data_home;      // $XDG_DATA_HOME or ~/.local/share
  std::string config_home;    // $XDG_CONFIG_HOME or ~/.config
  std::string runtime_dir;    // per-boot state dir (resolved; never empty on success)
  std::string runtime_dir_note;  // non-empty when a fallback was used, says why
};

// Rootless: validates XDG_RUNTIME_DIR (must exist, be a directory and be owned
// by the user; `su` leaves root's there) and falls back to /run/user/UID or a
// private /tmp/roost-run-UID directory when it is unset.
Result<UserContext> current_user_context();

}  // namespace roost
