// The executor's thin syscall layer: openat2 resolution inside a root, mount
// targets created without leaving the root, pivot_root, fd passing. Wrappers
// retry EINTR and hold no policy. Internal to runtime/.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/fd.hpp"
#include "common/result.hpp"

namespace roost::runtime {

// openat2(ROOT, PATH, FLAGS, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): PATH is
// resolved as if ROOT were "/", so ".." and absolute symlinks stay inside it.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode = 0);

// Makes PATH exist inside ROOT (parents as directories; the last component a
// directory, or an empty file when AS_FILE) and returns an O_PATH fd on it.
// Existing symlinks are followed, but only within ROOT.
Result<UniqueFd> make_target_in_root(int root_fd, const std::string& path, bool as_file, mode_t dir_mode = 0755);

// "/proc/self/fd/N": lets mount(2) act on exactly the file an fd holds.
std::string fd_path(int fd);

Result<void> pivot_to(int new_root_fd);

// Sends/receives one byte TAG with an fd attached (SCM_RIGHTS).
Result<void> send_fd(int sock, char tag, int fd);
// Returns the tag; FD receives the attached fd when one came with it. EOF
// gives tag 0.
Result<char> recv_tag(int sock, UniqueFd* fd);

// Reads exactly N bytes; false at EOF.
Result<bool> read_exact(int fd, void* buf, size_t n);

}  // namespace roost::runtime
