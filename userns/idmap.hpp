// ID map arithmetic: sub-ID files, the rootless map (0 -> the user, 1.. -> the
// sub-ID ranges), keep-id, and translating IDs through a map. Pure functions.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost::userns {

// One line of /proc/PID/uid_map: IDs [container_id, container_id+size) map to
// [host_id, host_id+size).
struct IdRange {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
  bool operator==(const IdRange&) const = default;
};

struct IdMapping {
  std::vector<IdRange> uids;
  std::vector<IdRange> gids;
  // True when the user has no sub-IDs and only their own ID is mapped (to 0).
  bool single_id = false;
  // With single_id: what to tell the user (which files to edit). The caller
  // decides how often to show it.
  std::string fallback_warning;
  // True for root running without a user namespace (identity map).
  bool identity = false;
};

// A range from /etc/subuid or /etc/subgid: COUNT IDs starting at START.
struct SubIdRange {
  uint32_t start = 0;
  uint32_t count = 0;
  bool operator==(const SubIdRange&) const = default;
};

// Every range in a subuid/subgid file that names this user by name or by
// numeric ID, in file order. Comments and blank lines are skipped; a malformed
// line is an error naming FILE_NAME and the line number.
Result<std::vector<SubIdRange>> parse_subid_file(const std::string& content, const std::string& user,
                                                 uid_t id, const std::string& file_name);

// 0 -> id (size 1), then the sub-ID ranges packed from container ID 1 on.
std::vector<IdRange> rootless_ranges(uint32_t id, const std::vector<SubIdRange>& sub);

// The user's ID stays the same inside the container (toolbox-style, podman's
// --userns=keep-id): container IDs 0..id-1 come from the sub-IDs, id -> id,
// then the rest of the sub-IDs above it. Fails when the sub-IDs are too few.
Result<std::vector<IdRange>> keep_id_ranges(uint32_t id, const std::vector<SubIdRange>& sub);

// Host ID of a container ID, or nullopt when unmapped.
std::optional<uint32_t> to_host(const std::vector<IdRange>& map, uint32_t container_id);
// Container ID of a host ID, or nullopt when unmapped.
std::optional<uint32_t> to_container(const std::vector<IdRange>& map, uint32_t host_id);

// The text written to /proc/PID/uid_map ("0 1000 1\n1 100000 65536\n").
std::string format_map(const std::vector<IdRange>& map);
// Parses /proc/PID/uid_map or gid_map (columns padded with spaces); a
// malformed line is an error.
Result<std::vector<IdRange>> parse_proc_map(const std::string& text);
// Total IDs mapped.
uint64_t mapped_count(const std::vector<IdRange>& map);

}  // namespace roost::userns
