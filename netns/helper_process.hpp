// A network helper program (roost's port forwarder, pasta) started for a
// container: output to a log file in the container's run directory, in its
// own process group (a ^C at the terminal is for the container), handed only
// the fds it is given, and waited for until it says it is ready.
#pragma once

#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "common/result.hpp"

namespace roost::netns {

struct Pipe {
  UniqueFd rd, wr;
};
Result<Pipe> make_pipe();

// Polls FD for input for up to TIMEOUT_MS; false on timeout.
Result<bool> wait_readable(int fd, int timeout_ms);

// Runs ARGV[0] with ARGV, stdin /dev/null, stdout and stderr to LOG_PATH
// (truncated), in CWD when given. The fds in KEEP keep their numbers in the
// child; every other fd of ours is close-on-exec and does not reach it. With
// DEFAULT_SIGPIPE, SIGPIPE is reset to its default: a detached container's
// monitor ignores it, and pasta fails to start when it inherits that.
Result<Child> spawn_helper(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::vector<int>& keep, const std::string& cwd = "", bool default_sigpipe = false);

// ": LAST LOG LINE (log: PATH)", or "" when the log is empty: for errors.
std::string log_tail(const std::string& log_path);

// Waits up to TIMEOUT_MS for CHILD to exit by itself, then kills and reaps it.
void stop_child(Child& child, int timeout_ms);

}  // namespace roost::netns
