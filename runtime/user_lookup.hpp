// Resolving "name", "uid", "name:group" or "uid:gid" through a container's own
// /etc/passwd and /etc/group text. Parsed here rather than with getpwnam so no
// NSS module from the container (or the host) is ever loaded. Pure functions.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::runtime {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary: /etc/group memberships
  std::string home;           // "" when the user has no passwd entry
};

// SPEC is "user[:group]" (names or numbers). A name missing from PASSWD is
// `unable to find user NAME: no matching entries in passwd file`; a group
// name missing from GROUP likewise. A numeric UID without a passwd entry runs
// with GID 0 (or the given group) and home "/".
Result<ResolvedUser> resolve_user(const std::string& spec, const std::string& passwd, const std::string& group);

// Supplementary groups for an already numeric user (process.user): the
// memberships of the passwd entry for UID, if any, and its home.
ResolvedUser lookup_uid(uid_t uid, gid_t gid, const std::string& passwd, const std::string& group);

}  // namespace roost::runtime
