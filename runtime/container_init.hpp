// The container side of the executor: what the cloned child does between
// clone and exec, and the byte protocol it speaks with the parent over a
// close-on-exec socket. Internal to runtime/.
//
// child -> parent: 'C' set up, waiting for createRuntime/prestart hooks;
//                  'T' + fd the pty master; 'E' kind errno message (failed);
//                  'X' errno command (exec failed); EOF: exec succeeded.
// parent -> child: 'G' go on (after the ID maps and on_namespaces, the hooks, the pty's size).
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/executor.hpp"
#include "runtime/seccomp.hpp"
#include "runtime/user_lookup.hpp"

namespace roost::runtime {

struct InitConfig {
  const ExecRequest* request = nullptr;
  int sock = -1;
  bool new_userns = false;  // wait for 'G', then become root in it
  bool joined_userns = false;  // cloned inside an existing one: become root in it
  bool wait_namespaces = false;  // wait for 'G' (ExecRequest::on_namespaces)
  bool single_id = false;   // setgroups is denied
  bool in_userns = false;   // not the host's root: rootless fallbacks apply
  bool new_netns = false;   // bring loopback up
  bool new_uts = false;
  bool hooks_before_pivot = false;
  const SeccompProgram* seccomp = nullptr;  // compiled by the parent; null: none
};

[[noreturn]] void container_init(const InitConfig& config);

// Shared with exec (exec.cpp): the process's user, resolved through the
// container's /etc/passwd and /etc/group (call inside its mount namespace);
// execvpe as Go's exec.LookPath does it (returns only on failure, errno
// set); the line podman prints when the command cannot be started.
Result<ResolvedUser> resolve_process_user(const nlohmann::json& spec);
void exec_search(const std::vector<std::string>& args, std::vector<char*>& envp, const std::string& path_var);
std::string exec_failure_line(const std::string& cmd, int err);

}  // namespace roost::runtime
