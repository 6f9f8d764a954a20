#include "engine/health_run.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/fd.hpp"
#include "common/file_lock.hpp"
#include "common/log.hpp"
#include "engine/container_events.hpp"

namespace roost::engine {
namespace {

// podman keeps this much of a check's output.
constexpr size_t kMaxOutput = 500;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Go's Duration.String() for whole seconds and milliseconds: "30s", "1m30s", "1.5s".
std::string go_duration(int64_t ns) {
  int64_t ms = ns / 1000000;
  int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  std::string out;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

}  // namespace

void reset_health(const std::string& run_dir, const HealthConfig& h) {
  if (!h.defined()) return;
  if (auto w = write_health_state(run_dir, HealthState{}); !w) log_warn("resetting the health state: " + w.error().str());
}

Result<std::string> run_healthcheck(Engine& engine, const std::string& id_or_name) {
  auto c = ROOST_TRY(engine.lookup(id_or_name));
  const HealthConfig& h = c.lifecycle.health;
  if (!h.defined()) return make_error(ErrorKind::invalid, "container " + c.name + " has no defined healthcheck");
  if (c.state != State::running) return make_error(ErrorKind::invalid, "container " + c.id + " is not running");
  const std::string dir = engine.run_dir(c);
  auto lock = ROOST_TRY(FileLock::acquire(dir + "/healthcheck.lock"));

  Engine::ExecOptions o;
  if (h.test.front() == "CMD-SHELL") o.command = {"/bin/sh", "-c", h.test.size() > 1 ? h.test[1] : ""};
  else o.command.assign(h.test.begin() + 1, h.test.end());
  o.timeout_ms = static_cast<int>(std::max<int64_t>(h.timeout_ns / 1000000, 1));
  o.health_check = true;
  UniqueFd out(::memfd_create("roost-healthcheck", MFD_CLOEXEC));
  if (!out.valid()) return sys_error("memfd_create");
  auto devnull = ROOST_TRY(open_file("/dev/null", O_RDONLY | O_CLOEXEC));
  StdioFds io{devnull.get(), out.get(), out.get()};

  HealthResult r;
  r.start_ns = now_ns();
  r.exit_code = ROOST_TRY_CTX(engine.exec_container(c.id, o, io), "running the health check");
  r.end_ns = now_ns();
  char buf[kMaxOutput];
  ssize_t n = ::pread(out.get(), buf, sizeof buf, 0);
  if (n > 0) r.output.assign(buf, static_cast<size_t>(n));
  if (r.end_ns - r.start_ns >= h.timeout_ns) {
    r.exit_code = -1;
    r.output = "healthcheck command exceeded timeout of " + go_duration(h.timeout_ns);
  }
  bool in_start_period = r.start_ns < c.started_ns + h.start_period_ns;
  auto state = read_health_state(dir);
  apply_health_result(state, std::move(r), in_start_period, h.retries);
  ROOST_TRY(write_health_state(dir, state));
  Event e = container_event(c, "health_status");
  e.health_status = state.status;
  record_event(events_log_path(engine.store_options().run_root), std::move(e));
  return state.status;
}

}  // namespace roost::engine
