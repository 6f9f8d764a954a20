// roost's own init for --init (init/roost_init.c), embedded in the roost
// binary and written out where a container can bind-mount it.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace roost::runtime {

// Where roost's own init lives for the containers of RUN_ROOT (per user and
// per boot, as the run root is).
std::string own_init_path(const std::string& run_root);

// The embedded binary.
std::string_view own_init_binary();

// Makes sure PATH holds the embedded init, mode 0755: written atomically
// when it is missing or differs (another roost version wrote it).
Result<void> install_own_init(const std::string& path);

}  // namespace roost::runtime
