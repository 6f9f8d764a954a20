// Child processes owned by RAII: a Child that goes out of scope unreaped is
// killed and reaped, so an early return never leaves a stray process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"

namespace roost {

class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& o) noexcept : pid_(o.release()) {}
  Child& operator=(Child&& o) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  pid_t release();
  // Waits and returns the raw wait status.
  Result<int> wait();

 private:
  pid_t pid_ = -1;
};

// Exit code in the shell's convention: the code, or 128+signal.
int exit_code_of(int wait_status);

// Runs argv (PATH searched) with stdin from /dev/null, capturing stdout and
// stderr together; returns the exit code and output.
struct ProgramOutput {
  int exit_code = -1;
  std::string output;
};
Result<ProgramOutput> run_program(const std::vector<std::string>& argv);

// Finds a program in PATH (and /usr/sbin, /sbin for setup tools); empty if absent.
std::string find_program(const std::string& name);

}  // namespace roost
