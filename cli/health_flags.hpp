// The --health-* flags of run and create (engine/healthcheck.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/result.hpp"
#include "engine/healthcheck.hpp"

namespace roost::cli {

struct HealthFlags {
  std::string cmd;
  std::string interval = "30s";
  int retries = 3;
  std::string start_period = "0s";
  std::string timeout = "30s";
  bool none = false;  // --no-healthcheck
};

void add_health_flags(CLI::App& app, HealthFlags& f);

// The check the flags ask for: a test with its settings, ["NONE"] for
// --no-healthcheck, or an empty test (the image's applies).
Result<engine::HealthConfig> to_health_config(const HealthFlags& f);

}  // namespace roost::cli
