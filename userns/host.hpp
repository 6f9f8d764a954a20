// Host facts that decide whether rootless user namespaces can work, shared by
// mapping_for() and `roost system check` so both give the same diagnosis.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "userns/idmap.hpp"

namespace roost::userns {

// Why an unprivileged user cannot create user namespaces here (a sysctl set to
// 0, or Ubuntu's AppArmor restriction applying to this process), naming the
// sysctl and the command that fixes it; nullopt when nothing is known to block.
std::optional<std::string> userns_disabled_reason();

// Finds PROGRAM (newuidmap or newgidmap) and checks that it can do its job:
// setuid root, or file capabilities in security.capability. Returns its path;
// the error names the program, the problem and the package (uidmap).
Result<std::string> check_id_helper(const std::string& program);

// The user's ranges in a subuid/subgid file; a missing file has none.
Result<std::vector<SubIdRange>> read_subid_file(const std::string& path, const std::string& user, uid_t id);

// The first ID at or above 100000 past every range in the sub-ID file at
// PATH, for suggesting `usermod --add-subuids START-END` that does not
// overlap another user's range.
uint32_t free_subid_start(const std::string& path);

// "sudo usermod --add-subuids A-B --add-subgids A-B NAME" with a free range
// of 65536 IDs (either half left out when WANT_UIDS/WANT_GIDS is false).
std::string usermod_fix(const std::string& user, const std::string& subuid_path, const std::string& subgid_path,
                        bool want_uids = true, bool want_gids = true);

}  // namespace roost::userns
