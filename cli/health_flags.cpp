#include "cli/health_flags.hpp"

namespace roost::cli {

void add_health_flags(CLI::App& app, HealthFlags& f) {
  app.add_option("--health-cmd", f.cmd, "Health check command: a command line for /bin/sh -c, a JSON array, or none");
  app.add_option("--health-interval", f.interval, "Time between health checks (default 30s; \"disable\": none)");
  app.add_option("--health-retries", f.retries, "Consecutive failures that make the container unhealthy (default 3)");
  app.add_option("--health-start-period", f.start_period, "Time after start when failures do not count (default 0s)");
  app.add_option("--health-timeout", f.timeout, "Time after which a health check is killed and fails (default 30s)");
  app.add_flag("--no-healthcheck", f.none, "Disable the image's health check");
}

Result<engine::HealthConfig> to_health_config(const HealthFlags& f) {
  engine::HealthConfig h;
  if (f.none) {
    if (!f.cmd.empty()) return make_error(ErrorKind::invalid, "cannot specify both --no-healthcheck and --health-cmd");
    h.test = {"NONE"};
    return h;
  }
  if (f.cmd.empty()) return h;
  h.test = ROOST_TRY(engine::parse_health_cmd(f.cmd));
  h.interval_ns = ROOST_TRY(engine::parse_health_duration(f.interval, "--health-interval", true));
  h.timeout_ns = ROOST_TRY(engine::parse_health_duration(f.timeout, "--health-timeout", false));
  h.start_period_ns = ROOST_TRY(engine::parse_health_duration(f.start_period, "--health-start-period", false));
  if (f.retries < 1) return make_error(ErrorKind::invalid, "--health-retries must be greater than 0");
  h.retries = f.retries;
  return h;
}

}  // namespace roost::cli
