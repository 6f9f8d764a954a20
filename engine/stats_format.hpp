// What `roost stats` prints for one container, in podman 4.3's shape: its
// columns (ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET IO, BLOCK IO, PIDS,
// CPU TIME, AVG CPU %), the fields its --format templates see and its JSON.
// Pure functions of samples the engine took (Engine::container_stats).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/containers.hpp"

namespace roost::engine {

// Go's time.Duration.String(): "0s", "812ns", "1.5µs", "58.685241ms", "1m2.5s", "1h0m0s".
std::string go_duration(uint64_t ns);

// One container's row. NOW is its latest sample; with BEFORE (an earlier
// sample of the same container) CPU % is over the time between them, else
// over its whole run as podman's --no-stream shows it.
struct StatsRow {
  std::string id, name;
  std::string cpu_percent, avg_cpu, cpu_time;
  std::string mem_usage, mem_percent;
  std::string net_io, block_io, pids;
  double cpu = 0;  // CPU % as a number ({{.CPU}})
};
StatsRow stats_row(const ContainerRecord& c, const Engine::Stats& now, const std::optional<Engine::Stats>& before,
                   bool no_trunc);

// The table's header and cells, in podman's column order.
std::vector<std::string> stats_header();
std::vector<std::string> stats_cells(const StatsRow& r);
// `--format json`'s object and what a template sees ({{.ID}}, {{.CPUPerc}}, {{.MemUsage}}, ...).
nlohmann::ordered_json stats_json(const StatsRow& r);  // in podman's key order
nlohmann::json stats_template_fields(const StatsRow& r);
// --format table headers for the template fields (field -> header).
const std::vector<std::pair<std::string, std::string>>& stats_template_headers();

}  // namespace roost::engine
