// Claims on names under the store's staging area: a shared OFD lock on one
// byte of GRAPH/staging.lock, chosen from the name. Unlike a lock file per
// name this creates no inode per claim (on ext4 without a journal each new
// inode scans past every recently deleted one). The lock dies with the last
// descriptor of its open file, so a killed writer's names become sweepable.
#pragma once

#include <string>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::storage {

// Opens LOCK_PATH (created when missing) and takes a shared lock on NAME's
// byte, waiting only while a sweep tests that byte.
Result<UniqueFd> claim_staging_name(const std::string& lock_path, const std::string& name);

// Whether no writer claims NAME: true when a write lock on its byte could be
// taken through LOCK_FD (it is released at once). Names sharing a byte with a
// live one wait for a later sweep, which is the safe direction.
Result<bool> staging_name_abandoned(int lock_fd, const std::string& name);

}  // namespace roost::storage
