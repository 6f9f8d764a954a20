// roost exec / roost container exec
#include <fcntl.h>

#include "cli/engine_access.hpp"
#include "cli/run_flags.hpp"
#include "cli/verb.hpp"
#include "common/fd.hpp"

namespace roost::cli {
namespace {

struct ExecFlags {
  bool interactive = false;
  bool tty = false;
  bool detach = false;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::string workdir;
  std::string user;
};

Result<int> run_exec(Session& s, CLI::App& app, const ExecFlags& f) {
  auto rest = app.remaining();
  if (rest.size() < 2) return make_error(ErrorKind::invalid, "exec requires the name or ID of a container and a command to run");
  engine::Engine::ExecOptions o;
  o.command.assign(rest.begin() + 1, rest.end());
  for (auto& file : f.env_files) {
    auto vars = ROOST_TRY(parse_env_file(ROOST_TRY(read_file(file)), file));
    o.env.insert(o.env.end(), vars.begin(), vars.end());
  }
  for (auto& e : f.env) {
    if (e.empty() || e[0] == '=') return make_error(ErrorKind::invalid, "invalid environment variable \"" + e + "\"");
    add_env(o.env, e);
  }
  if (!f.workdir.empty() && f.workdir[0] != '/')
    return make_error(ErrorKind::invalid, "invalid working directory \"" + f.workdir + "\": it must be absolute");
  o.workdir = f.workdir;
  o.user = f.user;
  o.detach = f.detach;
  o.tty = f.tty;
  auto eng = ROOST_TRY(open_engine(s));
  engine::StdioFds io;
  UniqueFd devnull;
  if (!f.interactive || f.detach) {
    devnull = ROOST_TRY(open_file("/dev/null", O_RDWR));
    io.in = devnull.get();
    if (f.detach) io.out = io.err = devnull.get();
  }
  return eng->exec_container(rest.front(), o, io);
}

VerbRegistrar reg({
    {"exec", "container exec"},
    "Run a process in a running container",
    [](CLI::App& app) -> RunFn {
      auto f = std::make_shared<ExecFlags>();
      app.add_flag("-i,--interactive", f->interactive, "Keep STDIN open");
      app.add_flag("-t,--tty", f->tty, "Allocate a pseudo-TTY");
      app.add_flag("-d,--detach", f->detach, "Run the process in the background");
      app.add_option("-e,--env", f->env, "Set an environment variable (KEY=VALUE, or KEY to pass roost's own)")
          ->allow_extra_args(false);
      app.add_option("--env-file", f->env_files, "Read environment variables from a file")->allow_extra_args(false);
      app.add_option("-w,--workdir", f->workdir, "Working directory inside the container");
      app.add_option("-u,--user", f->user, "User (name or UID, optionally :GROUP) to run as");
      app.prefix_command();
      return [f, &app](Session& s) { return run_exec(s, app, *f); };
    },
});

}  // namespace
}  // namespace roost::cli
