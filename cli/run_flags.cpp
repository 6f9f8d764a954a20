#include "cli/run_flags.hpp"

#include <unistd.h>

#include <cctype>
#include <functional>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/fd.hpp"
#include "common/process.hpp"
#include "runtime/own_init.hpp"

namespace roost::cli {
namespace {

// One value per occurrence: "-e A=1 busybox" must not take busybox as a value.
CLI::Option* repeated(CLI::App& app, const std::string& names, std::vector<std::string>& into, const std::string& help) {
  return app.add_option(names, into, help)->allow_extra_args(false);
}

bool absolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

}  // namespace

void add_run_flags(CLI::App& app, RunFlags& f) {
  app.add_flag("--rm", f.rm, "Remove the container when it exits");
  app.add_flag("-d,--detach", f.detach, "Run the container in the background and print its ID");
  app.add_option("--name", f.name, "Name of the container");
  app.add_flag("-i,--interactive", f.interactive, "Keep STDIN open");
  app.add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  repeated(app, "-e,--env", f.env, "Set an environment variable (KEY=VALUE, or KEY to pass roost's own)");
  repeated(app, "--env-file", f.env_files, "Read environment variables from a file");
  app.add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  app.add_option("-u,--user", f.user, "User (name or UID, optionally :GROUP) to run as");
  app.add_option("--entrypoint", f.entrypoint, "Override the image's entrypoint (a string or a JSON array)");
  app.add_option("--hostname", f.hostname, "Container host name");
  repeated(app, "-v,--volume", f.volumes, "Bind mount HOST-DIR:CONTAINER-DIR[:ro|rw]");
  repeated(app, "--tmpfs", f.tmpfs, "Mount a tmpfs at PATH[:OPTIONS]");
  app.add_flag("--read-only", f.read_only, "Mount the container's root file system read-only");
  app.add_option("--network,--net", f.network,
                 "Network mode: slirp4netns[:OPTIONS] (the default), none, host or ns:PATH");
  repeated(app, "-p,--publish", f.publish, "Publish a container's port to the host: [IP:][HOSTPORT:]CTRPORT[/tcp|/udp]");
  app.add_flag("-P,--publish-all", f.publish_all, "Publish every exposed port to a random host port");
  repeated(app, "--dns", f.dns, "DNS server for the container's /etc/resolv.conf");
  repeated(app, "--dns-search", f.dns_search, "DNS search domain (\".\" for none)");
  repeated(app, "--dns-option", f.dns_options, "DNS resolver option");
  repeated(app, "--add-host", f.add_hosts, "Add a NAME:IP line to /etc/hosts");
  app.add_flag("--no-hosts", f.no_hosts, "Keep the image's /etc/hosts instead of writing one");
  repeated(app, "--cap-add", f.cap_add, "Add a capability");
  repeated(app, "--cap-drop", f.cap_drop, "Drop a capability");
  app.add_flag("--privileged", f.privileged, "Give extended privileges to the container");
  repeated(app, "--security-opt", f.security_opts,
           "seccomp=unconfined, seccomp=PROFILE.json, or no-new-privileges");
  repeated(app, "--ulimit", f.ulimits, "Resource limit NAME=SOFT[:HARD]");
  app.add_option("--runtime", f.runtime, "OCI runtime to run the container with: runc, or a path (default: roost's built-in executor)");
  app.add_option("--log-driver", f.log_driver, "Logging driver: k8s-file (default), journald or none");
  repeated(app, "--log-opt", f.log_opts, "Logging driver option: max-size=SIZE, tag=TAG (journald)");
  app.add_option("--stop-signal", f.stop_signal, "Signal to stop the container (default: the image's, else SIGTERM)");
  app.add_option("--stop-timeout", f.stop_timeout, "Seconds to wait for the stop signal before SIGKILL");
  app.add_option("--restart", f.restart,
                 "Restart policy of a detached container: no, on-failure[:MAX], always or unless-stopped");
  app.add_flag("--init", f.init, "Run an init as PID 1 that forwards signals and reaps zombies (catatonit, else roost's own)");
  app.add_option("--init-path", f.init_path, "Path of the init binary for --init (default: catatonit from PATH, else roost's own)");
  repeated(app, "-l,--label", f.labels, "Set a label on the container: KEY=VALUE");
  repeated(app, "--label-file", f.label_files, "Read labels from a file of KEY=VALUE lines");
  add_health_flags(app, f.health);
  app.prefix_command();
}

void add_env(std::vector<std::string>& out, const std::string& item) {
  if (item.find('=') != std::string::npos) {
    out.push_back(item);
    return;
  }
  if (const char* v = std::getenv(item.c_str())) out.push_back(item + "=" + v);
}

Result<void> add_label(std::map<std::string, std::string>& out, const std::string& item, const std::string& where) {
  auto eq = item.find('=');
  std::string key = item.substr(0, eq);
  if (key.empty()) return make_error(ErrorKind::invalid, "invalid label \"" + item + "\" in " + where + ": expected KEY=VALUE");
  out[key] = eq == std::string::npos ? std::string() : item.substr(eq + 1);
  return {};
}

namespace {

// Calls FN with each line of a settings file (env or label file) and its
// number, blank lines and # comments skipped, leading blanks and a
// trailing CR removed.
Result<void> each_setting_line(const std::string& text, const std::function<Result<void>(const std::string&, int)>& fn) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    ROOST_TRY(fn(line.substr(start), n));
  }
  return {};
}

}  // namespace

Result<std::map<std::string, std::string>> parse_label_file(const std::string& text, const std::string& file_name) {
  std::map<std::string, std::string> out;
  ROOST_TRY(each_setting_line(text, [&](const std::string& line, int n) {
    return add_label(out, line, file_name + ":" + std::to_string(n));
  }));
  return out;
}

Result<std::vector<std::string>> parse_env_file(const std::string& text, const std::string& file_name) {
  std::vector<std::string> out;
  ROOST_TRY(each_setting_line(text, [&](const std::string& line, int n) -> Result<void> {
    std::string key = line.substr(0, line.find('='));
    if (key.empty() || key.find_first_of(" \t") != std::string::npos)
      return make_error(ErrorKind::invalid, file_name + ":" + std::to_string(n) + ": invalid variable \"" + line + "\"");
    add_env(out, line);
    return {};
  }));
  return out;
}

Result<runtime::BindMount> parse_volume(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  if (parts.size() < 2 || parts.size() > 3)
    return make_error(ErrorKind::invalid, "invalid volume \"" + spec + "\": expected HOST-DIR:CONTAINER-DIR[:OPTIONS]");
  runtime::BindMount b{parts[0], parts[1], false};
  if (!absolute(b.source))
    return make_error(ErrorKind::unsupported, "volume \"" + spec + "\": named volumes and relative paths are not " +
                                                  "supported yet: give an absolute host path");
  if (!absolute(b.destination))
    return make_error(ErrorKind::invalid, "invalid container path \"" + b.destination + "\": it must be absolute");
  if (parts.size() == 3) {
    std::stringstream os(parts[2]);
    for (std::string o; std::getline(os, o, ',');) {
      if (o == "ro") b.read_only = true;
      else if (o == "rw") b.read_only = false;
      else if (o == "z" || o == "Z") continue;  // SELinux relabeling: nothing to do without SELinux
      else return make_error(ErrorKind::invalid, "invalid volume option \"" + o + "\" in \"" + spec + "\"");
    }
  }
  return b;
}

Result<uint64_t> parse_human_size(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string unit;
  for (char c : text.substr(i)) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  double scale = unit.empty() ? 1 : unit == "k" ? 1e3 : unit == "m" ? 1e6 : unit == "g" ? 1e9 : unit == "t" ? 1e12 : 0;
  if (i == 0 || scale == 0) return make_error(ErrorKind::invalid, "invalid size \"" + text + "\"");
  return static_cast<uint64_t>(std::strtod(text.substr(0, i).c_str(), nullptr) * scale);
}

Result<RunRequest> to_run_request(Session& session, CLI::App& app, const RunFlags& f) {
  auto rest = app.remaining();
  if (rest.empty()) return make_error(ErrorKind::invalid, app.get_name() + ": an image name must be given");
  RunRequest r;
  r.image = rest.front();
  auto& o = r.options;
  o.command.assign(rest.begin() + 1, rest.end());
  o.name = f.name;
  for (auto& file : f.env_files) {
    auto text = ROOST_TRY(read_file(file));
    auto vars = ROOST_TRY(parse_env_file(text, file));
    o.env.insert(o.env.end(), vars.begin(), vars.end());
  }
  for (auto& e : f.env) {
    if (e.empty() || e[0] == '=') return make_error(ErrorKind::invalid, "invalid environment variable \"" + e + "\"");
    add_env(o.env, e);
  }
  if (!f.workdir.empty() && !absolute(f.workdir))
    return make_error(ErrorKind::invalid, "invalid working directory \"" + f.workdir + "\": it must be absolute");
  o.workdir = f.workdir;
  o.user = f.user;
  if (app.count("--entrypoint")) {
    auto j = nlohmann::json::parse(f.entrypoint, nullptr, false);
    if (j.is_array() && std::all_of(j.begin(), j.end(), [](auto& x) { return x.is_string(); }))
      o.entrypoint = j.get<std::vector<std::string>>();
    else if (f.entrypoint.empty())
      o.entrypoint = std::vector<std::string>{};
    else
      o.entrypoint = std::vector<std::string>{f.entrypoint};
  }
  o.hostname = f.hostname;
  o.tty = f.tty;
  o.interactive = f.interactive;
  o.read_only = f.read_only;
  o.privileged = f.privileged;
  o.cap_add = f.cap_add;
  o.cap_drop = f.cap_drop;
  for (auto& v : f.volumes) o.binds.push_back(ROOST_TRY(parse_volume(v)));
  for (auto& t : f.tmpfs) {
    if (!absolute(t)) return make_error(ErrorKind::invalid, "invalid --tmpfs \"" + t + "\": the path must be absolute");
    o.tmpfs.push_back(t);
  }
  ROOST_TRY(netns::parse_network_mode(f.network, o.network));
  for (auto& p : f.publish) {
    auto ports = ROOST_TRY(netns::parse_publish(p));
    o.network.ports.insert(o.network.ports.end(), ports.begin(), ports.end());
  }
  o.network.publish_all = f.publish_all;
  o.network.dns = f.dns;
  o.network.dns_search = f.dns_search;
  o.network.dns_options = f.dns_options;
  o.network.add_hosts = f.add_hosts;
  o.network.no_hosts = f.no_hosts;
  ROOST_TRY(netns::check_network_options(o.network));
  for (auto& s : f.security_opts) {
    if (s == "seccomp=unconfined") {
      o.seccomp_unconfined = true;
    } else if (s.rfind("seccomp=", 0) == 0) {
      std::string path = s.substr(8);
      o.seccomp_profile_json = ROOST_TRY_CTX(read_file(path), "seccomp profile");
      if (o.seccomp_profile_json.empty())
        return make_error(ErrorKind::invalid, "seccomp profile " + path + " is empty");
    } else if (s == "no-new-privileges" || s == "no-new-privileges=true" || s == "no-new-privileges:true") {
      o.no_new_privileges = true;
    } else if (s == "no-new-privileges=false" || s == "label=disable") {
      continue;
    } else {
      return make_error(ErrorKind::invalid, "invalid --security-opt \"" + s +
                                                "\": use seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges");
    }
  }
  for (auto& u : f.ulimits) o.ulimits.push_back(ROOST_TRY(runtime::parse_ulimit(u)));
  auto& lc = r.flags.lifecycle;
  r.flags.auto_remove = f.rm;
  if (!f.log_driver.empty()) lc.log_driver = f.log_driver;
  for (auto& opt : f.log_opts) {
    auto eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    if (eq == std::string::npos || (key != "max-size" && key != "tag"))
      return make_error(ErrorKind::invalid,
                        "invalid --log-opt \"" + opt + "\": use max-size=SIZE or tag=TAG");
    if (key == "tag") lc.log_tag = opt.substr(eq + 1);
    else lc.log_max_size = ROOST_TRY(parse_human_size(opt.substr(eq + 1)));
  }
  if (app.count("--stop-signal")) {
    lc.stop_signal = f.stop_signal;
    r.flags.stop_signal_given = true;
  }
  lc.stop_timeout = f.stop_timeout;
  lc.restart = ROOST_TRY(engine::parse_restart_policy(f.restart));
  if (f.rm && lc.restart.name != "no")
    return make_error(ErrorKind::invalid, "the --rm option conflicts with --restart " + f.restart + ": use one of them");
  ROOST_TRY(engine::validate_lifecycle(lc));
  lc.health = ROOST_TRY(to_health_config(f.health));
  // Files first, so that --label wins over a file's line, as in podman.
  for (auto& file : f.label_files) {
    auto text = ROOST_TRY_CTX(read_file(file), "label file");
    for (auto& [key, value] : ROOST_TRY(parse_label_file(text, file))) r.flags.labels[key] = value;
  }
  for (auto& l : f.labels) ROOST_TRY(add_label(r.flags.labels, l, "--label"));
  if (f.init) {
    o.init_path = f.init_path.empty() ? find_program("catatonit") : f.init_path;
    if (!o.init_path.empty() && ::access(o.init_path.c_str(), X_OK) != 0) return sys_error("--init-path", o.init_path);
    // Written out when the container starts (the run root is emptied at
    // each boot).
    if (o.init_path.empty()) o.init_path = runtime::own_init_path(ROOST_TRY(session.store_options())->run_root);
  }
  // "roost" names the built-in executor, as the default does.
  if (f.runtime != "roost") o.oci_runtime = f.runtime;
  return r;
}

}  // namespace roost::cli
