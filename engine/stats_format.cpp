#include "engine/stats_format.hpp"

#include <cstdio>

#include "common/format.hpp"

namespace roost::engine {
namespace {

std::string with_fraction(uint64_t v, uint64_t unit, int digits) {
  std::string s = std::to_string(v / unit);
  if (uint64_t r = v % unit) {
    std::string f = std::to_string(r);
    f = std::string(static_cast<size_t>(digits) - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

std::string pair_of(uint64_t a, uint64_t b) { return human_size_compact(a) + " / " + human_size_compact(b); }

}  // namespace

std::string go_duration(uint64_t ns) {
  if (ns == 0) return "0s";
  if (ns < 1000) return std::to_string(ns) + "ns";
  if (ns < 1000000) return with_fraction(ns, 1000, 3) + "µs";
  if (ns < 1000000000) return with_fraction(ns, 1000000, 6) + "ms";
  const uint64_t minute = 60ull * 1000000000ull, hour = 60 * minute;
  std::string out;
  if (ns >= hour) out += std::to_string(ns / hour) + "h";
  if (ns >= minute) out += std::to_string((ns % hour) / minute) + "m";
  return out + with_fraction(ns % minute, 1000000000, 9) + "s";
}

StatsRow stats_row(const ContainerRecord& c, const Engine::Stats& now, const std::optional<Engine::Stats>& before,
                   bool no_trunc) {
  StatsRow r;
  r.id = no_trunc ? c.id : c.id.substr(0, 12);
  r.name = c.name;
  double avg = 0;
  if (now.cpu_ns > 0 && now.sampled_ns > c.started_ns && c.started_ns > 0)
    avg = 100.0 * static_cast<double>(now.cpu_ns) / static_cast<double>(now.sampled_ns - c.started_ns);
  r.cpu = avg;
  if (before && now.sampled_ns > before->sampled_ns) {
    uint64_t used = now.cpu_ns > before->cpu_ns ? now.cpu_ns - before->cpu_ns : 0;
    r.cpu = 100.0 * static_cast<double>(used) / static_cast<double>(now.sampled_ns - before->sampled_ns);
  }
  r.cpu_percent = percent(r.cpu);
  r.avg_cpu = percent(avg);
  r.cpu_time = go_duration(now.cpu_ns);
  r.mem_usage = pair_of(now.mem_usage, now.mem_limit);
  r.mem_percent = percent(now.mem_limit ? 100.0 * static_cast<double>(now.mem_usage) / static_cast<double>(now.mem_limit) : 0);
  r.net_io = pair_of(now.net_rx, now.net_tx);
  r.block_io = pair_of(now.block_read, now.block_write);
  r.pids = std::to_string(now.pids);
  return r;
}

std::vector<std::string> stats_header() {
  return {"ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET IO", "BLOCK IO", "PIDS", "CPU TIME", "AVG CPU %"};
}

std::vector<std::string> stats_cells(const StatsRow& r) {
  return {r.id, r.name, r.cpu_percent, r.mem_usage, r.mem_percent, r.net_io, r.block_io, r.pids, r.cpu_time, r.avg_cpu};
}

nlohmann::ordered_json stats_json(const StatsRow& r) {
  return nlohmann::ordered_json{{"id", r.id},           {"name", r.name},           {"cpu_time", r.cpu_time},
                                {"cpu_percent", r.cpu_percent}, {"avg_cpu", r.avg_cpu}, {"mem_usage", r.mem_usage},
                                {"mem_percent", r.mem_percent}, {"net_io", r.net_io},   {"block_io", r.block_io},
                                {"pids", r.pids}};
}

nlohmann::json stats_template_fields(const StatsRow& r) {
  return {{"ID", r.id},           {"Name", r.name},         {"CPUPerc", r.cpu_percent}, {"AVGCPU", r.avg_cpu},
          {"CPU", r.cpu},         {"UpTime", r.cpu_time},   {"MemUsage", r.mem_usage},  {"MemPerc", r.mem_percent},
          {"NetIO", r.net_io},    {"BlockIO", r.block_io},  {"PIDs", r.pids}};
}

const std::vector<std::pair<std::string, std::string>>& stats_template_headers() {
  static const std::vector<std::pair<std::string, std::string>> h = {
      {"ID", "ID"},           {"Name", "NAME"},         {"CPUPerc", "CPU %"},    {"AVGCPU", "AVG CPU %"},
      {"CPU", "CPU %"},       {"UpTime", "CPU TIME"},   {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
      {"NetIO", "NET IO"},    {"BlockIO", "BLOCK IO"},  {"PIDs", "PIDS"}};
  return h;
}

}  // namespace roost::engine
