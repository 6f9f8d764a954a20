// The flags `roost run` and `roost create` share, and turning them into the
// engine's RunOptions (checking what the CLI alone can check).
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "cli/health_flags.hpp"
#include "cli/session.hpp"
#include "common/result.hpp"
#include "engine/containers.hpp"
#include "runtime/spec.hpp"

namespace roost::cli {

struct RunFlags {
  bool rm = false;
  bool detach = false;
  std::string name;
  bool interactive = false;
  bool tty = false;
  std::vector<std::string> env;
  std::vector<std::string> env_files;
  std::string workdir;
  std::string user;
  std::string entrypoint;
  bool entrypoint_given = false;
  std::string hostname;
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  bool read_only = false;
  std::string network;
  std::vector<std::string> publish;
  bool publish_all = false;
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  std::vector<std::string> add_hosts;
  bool no_hosts = false;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  std::vector<std::string> security_opts;
  std::vector<std::string> ulimits;
  std::string runtime;
  std::string log_driver;
  std::vector<std::string> log_opts;
  std::string stop_signal;
  int stop_timeout = 10;
  std::vector<std::string> labels;
  std::string restart;
  bool init = false;
  std::string init_path;
  std::vector<std::string> label_files;
  HealthFlags health;
};

// Adds the flags to APP and makes it stop parsing at the image: everything
// from the first positional on lands in APP.remaining() (IMAGE [CMD...]).
void add_run_flags(CLI::App& app, RunFlags& f);

// The image and RunOptions from the flags and APP.remaining().
struct RunRequest {
  std::string image;
  runtime::RunOptions options;
  engine::CreateFlags flags;  // --rm, log driver, stop signal and timeout
};
// --init without --init-path takes catatonit from PATH, else roost's own
// init (in the session's run root).
Result<RunRequest> to_run_request(Session& s, CLI::App& app, const RunFlags& f);

// Adds -e ITEM to OUT: KEY=VALUE, or KEY alone for KEY's value in roost's
// own environment, dropped when unset there (as podman and docker do).
void add_env(std::vector<std::string>& out, const std::string& item);
// Parses one --env-file's text (KEY=VALUE lines, KEY alone takes the value
// from roost's environment, # comments and blank lines skipped).
Result<std::vector<std::string>> parse_env_file(const std::string& text, const std::string& file_name);
// Adds one KEY[=VALUE] label (a key alone gets an empty value, as podman
// gives it) to OUT; an empty key is an error naming WHERE it came from.
Result<void> add_label(std::map<std::string, std::string>& out, const std::string& item, const std::string& where);
// Parses a --label-file's text: one KEY[=VALUE] per line, # comments and
// blank lines skipped.
Result<std::map<std::string, std::string>> parse_label_file(const std::string& text, const std::string& file_name);
// Parses a size as podman's --log-opt max-size takes it: "10mb", "1.5k", "4096"
// (decimal units).
Result<uint64_t> parse_human_size(const std::string& text);
// Parses "-v HOST:CTR[:ro|rw]".
Result<runtime::BindMount> parse_volume(const std::string& spec);

}  // namespace roost::cli
