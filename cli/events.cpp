// roost events / roost system events
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/session.hpp"
#include "cli/verb.hpp"
#include "common/go_template.hpp"
#include "engine/events.hpp"
#include "engine/log_file.hpp"

namespace roost::cli {
namespace {

struct EventsFlags {
  std::string since, until;
  std::vector<std::string> filters;
  std::string format;
  bool stream = true;
  bool no_trunc = true;
};

Result<int> run_events(Session& s, const EventsFlags& f) {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  engine::EventQuery q;
  if (!f.since.empty()) q.since_ns = ROOST_TRY_CTX(engine::parse_log_time(f.since, now), "--since");
  if (!f.until.empty()) q.until_ns = ROOST_TRY_CTX(engine::parse_log_time(f.until, now), "--until");
  // Until a time already past: what was recorded, then done.
  q.follow = f.stream && (q.until_ns == 0 || q.until_ns > now);
  auto filter = ROOST_TRY(engine::EventFilter::parse(f.filters));
  std::optional<GoTemplate> tmpl;
  if (!f.format.empty() && f.format != "json") tmpl = ROOST_TRY(GoTemplate::parse(parse_format(f.format).body));
  auto store = ROOST_TRY(s.store());
  const bool truncate = !f.no_trunc;
  std::optional<Error> failed;
  ROOST_TRY(engine::read_events(engine::events_log_path(store->options().run_root), q, [&](const engine::Event& e) {
    if (failed || !filter.matches(e)) return;
    std::string line;
    if (f.format == "json") {
      line = engine::event_json(e, truncate).dump();
    } else if (tmpl) {
      auto data = engine::event_json(e, truncate);
      data["Time"] = engine::go_time_string(e.time_ns);
      auto out = tmpl->render(data);
      if (!out) {
        failed = out.error();
        return;
      }
      line = *out;
    } else {
      line = engine::event_human(e, truncate);
    }
    line += "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }));
  if (failed) return std::move(*failed);
  return 0;
}

VerbRegistrar reg({
    {"events", "system events"},
    "Show events of containers and images",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<EventsFlags>();
      app.add_option("--since", f->since, "Show events since TIMESTAMP (RFC 3339, Unix seconds or a duration such as 10m)");
      app.add_option("--until", f->until, "Show events until TIMESTAMP, then exit");
      app.add_option("-f,--filter", f->filters, "Filter: event=, type=, container=, image=, label=KEY[=VALUE]")
          ->allow_extra_args(false);
      app.add_option("--format", f->format, "Output format: json, or a Go template ('{{.Status}} {{.Name}}')");
      app.add_flag("--stream{true}", f->stream, "Stream new events until interrupted (--stream=false: print and exit)")
          ->default_str("true");
      app.add_flag("--no-trunc{true}", f->no_trunc, "Do not truncate IDs (--no-trunc=false: 12 characters)")
          ->default_str("true");
      return [f](Session& s) { return run_events(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
