// Writing a verb's output (a tar stream) to a file all at once: a temporary
// file beside it, renamed over it only when complete, so a failure leaves no
// partial file behind.
#pragma once

#include <functional>
#include <string>

#include "common/result.hpp"

namespace roost::cli {

// Calls WRITE with an fd of a temporary file next to PATH, then renames it to
// PATH (mode 0644, less the umask). With PATH empty WRITE gets stdout, which
// must not be a terminal (WHAT names the data for that error).
Result<void> write_output(const std::string& path, const std::string& what, const std::function<Result<void>(int)>& write);

}  // namespace roost::cli
