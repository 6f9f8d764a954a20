// Stopping, signalling and waiting for containers, whoever their monitor is
// (a foreground roost or a detached monitor): signals go to the container's
// first process through a pidfd, and waiting is for its monitor to record
// the exit and go.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.hpp"
#include "engine/container_cgroup.hpp"
#include "engine/containers.hpp"
#include "engine/journal.hpp"
#include "engine/proc.hpp"
#include "engine/signals.hpp"
#include "runtime/exec.hpp"

namespace roost::engine {

using nlohmann::json;

namespace {

// How long a monitor may take from its container's death to its own exit
// (draining the log, recording the exit, removing an --rm container).
constexpr std::chrono::seconds kMonitorGrace{30};

void wait_for_monitor(const ContainerRecord& c) {
  if (c.monitor_pid == ::getpid()) return;
  auto fd = open_process(c.monitor_pid, c.monitor_start);
  if (fd.valid()) (void)wait_exit(fd.get(), kMonitorGrace);
}

}  // namespace

Result<void> validate_lifecycle(LifecycleOptions& l) {
  if (l.log_driver.empty()) l.log_driver = "k8s-file";
  if (l.log_driver != "k8s-file" && l.log_driver != "journald" && l.log_driver != "none")
    return make_error(ErrorKind::invalid,
                      "invalid log driver \"" + l.log_driver + "\": use k8s-file, journald or none");
  // As podman: refused at create when the journal cannot take the output.
  if (l.log_driver == "journald") ROOST_TRY(journal_reachable());
  int sig = ROOST_TRY(parse_signal(l.stop_signal.empty() ? "SIGTERM" : l.stop_signal));
  l.stop_signal = signal_name(sig);
  if (l.stop_timeout < 0) return make_error(ErrorKind::invalid, "the stop timeout cannot be negative");
  return {};
}

json lifecycle_to_json(const LifecycleOptions& l) {
  return {{"log_driver", l.log_driver},
          {"log_max_size", l.log_max_size},
          {"log_tag", l.log_tag},
          {"stop_signal", l.stop_signal},
          {"stop_timeout", l.stop_timeout},
          {"restart", l.restart.name},
          {"restart_max", l.restart.max_retries},
          {"health", health_to_json(l.health)}};
}

LifecycleOptions lifecycle_from_json(const json& j) {
  LifecycleOptions l;
  if (!j.is_object()) return l;
  l.log_driver = j.value("log_driver", l.log_driver);
  l.log_max_size = j.value("log_max_size", l.log_max_size);
  l.log_tag = j.value("log_tag", l.log_tag);
  l.stop_signal = j.value("stop_signal", l.stop_signal);
  l.stop_timeout = j.value("stop_timeout", l.stop_timeout);
  l.restart.name = j.value("restart", l.restart.name);
  l.restart.max_retries = j.value("restart_max", l.restart.max_retries);
  if (j.contains("health")) l.health = health_from_json(j["health"]);
  return l;
}

Result<void> Engine::stop_container(const std::string& id_or_name, std::optional<int> timeout) {
  auto c = ROOST_TRY(lookup(id_or_name));
  // As podman 4.3: a paused container's stop signal could not be handled.
  if (c.state == State::paused)
    return make_error(ErrorKind::invalid,
                      "container " + c.id + " is running or paused, refusing to clean up: container state improper");
  // Before the state check: a container waiting to be restarted by its
  // policy is exited now, and must stay so.
  if (c.lifecycle.restart.name != "no")
    (void)write_file_atomic(stopped_by_user_path(run_dir(c)), "", 0600);
  // Just started: its monitor has not recorded the PID yet.
  for (int i = 0; i < 100 && c.state == State::running && c.pid <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c = ROOST_TRY(lookup(c.id));
  }
  if (c.state != State::running) return {};
  int sig = ROOST_TRY(parse_signal(c.lifecycle.stop_signal));
  int seconds = timeout.value_or(c.lifecycle.stop_timeout);
  auto fd = open_process(c.pid, c.pid_start);
  if (fd.valid()) {
    bool gone = false;
    if (seconds > 0) {
      ROOST_TRY_CTX(signal_process(fd.get(), sig), "stopping container " + c.name);
      gone = wait_exit(fd.get(), std::chrono::seconds(seconds));
      if (!gone)
        log_warn("StopSignal " + signal_name(sig) + " failed to stop container " + c.name + " in " +
                 std::to_string(seconds) + " seconds, resorting to SIGKILL");
    }
    if (!gone) {
      ROOST_TRY_CTX(signal_process(fd.get(), SIGKILL), "killing container " + c.name);
      if (!wait_exit(fd.get(), std::chrono::seconds(10)))
        return make_error(ErrorKind::io, "container " + c.name + " did not die after SIGKILL");
    }
  }
  wait_for_monitor(c);
  // Reconciles when the monitor died without recording the exit.
  (void)lookup(c.id);
  record_event(c, "stop");
  return {};
}

Result<void> Engine::kill_container(const std::string& id_or_name, int signal) {
  auto c = ROOST_TRY(lookup(id_or_name));
  auto fd = is_active(c.state) ? open_process(c.pid, c.pid_start) : UniqueFd();
  if (!fd.valid())
    return make_error(ErrorKind::invalid, "can only kill running containers. " + c.id + " is in state " +
                                              state_name(c.state) + ": container state improper");
  ROOST_TRY(signal_process(fd.get(), signal));
  // Other signals wait for unpause; SIGKILL does not (runc thaws too).
  if (c.state == State::paused && signal == SIGKILL) {
    auto cg = container_cgroup(store_options(), c.id);
    if (cg) ROOST_TRY(cg->thaw());
  }
  record_event(c, "kill", std::nullopt, {{"signal", signal_name(signal)}});
  return {};
}

Result<int> Engine::wait_container(const std::string& id_or_name) {
  auto c = ROOST_TRY(lookup(id_or_name));
  while (is_active(c.state)) {
    auto fd = open_process(c.monitor_pid, c.monitor_start);
    if (fd.valid() && c.monitor_pid != ::getpid()) (void)wait_exit(fd.get(), std::chrono::milliseconds(-1));
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c = ROOST_TRY(lookup(c.id));
  }
  return c.exit_code;
}

}  // namespace roost::engine

namespace roost::engine {

Result<int> Engine::exec_container(const std::string& id_or_name, const ExecOptions& options, const StdioFds& stdio) {
  auto c = ROOST_TRY(lookup(id_or_name));
  if (c.state != State::running || c.pid <= 0 || !c.spec.is_object())
    return make_error(ErrorKind::invalid, "can only create exec sessions on running containers: container state improper");
  if (options.command.empty()) return make_error(ErrorKind::invalid, "exec: a command to run must be given");
  runtime::ExecInRequest req;
  req.target = c.pid;
  req.spec = c.spec;
  auto& process = req.spec["process"];
  process["args"] = options.command;
  process["terminal"] = options.tty;
  auto env = process.value("env", std::vector<std::string>{});
  for (auto& e : options.env) {
    auto key = e.substr(0, e.find('='));
    env.erase(std::remove_if(env.begin(), env.end(), [&](const std::string& x) { return x.substr(0, x.find('=')) == key; }),
              env.end());
    env.push_back(e);
  }
  // As podman: a terminal gets TERM unless the container or -e gives one.
  if (options.tty && std::none_of(env.begin(), env.end(), [](const std::string& x) { return x.rfind("TERM=", 0) == 0; }))
    env.push_back("TERM=xterm");
  process["env"] = env;
  if (!options.workdir.empty()) process["cwd"] = options.workdir;
  if (!options.user.empty()) {
    // Resolved inside the container, as the annotation of create's -u is.
    req.spec["annotations"]["io.roost.user"] = options.user;
    process["user"] = json{{"uid", 0}, {"gid", 0}};
  }
  if (auto cg = container_cgroup(store_options(), c.id); cg && cg->exists())
    for (auto& d : cg->dirs()) req.cgroup_procs.push_back(d + "/cgroup.procs");
  req.single_id = store_options().mapping.single_id;
  req.cache_dir = store_options().run_root + "/cache";
  req.stdin_fd = stdio.in;
  req.stdout_fd = stdio.out;
  req.stderr_fd = stdio.err;
  req.detach = options.detach;
  req.tty = options.tty;
  req.timeout_ms = options.timeout_ms;
  if (!options.health_check) record_event(c, "exec");
  auto code = runtime::exec_in_container(req);
  if (code && !options.detach && !options.health_check) record_event(c, "exec_died", *code);
  return code;
}

}  // namespace roost::engine
