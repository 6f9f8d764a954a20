// Capabilities with libcap, applied in the container's init before exec.
// Internal to runtime/.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "common/result.hpp"

namespace roost::runtime {

struct CapSets {
  std::vector<int> bounding, effective, permitted, inheritable, ambient;
};

// process.capabilities (absent sets are empty); unknown names are an error
// naming them.
Result<CapSets> parse_capabilities(const nlohmann::json& caps);

// Drops every capability not in the bounding set.
Result<void> drop_bounding(const CapSets& caps);

// Changes to UID/GID with GROUPS (not touched when SET_GROUPS is false:
// setgroups is denied under a single-ID map), keeping capabilities across
// the change, then sets effective, permitted, inheritable and ambient.
Result<void> switch_user_and_caps(const CapSets& caps, uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                                  bool set_groups);

}  // namespace roost::runtime
