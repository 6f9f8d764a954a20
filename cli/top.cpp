// roost top / roost container top: the processes of a running container.
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/engine_access.hpp"
#include "cli/verb.hpp"
#include "common/format.hpp"
#include "engine/container_top.hpp"

namespace roost::cli {
namespace {

struct TopFlags {
  std::string container;
  std::vector<std::string> descriptors;  // "pid user" or "pid,user"
};

Result<int> run_top(Session& s, const TopFlags& f) {
  std::vector<std::string> wanted;
  for (auto& d : f.descriptors) {
    size_t start = 0;
    while (start <= d.size()) {
      size_t comma = d.find(',', start);
      std::string one = d.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!one.empty()) wanted.push_back(one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (wanted.empty()) wanted = engine::default_top_descriptors();
  auto eng = ROOST_TRY(open_engine(s));
  auto c = ROOST_TRY(eng->lookup(f.container));
  // A container just started by `run -d` is running before its monitor has
  // recorded the PID.
  for (int i = 0; i < 100 && c.state == engine::State::running && c.pid <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c = ROOST_TRY(eng->lookup(c.id));
  }
  if (c.state != engine::State::running || c.pid <= 0)
    return make_error(ErrorKind::invalid, "container " + c.name + " is not running: top can only be used on running containers");
  auto rows = ROOST_TRY(engine::container_top(c.pid, wanted));
  std::cout << render_table(rows);
  return 0;
}

VerbRegistrar reg({
    {"top", "container top"},
    "Display the running processes of a container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<TopFlags>();
      app.add_option("container", f->container, "Container (name or ID)")->required();
      app.add_option("descriptors", f->descriptors,
                     "Format descriptors (default user pid ppid pcpu etime tty time args)");
      return [f](Session& s) { return run_top(s, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
