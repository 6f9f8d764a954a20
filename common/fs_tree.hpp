// Whole-tree operations done through directory fds, never following symlinks,
// so a hostile tree cannot redirect them outside.
#pragma once

#include <string>

#include "common/result.hpp"

namespace roost {

// Removes NAME inside DIRFD recursively; a missing NAME is fine.
Result<void> remove_tree_at(int dirfd, const std::string& name);
// Removes PATH recursively; a missing PATH is fine.
Result<void> remove_tree(const std::string& path);

}  // namespace roost
