// roost logs / roost container logs
#include <chrono>
#include <cstdio>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "engine/log_reader.hpp"

namespace roost::cli {
namespace {

struct LogsFlags {
  std::string container;
  bool follow = false;
  bool timestamps = false;
  std::string since, until;
  int64_t tail = -1;
};

Result<int> run_logs(Session& s, const LogsFlags& f) {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  engine::LogQuery q;
  q.follow = f.follow;
  if (!f.since.empty()) q.since_ns = ROOST_TRY_CTX(engine::parse_log_time(f.since, now), "--since");
  if (!f.until.empty()) q.until_ns = ROOST_TRY_CTX(engine::parse_log_time(f.until, now), "--until");
  if (f.tail >= 0) q.tail = static_cast<size_t>(f.tail);
  auto eng = ROOST_TRY(open_engine(s));
  auto c = ROOST_TRY(eng->lookup(f.container));
  if (c.lifecycle.log_driver == "none")
    return make_error(ErrorKind::invalid,
                      "this container is using the 'none' log driver, cannot read logs: this container is not logging output");
  std::string id = c.id;
  FILE* last = stdout;
  auto running = [&] {
    auto now_c = eng->lookup(id);
    return now_c && engine::is_active(now_c->state);
  };
  const bool journal = c.lifecycle.log_driver == "journald";
  ROOST_TRY(engine::read_container_log(c.lifecycle.log_driver, id, eng->log_path(c), q, running,
                                       [&](const engine::LogEntry& e) {
    FILE* out = e.stream == engine::LogStream::out ? stdout : stderr;
    // Each stream in the order the entries came, even when both go to one place.
    if (out != last) std::fflush(last);
    last = out;
    if (f.timestamps) std::fprintf(out, "%s ", engine::log_display_time(e.time_ns, journal).c_str());
    std::fwrite(e.text.data(), 1, e.text.size(), out);
    if (!e.partial) std::fputc('\n', out);
    if (f.follow) std::fflush(out);
  }));
  return 0;
}

VerbRegistrar reg({
    {"logs", "container logs"},
    "Fetch the logs of a container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<LogsFlags>();
      app.add_option("container", f->container, "Container (name or ID)")->required();
      app.add_flag("-f,--follow", f->follow, "Follow log output");
      app.add_flag("-t,--timestamps", f->timestamps, "Output the timestamps in the log");
      app.add_option("--since", f->since, "Show logs since TIMESTAMP (RFC 3339, Unix seconds or a duration such as 10m)");
      app.add_option("--until", f->until, "Show logs until TIMESTAMP");
      app.add_option("-n,--tail", f->tail, "Output the last N lines (default: all)");
      return [f](Session& s) { return run_logs(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
