// roost stats / roost container stats: CPU, memory, network, block I/O and
// PIDs of containers, read from their cgroups. --no-stream prints once (CPU %
// over each container's whole run, as podman does); without it the table is
// printed again every --interval seconds, CPU % then being over the interval,
// until interrupted.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"
#include "common/go_template.hpp"
#include "engine/stats_format.hpp"

namespace roost::cli {
namespace {

using nlohmann::json;

struct StatsFlags {
  std::vector<std::string> containers;
  bool all = false;
  bool no_stream = false;
  bool no_trunc = false;
  std::string format;
  int interval = 1;
};

Result<std::vector<engine::ContainerRecord>> targets(engine::Engine& eng, const StatsFlags& f) {
  std::vector<engine::ContainerRecord> out;
  if (!f.containers.empty()) {
    for (auto& name : f.containers) {
      auto c = eng.lookup(name);
      if (!c) return std::move(c).error().context("unable to look up container " + name);
      out.push_back(std::move(c).value());
    }
    return out;
  }
  for (auto& c : ROOST_TRY(eng.list()))
    if (f.all || engine::is_active(c.state)) out.push_back(std::move(c));
  return out;
}

// A container that stopped between the listing and the sample has zeros.
Result<engine::Engine::Stats> sample(engine::Engine& eng, engine::ContainerRecord& c) {
  auto s = eng.container_stats(c);
  if (s) return s;
  auto now = eng.lookup(c.id);
  if (now && !engine::is_active(now->state)) {
    c = std::move(now).value();
    return eng.container_stats(c);
  }
  return s;
}

Result<std::string> render(const StatsFlags& f, const std::vector<engine::StatsRow>& rows) {
  if (f.format == "json") {
    auto out = nlohmann::ordered_json::array();
    for (auto& r : rows) out.push_back(engine::stats_json(r));
    return out.dump(1) + "\n";
  }
  if (!f.format.empty() && f.format != "table") {
    std::vector<json> fields;
    for (auto& r : rows) fields.push_back(engine::stats_template_fields(r));
    return render_format(f.format, fields, engine::stats_template_headers());
  }
  std::vector<std::vector<std::string>> table = {engine::stats_header()};
  for (auto& r : rows) table.push_back(engine::stats_cells(r));
  return render_table(table);
}

Result<int> run_stats(Session& s, const StatsFlags& f) {
  if (f.all && !f.containers.empty()) return make_error(ErrorKind::invalid, "--all and containers cannot be used together");
  if (f.interval < 1) return make_error(ErrorKind::invalid, "--interval must be at least 1 second");
  auto eng = ROOST_TRY(open_engine(s));
  if (auto ok = eng->cgroups_available(); !ok) {
    bool rootless = !eng->store_options().mapping.identity;
    return make_error(ErrorKind::unsupported, std::string("stats is not supported") +
                                                  (rootless ? " in rootless mode" : "") + ": " + ok.error().message());
  }
  std::map<std::string, engine::Engine::Stats> before;
  const bool tty = ::isatty(STDOUT_FILENO);
  for (;;) {
    auto list = ROOST_TRY(targets(*eng, f));
    std::vector<engine::StatsRow> rows;
    std::map<std::string, engine::Engine::Stats> now;
    for (auto& c : list) {
      auto st = ROOST_TRY(sample(*eng, c));
      auto prev = before.find(c.id);
      rows.push_back(engine::stats_row(c, st, prev == before.end() ? std::nullopt : std::optional(prev->second),
                                       f.no_trunc));
      now[c.id] = st;
    }
    std::string text = ROOST_TRY(render(f, rows));
    // Streaming to a terminal: each table replaces the last.
    if (!f.no_stream && tty) std::cout << "\033[2J\033[H";
    std::cout << text << std::flush;
    if (f.no_stream) return 0;
    before = std::move(now);
    std::this_thread::sleep_for(std::chrono::seconds(f.interval));
  }
}

VerbRegistrar reg({
    {"stats", "container stats"},
    "Display a live stream of container resource usage statistics",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<StatsFlags>();
      app.add_option("containers", f->containers, "Containers to show (name or ID; default: all running)");
      app.add_flag("-a,--all", f->all, "Show all containers, not only running ones");
      app.add_flag("--no-stream", f->no_stream, "Print the statistics once instead of every interval");
      app.add_flag("--no-trunc", f->no_trunc, "Do not truncate the container IDs");
      app.add_option("--format", f->format, "Output format: json, table, or a Go template ('{{.Name}} {{.CPUPerc}}')");
      app.add_option("-i,--interval", f->interval, "Seconds between two refreshes when streaming (default 1)");
      return [f](Session& s) { return run_stats(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
