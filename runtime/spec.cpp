#include "runtime/spec.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>

#include "runtime/spec_internal.hpp"
#include "runtime/start_spec.hpp"

namespace roost::runtime {

namespace {

using nlohmann::json;

constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

Error corrupt_config(const std::string& where, const std::string& what) {
  return make_error(ErrorKind::corrupt, "image config: " + where + ": " + what);
}

Result<std::vector<std::string>> config_strings(const json& cfg, const char* key) {
  std::vector<std::string> out;
  if (!cfg.contains(key) || cfg[key].is_null()) return out;
  const json& v = cfg[key];
  if (!v.is_array()) return corrupt_config(std::string("config.") + key, "expected an array of strings");
  for (const auto& e : v) {
    if (!e.is_string()) return corrupt_config(std::string("config.") + key, "expected an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::string> config_string(const json& cfg, const char* key) {
  if (!cfg.contains(key) || cfg[key].is_null()) return std::string();
  if (!cfg[key].is_string()) return corrupt_config(std::string("config.") + key, "expected a string");
  return cfg[key].get<std::string>();
}

// RLIMIT_* names as ulimit(1)/docker spell them.
const std::map<std::string, int>& rlimit_names() {
  static const std::map<std::string, int> names = {
      {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},     {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE},   {"locks", RLIMIT_LOCKS},
      {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},   {"rss", RLIMIT_RSS},
      {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK},
  };
  return names;
}

std::string rlimit_type(const std::string& name) {
  std::string t = "RLIMIT_";
  for (char c : name) t += char(std::toupper(static_cast<unsigned char>(c)));
  return t;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<uint64_t> parse_u64(const std::string& s) {
  if (!all_digits(s) || s.size() > 20) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return uint64_t(v);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

// -u USER[:GROUP]. Numeric parts become process.user; anything the executor
// must look up in the container's /etc/passwd or /etc/group is flagged.
struct UserSpec {
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool needs_lookup = false;
  bool root = true;
};

Result<UserSpec> parse_user(const std::string& text) {
  UserSpec u;
  if (text.empty()) return u;
  auto parts = split(text, ':');
  auto invalid = [&](const std::string& why) {
    return make_error(ErrorKind::invalid, "invalid user \"" + text + "\": " + why);
  };
  if (parts.size() > 2) return invalid("expected USER[:GROUP]");
  for (const auto& p : parts) {
    if (p.empty()) return invalid("empty user or group name");
  }
  auto id_of = [&](const std::string& p, uint32_t& out) -> Result<bool> {
    if (!all_digits(p)) return false;
    auto v = parse_u64(p);
    // (uid_t)-1 means "unchanged" to the kernel, so it cannot name a user.
    if (!v || *v >= 0xffffffffULL) return invalid("ID " + p + " is out of range");
    out = uint32_t(*v);
    return true;
  };
  bool uid_numeric = ROOST_TRY(id_of(parts[0], u.uid));
  bool gid_numeric = false;
  if (parts.size() == 2) gid_numeric = ROOST_TRY(id_of(parts[1], u.gid));
  u.needs_lookup = !uid_numeric || !gid_numeric;
  u.root = uid_numeric ? u.uid == 0 : parts[0] == "root";
  return u;
}

Result<std::string> absolute_path(const std::string& path, const std::string& what) {
  if (path.empty() || path[0] != '/') {
    return make_error(ErrorKind::invalid, what + " \"" + path + "\": must be an absolute path");
  }
  std::string norm = std::filesystem::path(path).lexically_normal().string();
  if (norm.size() > 1 && norm.back() == '/') norm.pop_back();
  return norm;
}

json mount(const std::string& dest, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return {{"destination", dest}, {"type", type}, {"source", source}, {"options", std::move(options)}};
}

// --tmpfs PATH[:OPTIONS]: the user's options, then podman's defaults
// (rw,noexec,nosuid,nodev) for whatever the user left unsaid.
Result<json> tmpfs_mount(const std::string& text) {
  size_t colon = text.find(':');
  std::string dest = ROOST_TRY(absolute_path(text.substr(0, colon), "--tmpfs"));
  std::vector<std::string> opts;
  if (colon != std::string::npos) {
    for (auto& o : split(text.substr(colon + 1), ',')) {
      if (!o.empty()) opts.push_back(o);
    }
  }
  static const std::pair<const char*, const char*> defaults[] = {
      {"rw", "ro"}, {"noexec", "exec"}, {"nosuid", "suid"}, {"nodev", "dev"}};
  for (auto [def, opposite] : defaults) {
    if (std::find(opts.begin(), opts.end(), def) == opts.end() &&
        std::find(opts.begin(), opts.end(), opposite) == opts.end()) {
      opts.push_back(def);
    }
  }
  return mount(dest, "tmpfs", "tmpfs", opts);
}

size_t depth(const std::string& path) { return size_t(std::count(path.begin(), path.end(), '/')); }

bool strictly_under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

Result<json> build_mounts(const RunOptions& o, const HostFacts& host, bool rootless) {
  std::vector<json> standard;
  standard.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  standard.push_back(mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  std::vector<std::string> pts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  // The tty group; devpts refuses a gid= that has no mapping in the namespace.
  if (host.mapping.identity || userns::to_host(host.mapping.gids, 5)) pts.push_back("gid=5");
  standard.push_back(mount("/dev/pts", "devpts", "devpts", pts));
  standard.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  std::vector<std::string> sys = {"nosuid", "noexec", "nodev"};
  if (!o.privileged) sys.push_back("ro");
  if (rootless && (o.network.mode == netns::Mode::host || o.network.mode == netns::Mode::ns_path)) {
    // sysfs can only be mounted by the owner of the network namespace; a
    // rootless container on a network it did not create gets the host's
    // /sys instead.
    sys.insert(sys.begin(), "rbind");
    standard.push_back(mount("/sys", "bind", "/sys", sys));
  } else {
    standard.push_back(mount("/sys", "sysfs", "sysfs", sys));
  }
  standard.push_back(
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536000"}));
  if (o.read_only) {
    // podman's --read-only-tmpfs (on by default): writable scratch space.
    standard.push_back(mount("/run", "tmpfs", "tmpfs", {"rw", "nosuid", "nodev", "mode=755"}));
    standard.push_back(mount("/tmp", "tmpfs", "tmpfs", {"rw", "nosuid", "nodev", "mode=1777"}));
    standard.push_back(mount("/var/tmp", "tmpfs", "tmpfs", {"rw", "nosuid", "nodev", "mode=1777"}));
  }
  const std::pair<const std::string*, const char*> files[] = {
      {&host.hostname_file, "/etc/hostname"},
      {&host.hosts_file, "/etc/hosts"},
      {&host.containerenv_file, "/run/.containerenv"},
      {&host.resolv_conf, "/etc/resolv.conf"},
  };
  for (auto [source, dest] : files) {
    if (!source->empty()) standard.push_back(mount(dest, "bind", *source, {"bind", "rprivate"}));
  }

  std::vector<json> user;
  for (const auto& t : o.tmpfs) user.push_back(ROOST_TRY(tmpfs_mount(t)));
  if (!o.init_path.empty()) user.push_back(mount(kInitPath, "bind", o.init_path, {"rbind", "ro"}));
  for (const auto& b : o.binds) {
    std::string source = ROOST_TRY(absolute_path(b.source, "volume source"));
    std::string dest = ROOST_TRY(absolute_path(b.destination, "volume destination"));
    std::vector<std::string> opts = {"rbind"};
    if (b.read_only) opts.push_back("ro");
    user.push_back(mount(dest, "bind", source, opts));
  }
  for (size_t i = 0; i < user.size(); ++i) {
    const std::string dest = user[i]["destination"];
    if (dest == "/") return make_error(ErrorKind::invalid, "cannot mount over the container's root directory");
    for (size_t j = 0; j < i; ++j) {
      if (user[j]["destination"] == dest) {
        return make_error(ErrorKind::invalid, "duplicate mount destination \"" + dest + "\"");
      }
    }
  }
  // Parents before children, whatever order the user gave them in.
  std::stable_sort(user.begin(), user.end(), [](const json& a, const json& b) {
    return depth(a["destination"].get<std::string>()) < depth(b["destination"].get<std::string>());
  });

  // A user mount on the same destination replaces roost's own (as podman
  // does); one on a parent directory must not hide roost's mounts below it.
  json out = json::array();
  std::vector<json> after;
  for (auto& m : standard) {
    const std::string dest = m["destination"];
    bool replaced = false;
    bool hidden = false;
    for (const auto& u : user) {
      const std::string& ud = u["destination"].get_ref<const std::string&>();
      replaced = replaced || ud == dest;
      hidden = hidden || strictly_under(dest, ud);
    }
    if (replaced) continue;
    (hidden ? after : out.get_ref<json::array_t&>()).push_back(std::move(m));
  }
  for (auto& m : user) out.push_back(std::move(m));
  for (auto& m : after) out.push_back(std::move(m));
  return out;
}

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void set_env(std::vector<std::string>& env, const std::string& entry, bool replace = true) {
  std::string key = env_key(entry);
  for (auto& e : env) {
    if (env_key(e) == key) {
      if (replace) e = entry;
      return;
    }
  }
  env.push_back(entry);
}

Result<std::vector<std::string>> build_env(const ImageConfig& image, const RunOptions& o,
                                           const std::string& hostname) {
  // podman's order: its defaults, then the image's Env, then -e, each
  // replacing a variable of the same name in place.
  std::vector<std::string> env = {kDefaultPath};
  if (o.tty) env.push_back("TERM=xterm");
  env.push_back("container=podman");
  for (const auto& e : image.env) {
    if (e.find('=') != std::string::npos && e[0] != '=') set_env(env, e);
  }
  for (const auto& e : o.env) {
    size_t eq = e.find('=');
    if (eq == 0) return make_error(ErrorKind::invalid, "invalid environment variable \"" + e + "\": no name");
    if (eq == std::string::npos) {
      return make_error(ErrorKind::invalid, "environment variable \"" + e + "\" has no value (expected KEY=VALUE)");
    }
    set_env(env, e);
  }
  set_env(env, "HOSTNAME=" + hostname, false);
  return env;
}

Result<std::vector<std::string>> build_args(const ImageConfig& image, const RunOptions& o) {
  std::vector<std::string> args;
  if (o.entrypoint) {
    bool cleared = o.entrypoint->empty() || (o.entrypoint->size() == 1 && (*o.entrypoint)[0].empty());
    if (!cleared) args = *o.entrypoint;
  } else {
    args = image.entrypoint;
  }
  // As docker: a new entrypoint drops the image's Cmd, which was written
  // as arguments for the old one.
  const auto& cmd = !o.command.empty() ? o.command : (o.entrypoint ? std::vector<std::string>{} : image.cmd);
  args.insert(args.end(), cmd.begin(), cmd.end());
  if (args.empty()) {
    return make_error(ErrorKind::invalid, "no command specified: the image has no CMD or ENTRYPOINT; give a command");
  }
  return args;
}

Result<json> build_rlimits(const RunOptions& o) {
  std::vector<Ulimit> limits;
  // No default limits: podman raises root's nofile to 1048576, which fails
  // where root lacks CAP_SYS_RESOURCE; containers keep the caller's limits.
  for (const auto& u : o.ulimits) {
    if (!rlimit_names().count(u.name)) return make_error(ErrorKind::invalid, "invalid ulimit type \"" + u.name + "\"");
    if (u.soft > u.hard) {
      return make_error(ErrorKind::invalid, "ulimit " + u.name + ": soft limit " + std::to_string(u.soft) +
                                                " is above the hard limit " + std::to_string(u.hard));
    }
    auto same = std::find_if(limits.begin(), limits.end(), [&](const Ulimit& l) { return l.name == u.name; });
    if (same != limits.end()) {
      *same = u;
    } else {
      limits.push_back(u);
    }
  }
  json out = json::array();
  for (const auto& l : limits) out.push_back({{"type", rlimit_type(l.name)}, {"hard", l.hard}, {"soft", l.soft}});
  return out;
}

json devices() {
  struct Node {
    const char* path;
    int major;
    int minor;
  };
  static const Node nodes[] = {{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                               {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
  json out = json::array();
  for (const auto& n : nodes) {
    out.push_back({{"path", n.path}, {"type", "c"}, {"major", n.major}, {"minor", n.minor},
                   {"fileMode", 0666}, {"uid", 0}, {"gid", 0}});
  }
  return out;
}

json id_mappings(const std::vector<userns::IdRange>& ranges) {
  json out = json::array();
  for (const auto& r : ranges) out.push_back({{"containerID", r.container_id}, {"hostID", r.host_id}, {"size", r.size}});
  return out;
}

}  // namespace

Result<ImageConfig> parse_image_config(const std::string& config_json) {
  json j = json::parse(config_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(ErrorKind::corrupt, "image config: not a JSON object");
  }
  ImageConfig c;
  if (!j.contains("config") || j["config"].is_null()) return c;
  const json& cfg = j["config"];
  if (!cfg.is_object()) return corrupt_config("config", "expected an object");
  c.env = ROOST_TRY(config_strings(cfg, "Env"));
  c.entrypoint = ROOST_TRY(config_strings(cfg, "Entrypoint"));
  c.cmd = ROOST_TRY(config_strings(cfg, "Cmd"));
  c.working_dir = ROOST_TRY(config_string(cfg, "WorkingDir"));
  c.user = ROOST_TRY(config_string(cfg, "User"));
  c.stop_signal = ROOST_TRY(config_string(cfg, "StopSignal"));
  if (cfg.contains("Volumes") && !cfg["Volumes"].is_null()) {
    if (!cfg["Volumes"].is_object()) return corrupt_config("config.Volumes", "expected an object");
    for (const auto& [path, ignored] : cfg["Volumes"].items()) c.volumes.push_back(path);
  }
  if (cfg.contains("ExposedPorts") && cfg["ExposedPorts"].is_object()) {
    for (const auto& [port, ignored] : cfg["ExposedPorts"].items()) c.exposed_ports.push_back(port);
  }
  if (cfg.contains("Labels") && cfg["Labels"].is_object()) {
    for (const auto& [key, value] : cfg["Labels"].items())
      if (value.is_string()) c.labels[key] = value.get<std::string>();
  }
  return c;
}

Result<Ulimit> parse_ulimit(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) {
    return make_error(ErrorKind::invalid, "invalid ulimit \"" + text + "\": expected NAME=SOFT[:HARD]");
  }
  Ulimit u;
  u.name = text.substr(0, eq);
  if (!rlimit_names().count(u.name)) {
    return make_error(ErrorKind::invalid, "invalid ulimit \"" + text + "\": unknown type \"" + u.name + "\"");
  }
  auto values = split(text.substr(eq + 1), ':');
  if (values.size() > 2) {
    return make_error(ErrorKind::invalid, "invalid ulimit \"" + text + "\": expected NAME=SOFT[:HARD]");
  }
  std::vector<uint64_t> parsed;
  for (const auto& v : values) {
    if (v == "unlimited" || v == "-1") {
      parsed.push_back(RLIM_INFINITY);
      continue;
    }
    auto n = parse_u64(v);
    if (!n) return make_error(ErrorKind::invalid, "invalid ulimit \"" + text + "\": bad value \"" + v + "\"");
    parsed.push_back(*n);
  }
  u.soft = parsed[0];
  u.hard = parsed.size() == 2 ? parsed[1] : parsed[0];
  if (u.soft > u.hard) {
    return make_error(ErrorKind::invalid, "invalid ulimit \"" + text + "\": the soft limit " + values[0] +
                                              " is above the hard limit " + values[1]);
  }
  return u;
}

namespace {

// linux.seccomp for the options (null when unconfined).
Result<json> resolve_seccomp(const RunOptions& o, const std::vector<std::string>& bounding) {
  if (o.privileged || o.seccomp_unconfined || o.seccomp_profile_json == "unconfined") return json();
  if (o.seccomp_profile_json.empty()) return default_seccomp(bounding);
  return seccomp_from_profile(o.seccomp_profile_json, bounding);
}

// SECCOMP: linux.seccomp as decided before (null: none); nullopt resolves it.
Result<json> assemble_spec(const ImageConfig& image, const RunOptions& o, const HostFacts& host,
                           std::optional<json> seccomp) {
  const bool rootless = !host.mapping.identity;
  std::string hostname = !o.hostname.empty() ? o.hostname : o.container_id.substr(0, 12);
  if (hostname.empty()) return make_error(ErrorKind::internal, "building the container spec: no container ID");

  const std::string user_text = !o.user.empty() ? o.user : image.user;
  UserSpec user = ROOST_TRY(parse_user(user_text));

  std::string cwd = "/";
  if (!o.workdir.empty()) {
    cwd = ROOST_TRY(absolute_path(o.workdir, "working directory"));
  } else if (!image.working_dir.empty()) {
    // Docker treats a relative image WorkingDir as relative to /.
    cwd = std::filesystem::path("/" + image.working_dir).lexically_normal().string();
    if (cwd.size() > 1 && cwd.back() == '/') cwd.pop_back();
  }

  auto bounding = ROOST_TRY(detail::container_bounding(
      o.privileged, o.cap_add, o.cap_drop, rootless ? all_capabilities() : detail::current_bounding_capabilities()));
  // podman: a non-root user gets only what --cap-add asked for, in all sets
  // (ambient too, so that it survives the exec), never the whole bounding set.
  std::vector<std::string> granted = bounding;
  std::vector<std::string> ambient;
  if (!user.root) {
    auto added = ROOST_TRY(detail::merge_capabilities({}, o.cap_add, {}));
    granted.clear();
    for (const auto& c : added) {
      if (std::find(bounding.begin(), bounding.end(), c) != bounding.end()) granted.push_back(c);
    }
    ambient = granted;
  }

  auto args = ROOST_TRY(build_args(image, o));
  if (!o.init_path.empty()) args.insert(args.begin(), {std::string(kInitPath), std::string("--")});
  auto env = ROOST_TRY(build_env(image, o, hostname));
  json rlimits = ROOST_TRY(build_rlimits(o));
  json mounts = ROOST_TRY(build_mounts(o, host, rootless));

  json process = {
      {"terminal", o.tty},
      {"user", {{"uid", user.uid}, {"gid", user.gid}, {"additionalGids", json::array()}}},
      {"args", args},
      {"env", env},
      {"cwd", cwd},
      {"capabilities",
       {{"bounding", bounding},
        {"effective", granted},
        {"permitted", granted},
        {"inheritable", ambient},
        {"ambient", ambient}}},
      {"rlimits", std::move(rlimits)},
      {"noNewPrivileges", o.no_new_privileges},
  };

  json annotations = {{"io.container.manager", "roost"}};
  if (user.needs_lookup) annotations["io.roost.user"] = user_text;
  if (!image.stop_signal.empty()) annotations["org.opencontainers.image.stopSignal"] = image.stop_signal;

  json namespaces = json::array({{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "ipc"}}, {{"type", "uts"}}});
  if (o.network.mode == netns::Mode::ns_path)
    namespaces.push_back({{"type", "network"}, {"path", o.network.ns_path}});
  else if (o.network.mode == netns::Mode::container && !host.peer_netns.empty())
    namespaces.push_back({{"type", "network"}, {"path", host.peer_netns}});
  else if (o.network.mode != netns::Mode::host)
    namespaces.push_back({{"type", "network"}});
  // A namespace can only be joined from the user namespace that owns it.
  if (rootless && !host.peer_userns.empty()) namespaces.push_back({{"type", "user"}, {"path", host.peer_userns}});
  else if (rootless) namespaces.push_back({{"type", "user"}});

  json lx = {{"namespaces", namespaces}, {"devices", devices()}};
  // runc denies in the device cgroup whatever linux.devices lists unless
  // resources allow it; roost's own executor sets no cgroups and ignores this.
  json device_rules = json::array({{{"allow", false}, {"access", "rwm"}}});
  for (const auto& d : lx["devices"]) {
    device_rules.push_back(
        {{"allow", true}, {"type", "c"}, {"major", d["major"]}, {"minor", d["minor"]}, {"access", "rwm"}});
  }
  lx["resources"] = {{"devices", std::move(device_rules)}};
  if (rootless) {
    lx["uidMappings"] = id_mappings(host.mapping.uids);
    lx["gidMappings"] = id_mappings(host.mapping.gids);
  }
  if (!o.privileged) {
    lx["maskedPaths"] = {"/proc/acpi",        "/proc/kcore",      "/proc/keys",  "/proc/latency_stats",
                            "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                            "/sys/firmware",     "/sys/fs/selinux",  "/sys/dev/block"};
    lx["readonlyPaths"] = {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  }
  if (!seccomp) seccomp = ROOST_TRY(resolve_seccomp(o, bounding));
  if (!seccomp->is_null()) lx["seccomp"] = std::move(*seccomp);

  return json{
      {"ociVersion", "1.0.2"},
      {"process", std::move(process)},
      {"root", {{"path", host.rootfs}, {"readonly", o.read_only}}},
      {"hostname", hostname},
      {"mounts", std::move(mounts)},
      {"annotations", std::move(annotations)},
      {"linux", std::move(lx)},
  };
}

}  // namespace

Result<nlohmann::json> build_spec(const ImageConfig& image, const RunOptions& o, const HostFacts& host) {
  return assemble_spec(image, o, host, std::nullopt);
}

Result<nlohmann::json> rebuild_spec(const ImageConfig& image, const RunOptions& o, const HostFacts& host,
                                    nlohmann::json created_seccomp) {
  return assemble_spec(image, o, host, std::move(created_seccomp));
}

}  // namespace roost::runtime
