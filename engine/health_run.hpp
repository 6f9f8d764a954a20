// Running one health check of a container (healthcheck.hpp): `roost
// healthcheck run`, and what a detached container's monitor runs every
// interval.
#pragma once

#include <string>

#include "common/result.hpp"
#include "engine/containers.hpp"

namespace roost::engine {

// Runs the container's check once as an exec in it (killed after its
// timeout), records the result and the health_status event, and returns
// the status after it: healthy, unhealthy or starting. Checks of one
// container never overlap (a lock in its run directory). Errors: no such
// container, no health check defined, not running.
Result<std::string> run_healthcheck(Engine& engine, const std::string& id_or_name);

// Called by the engine when the container (re)starts: its health starts over.
void reset_health(const std::string& run_dir, const HealthConfig& h);

}  // namespace roost::engine
