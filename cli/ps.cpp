// roost ps / roost container ls
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/container_filter.hpp"
#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"
#include "common/go_template.hpp"
#include "netns/options.hpp"

namespace roost::cli {
namespace {

using nlohmann::json;

struct PsFlags {
  bool all = false;
  bool quiet = false;
  bool no_trunc = false;
  std::string format;
  std::vector<std::string> filters;
};

// podman's ps JSON shape: one entry per port (ranges are not folded here).
json ports_json(const std::vector<netns::PortMapping>& ports) {
  if (ports.empty()) return nullptr;
  json out = json::array();
  for (const auto& p : ports)
    out.push_back({{"host_ip", p.host_ip}, {"container_port", p.container_port}, {"host_port", p.host_port},
                   {"range", 1}, {"protocol", netns::proto_name(p.proto)}});
  return out;
}

json ps_json(const engine::ContainerRecord& c, int64_t now) {
  bool exited = c.state == engine::State::exited;
  return {
      {"AutoRemove", c.auto_remove},
      {"Command", c.command},
      {"Created", c.created_ns / 1000000000},
      {"CreatedAt", human_ago(c.created_ns / 1000000000, now / 1000000000)},
      {"Exited", exited},
      {"ExitedAt", exited ? c.finished_ns / 1000000000 : int64_t{0}},
      {"ExitCode", c.exit_code},
      {"Id", c.id},
      {"Image", c.image_name},
      {"ImageID", c.image_id},
      {"IsInfra", false},
      {"Labels", c.labels.empty() ? json(nullptr) : json(c.labels)},
      {"Mounts", json::array()},
      {"Names", {c.name}},
      {"Namespaces", json::object()},
      {"Networks", json::array()},
      {"Pid", engine::is_active(c.state) ? c.pid : 0},
      {"Pod", ""},
      {"PodName", ""},
      {"Ports", ports_json(c.options.network.ports)},
      {"StartedAt", c.started_ns / 1000000000},
      {"State", engine::state_name(c.state)},
      {"Status", engine::status_text(c, now)},
  };
}

// What a --format template sees: the JSON fields plus podman's template
// names (.ID truncated unless --no-trunc, .Names and .Command as text).
json ps_template_row(const engine::ContainerRecord& c, int64_t now, bool no_trunc) {
  json row = ps_json(c, now);
  std::string ago = human_ago(c.created_ns / 1000000000, now / 1000000000);
  row["ID"] = no_trunc ? c.id : c.id.substr(0, 12);
  row["Names"] = c.name;
  row["Command"] = join_words(c.command);
  row["Created"] = ago;
  row["CreatedHuman"] = ago;
  row["RunningFor"] = ago;
  row["CreatedAt"] = rfc3339(c.created_ns / 1000000000);
  row["Ports"] = netns::format_ports(c.options.network.ports);  // as the PORTS column
  if (row["Labels"].is_null()) row["Labels"] = json::object();
  row["Mounts"] = "";
  row["Networks"] = "";
  row["Size"] = "";
  return row;
}

Result<int> run_ps(Session& s, const PsFlags& f) {
  auto filter = ROOST_TRY(ContainerFilter::parse(f.filters));
  auto eng = ROOST_TRY(open_engine(s));
  auto all = ROOST_TRY(eng->list());
  auto store = ROOST_TRY(s.store());
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<engine::ContainerRecord> shown;
  for (auto& c : all) {
    // `ps --filter status=exited` needs no -a: a status or exit code filter
    // replaces the default "running only".
    if (!f.all && !filter.selects_status() && c.state != engine::State::running) continue;
    if (!filter.empty()) {
      ContainerFilter::Facts facts;
      facts.image_names = [&] {
        auto img = store->image_by_id(c.image_id);
        return img ? img->names : std::vector<std::string>{};
      };
      facts.labels = [&] { return c.labels; };
      if (!filter.matches(c, facts)) continue;
    }
    shown.push_back(c);
  }
  // With a health check: "Up 3 seconds (healthy)".
  auto status = [&](const engine::ContainerRecord& c) {
    return engine::status_with_health(engine::status_text(c, now), c.state == engine::State::running,
                                      c.lifecycle.health, eng->run_dir(c));
  };
  if (f.format == "json") {
    json out = json::array();
    for (auto& c : shown) {
      out.push_back(ps_json(c, now));
      out.back()["Status"] = status(c);
    }
    std::cout << out.dump(4) << "\n";
    return 0;
  }
  if (!f.format.empty() && f.format != "table") {
    std::vector<json> rows;
    for (auto& c : shown) {
      rows.push_back(ps_template_row(c, now, f.no_trunc));
      rows.back()["Status"] = status(c);
    }
    std::cout << ROOST_TRY(render_format(f.format, rows,
                                         {{"ID", "CONTAINER ID"}, {"Created", "CREATED"}, {"CreatedHuman", "CREATED"},
                                          {"RunningFor", "CREATED"}, {"CreatedAt", "CREATED AT"}}));
    return 0;
  }
  auto id = [&](const engine::ContainerRecord& c) { return f.no_trunc ? c.id : c.id.substr(0, 12); };
  if (f.quiet) {
    for (auto& c : shown) std::cout << id(c) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (auto& c : shown) {
    std::string cmd = join_words(c.command);
    if (!f.no_trunc && cmd.size() > 17) cmd = cmd.substr(0, 17) + "...";
    rows.push_back({id(c), c.image_name, cmd, human_ago(c.created_ns / 1000000000, now / 1000000000),
                    status(c),
                    netns::format_ports(c.options.network.ports), c.name});
  }
  std::cout << render_table(rows);
  return 0;
}

VerbRegistrar reg({
    {"ps", "container ls", "container list", "container ps"},
    "List containers",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<PsFlags>();
      app.add_flag("-a,--all", f->all, "Show all the containers, default is only running containers");
      app.add_flag("-q,--quiet", f->quiet, "Print the numeric IDs of the containers only");
      app.add_flag("--no-trunc", f->no_trunc, "Display the extended information");
      app.add_option("-f,--filter", f->filters, "Filter output based on conditions given (id, name, status, ancestor, exited, label)")
          ->allow_extra_args(false);
      app.add_option("--format", f->format, "Output format: json, table, or a Go template ('{{.ID}} {{.Status}}')");
      return [f](Session& s) { return run_ps(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
