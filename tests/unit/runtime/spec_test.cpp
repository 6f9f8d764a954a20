#include <sys/resource.h>

#include <boost/test/unit_test.hpp>

#include "runtime/spec_internal.hpp"
#include "spec_fixture.hpp"

using namespace spec_test;

namespace {

std::vector<std::string> destinations(const json& spec) {
  std::vector<std::string> out;
  for (const auto& m : spec["mounts"]) out.push_back(m["destination"].get<std::string>());
  return out;
}

json mount_at(const json& spec, const std::string& dest) {
  for (const auto& m : spec["mounts"]) {
    if (m["destination"] == dest) return m;
  }
  BOOST_FAIL("no mount at " + dest + " in " + spec["mounts"].dump());
  return {};
}

std::vector<std::string> args(const ImageConfig& img, const RunOptions& o) {
  return strings(spec_ok(img, o, root_host())["process"]["args"]);
}

std::vector<std::string> env(const ImageConfig& img, const RunOptions& o) {
  return strings(spec_ok(img, o, root_host())["process"]["env"]);
}

std::vector<std::string> namespaces(const json& spec) {
  std::vector<std::string> out;
  for (const auto& n : spec["linux"]["namespaces"]) out.push_back(n["type"].get<std::string>());
  return out;
}

using strs = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(spec_image_config)

BOOST_AUTO_TEST_CASE(parses_the_config_object) {
  auto r = parse_image_config(R"({"architecture":"amd64","os":"linux","config":{
      "Env":["PATH=/bin","A=b"],"Entrypoint":["/init"],"Cmd":["-x"],"WorkingDir":"/srv","User":"app:app",
      "StopSignal":"SIGQUIT","Volumes":{"/data":{},"/cache":{}},"Labels":{"x":"y"}},"rootfs":{}})");
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().str()));
  BOOST_TEST(r->env == (strs{"PATH=/bin", "A=b"}));
  BOOST_TEST(r->entrypoint == strs{"/init"});
  BOOST_TEST(r->cmd == strs{"-x"});
  BOOST_TEST(r->working_dir == "/srv");
  BOOST_TEST(r->user == "app:app");
  BOOST_TEST(r->stop_signal == "SIGQUIT");
  BOOST_TEST(r->volumes == (strs{"/cache", "/data"}));
}

BOOST_AUTO_TEST_CASE(missing_and_null_fields_are_empty) {
  auto r = parse_image_config(R"({"architecture":"amd64"})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->cmd.empty());
  r = parse_image_config(R"({"config":{"Env":null,"Cmd":null,"Entrypoint":null,"Volumes":null,"User":null}})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->env.empty());
  BOOST_TEST(r->user.empty());
}

BOOST_AUTO_TEST_CASE(malformed_configs_are_corrupt) {
  for (auto text : {"", "[1]", "{", R"({"config":[]})", R"({"config":{"Cmd":"sh"}})", R"({"config":{"Env":[1]}})",
                    R"({"config":{"User":5}})", R"({"config":{"Volumes":["/x"]}})"}) {
    auto r = parse_image_config(text);
    BOOST_TEST_INFO("input: " << text);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind() == ErrorKind::corrupt));
  }
  auto r = parse_image_config(R"({"config":{"Cmd":"sh"}})");
  BOOST_TEST(r.error().message() == "image config: config.Cmd: expected an array of strings");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spec_ulimits)

BOOST_AUTO_TEST_CASE(parses_soft_and_hard) {
  auto u = parse_ulimit("nofile=1024:2048");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->name == "nofile");
  BOOST_TEST(u->soft == 1024u);
  BOOST_TEST(u->hard == 2048u);
  u = parse_ulimit("nproc=512");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->soft == 512u);
  BOOST_TEST(u->hard == 512u);
  u = parse_ulimit("core=unlimited");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->soft == uint64_t(RLIM_INFINITY));
  u = parse_ulimit("memlock=-1:-1");
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->hard == uint64_t(RLIM_INFINITY));
}

BOOST_AUTO_TEST_CASE(errors_name_the_bad_part) {
  auto err = [](const std::string& text) {
    auto u = parse_ulimit(text);
    BOOST_REQUIRE_MESSAGE(!u.ok(), "accepted " + text);
    BOOST_TEST((u.error().kind() == ErrorKind::invalid));
    return u.error().message();
  };
  BOOST_TEST(err("nofile") == "invalid ulimit \"nofile\": expected NAME=SOFT[:HARD]");
  BOOST_TEST(err("files=10") == "invalid ulimit \"files=10\": unknown type \"files\"");
  BOOST_TEST(err("nofile=lots") == "invalid ulimit \"nofile=lots\": bad value \"lots\"");
  BOOST_TEST(err("nofile=") == "invalid ulimit \"nofile=\": bad value \"\"");
  BOOST_TEST(err("nofile=1:") == "invalid ulimit \"nofile=1:\": bad value \"\"");
  BOOST_TEST(err("nofile=1:2:3") == "invalid ulimit \"nofile=1:2:3\": expected NAME=SOFT[:HARD]");
  BOOST_TEST(err("nofile=2048:1024") == "invalid ulimit \"nofile=2048:1024\": the soft limit 2048 is above the hard limit 1024");
  BOOST_TEST(err("nofile=99999999999999999999999") == "invalid ulimit \"nofile=99999999999999999999999\": bad value \"99999999999999999999999\"");
}

BOOST_AUTO_TEST_CASE(spec_rlimits) {
  // Containers keep the caller's limits unless --ulimit says otherwise.
  CHECK_JSON(spec_ok(busybox(), options(), root_host())["process"]["rlimits"], json::array());
  CHECK_JSON(spec_ok(busybox(), options(), rootless_host())["process"]["rlimits"], json::array());

  auto o = options();
  o.ulimits = {{"nofile", 100, 200}, {"nproc", 50, 60}};
  CHECK_JSON(spec_ok(busybox(), o, root_host())["process"]["rlimits"],
             json::parse(R"([{"type":"RLIMIT_NOFILE","hard":200,"soft":100},{"type":"RLIMIT_NPROC","hard":60,"soft":50}])"));
  CHECK_JSON(spec_ok(busybox(), o, rootless_host())["process"]["rlimits"],
             json::parse(R"([{"type":"RLIMIT_NOFILE","hard":200,"soft":100},{"type":"RLIMIT_NPROC","hard":60,"soft":50}])"));

  o.ulimits = {{"bogus", 1, 1}};
  BOOST_TEST(spec_err(busybox(), o, root_host()).message() == "invalid ulimit type \"bogus\"");
  o.ulimits = {{"nofile", 2, 1}};
  BOOST_TEST(spec_err(busybox(), o, root_host()).message() == "ulimit nofile: soft limit 2 is above the hard limit 1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spec_process)

BOOST_AUTO_TEST_CASE(basic_shape) {
  auto spec = spec_ok(busybox(), options(), root_host());
  BOOST_TEST(str(spec["ociVersion"]) == "1.0.2");
  BOOST_TEST(str(spec["process"]["terminal"]) == "false");
  CHECK_JSON(spec["process"]["user"], json::parse(R"({"uid":0,"gid":0,"additionalGids":[]})"));
  BOOST_TEST(strings(spec["process"]["args"]) == strs{"sh"});
  BOOST_TEST(str(spec["process"]["cwd"]) == "/");
  BOOST_TEST(str(spec["process"]["noNewPrivileges"]) == "false");
  CHECK_JSON(spec["root"], json::parse(R"({"path":"/var/lib/roost/rootfs","readonly":false})"));
  BOOST_TEST(str(spec["hostname"]) == "0123456789ab");
  CHECK_JSON(spec["annotations"], json::parse(R"({"io.container.manager":"roost"})"));
  BOOST_TEST(!spec["linux"].contains("sysctl"));
  BOOST_TEST(!spec["process"].contains("oomScoreAdj"));
}

BOOST_AUTO_TEST_CASE(options_map_into_process) {
  auto o = options();
  o.tty = true;
  o.hostname = "web";
  o.no_new_privileges = true;
  auto img = busybox();
  img.stop_signal = "SIGQUIT";
  auto spec = spec_ok(img, o, root_host());
  BOOST_TEST(str(spec["process"]["terminal"]) == "true");
  BOOST_TEST(str(spec["process"]["noNewPrivileges"]) == "true");
  BOOST_TEST(str(spec["hostname"]) == "web");
  BOOST_TEST(has(strings(spec["process"]["env"]), "HOSTNAME=web"));
  BOOST_TEST(str(spec["annotations"]["org.opencontainers.image.stopSignal"]) == "SIGQUIT");
}

BOOST_AUTO_TEST_CASE(entrypoint_and_command) {
  auto img = busybox();
  auto o = options();
  BOOST_TEST(args(img, o) == strs{"sh"});
  o.command = {"echo", "hi"};
  BOOST_TEST(args(img, o) == (strs{"echo", "hi"}));

  img.entrypoint = {"/bin/tini", "--"};
  o.command = {};
  BOOST_TEST(args(img, o) == (strs{"/bin/tini", "--", "sh"}));
  o.command = {"top"};
  BOOST_TEST(args(img, o) == (strs{"/bin/tini", "--", "top"}));

  // A new entrypoint drops the image's Cmd (docker semantics).
  o.command = {};
  o.entrypoint = strs{"/bin/date"};
  BOOST_TEST(args(img, o) == strs{"/bin/date"});
  o.command = {"-u"};
  BOOST_TEST(args(img, o) == (strs{"/bin/date", "-u"}));

  // --entrypoint "" clears it, however the CLI spells that.
  o.entrypoint = strs{""};
  BOOST_TEST(args(img, o) == strs{"-u"});
  o.entrypoint = strs{};
  BOOST_TEST(args(img, o) == strs{"-u"});
}

BOOST_AUTO_TEST_CASE(no_command_is_an_error) {
  ImageConfig img;
  auto err = spec_err(img, options(), root_host());
  BOOST_TEST((err.kind() == ErrorKind::invalid));
  BOOST_TEST(err.message() == "no command specified: the image has no CMD or ENTRYPOINT; give a command");
  // Clearing the entrypoint also drops Cmd, leaving nothing.
  auto o = options();
  o.entrypoint = strs{""};
  BOOST_TEST((spec_err(busybox(), o, root_host()).kind() == ErrorKind::invalid));
}

BOOST_AUTO_TEST_CASE(environment) {
  auto img = busybox();
  img.env = {"PATH=/opt/bin:/bin", "LANG=C.UTF-8", "container=docker"};
  auto o = options();
  BOOST_TEST(env(img, o) == (strs{"PATH=/opt/bin:/bin", "container=docker", "LANG=C.UTF-8", "HOSTNAME=0123456789ab"}));

  o.env = {"LANG=de_DE.UTF-8", "EMPTY=", "X=a=b"};
  o.tty = true;
  BOOST_TEST(env(img, o) == (strs{"PATH=/opt/bin:/bin", "TERM=xterm", "container=docker", "LANG=de_DE.UTF-8",
                                  "EMPTY=", "X=a=b", "HOSTNAME=0123456789ab"}));

  // Defaults when the image sets nothing; the user's HOSTNAME and TERM win.
  ImageConfig bare;
  bare.cmd = {"sh"};
  o.env = {"HOSTNAME=mine", "TERM=vt100"};
  BOOST_TEST(env(bare, o) == (strs{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=vt100",
                                   "container=podman", "HOSTNAME=mine"}));
}

BOOST_AUTO_TEST_CASE(environment_needs_values) {
  auto o = options();
  o.env = {"FOO"};
  auto err = spec_err(busybox(), o, root_host());
  BOOST_TEST((err.kind() == ErrorKind::invalid));
  BOOST_TEST(err.message() == "environment variable \"FOO\" has no value (expected KEY=VALUE)");
  o.env = {"=x"};
  BOOST_TEST(spec_err(busybox(), o, root_host()).message() == "invalid environment variable \"=x\": no name");
}

BOOST_AUTO_TEST_CASE(working_directory) {
  auto img = busybox();
  auto o = options();
  img.working_dir = "/srv/app/";
  BOOST_TEST(str(spec_ok(img, o, root_host())["process"]["cwd"]) == "/srv/app");
  img.working_dir = "srv";
  BOOST_TEST(str(spec_ok(img, o, root_host())["process"]["cwd"]) == "/srv");
  o.workdir = "/tmp";
  BOOST_TEST(str(spec_ok(img, o, root_host())["process"]["cwd"]) == "/tmp");
  o.workdir = "tmp";
  auto err = spec_err(img, o, root_host());
  BOOST_TEST((err.kind() == ErrorKind::invalid));
  BOOST_TEST(err.message() == "working directory \"tmp\": must be an absolute path");
}

BOOST_AUTO_TEST_CASE(users) {
  struct Case {
    std::string image_user;
    std::string user;
    uint32_t uid;
    uint32_t gid;
    std::string annotation;  // "" = none
  };
  const Case cases[] = {
      {"", "", 0, 0, ""},
      {"1000:1000", "", 1000, 1000, ""},
      {"", "1000:100", 1000, 100, ""},
      {"nobody", "0:0", 0, 0, ""},
      {"", "1000", 1000, 0, "1000"},
      {"", "alice", 0, 0, "alice"},
      {"app", "", 0, 0, "app"},
      {"", "alice:wheel", 0, 0, "alice:wheel"},
      {"", "1000:wheel", 1000, 0, "1000:wheel"},
      {"", "alice:100", 0, 100, "alice:100"},
      {"", "4294967294", 4294967294u, 0, "4294967294"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_INFO("image user \"" << c.image_user << "\", -u \"" << c.user << "\"");
    auto img = busybox();
    img.user = c.image_user;
    auto o = options();
    o.user = c.user;
    auto spec = spec_ok(img, o, root_host());
    BOOST_TEST(spec["process"]["user"]["uid"].get<uint32_t>() == c.uid);
    BOOST_TEST(spec["process"]["user"]["gid"].get<uint32_t>() == c.gid);
    if (c.annotation.empty()) {
      BOOST_TEST(!spec["annotations"].contains("io.roost.user"));
    } else {
      BOOST_TEST(str(spec["annotations"]["io.roost.user"]) == c.annotation);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_users) {
  for (auto u : {":", "1000:", ":100", "a:b:c", "4294967295", "99999999999"}) {
    auto o = options();
    o.user = u;
    auto err = spec_err(busybox(), o, root_host());
    BOOST_TEST_INFO("user " << u);
    BOOST_TEST((err.kind() == ErrorKind::invalid));
    BOOST_TEST(contains(err.message(), "invalid user \"" + std::string(u) + "\""), err.message());
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spec_mounts)

BOOST_AUTO_TEST_CASE(default_mounts_in_order) {
  auto spec = spec_ok(busybox(), options(), root_host());
  BOOST_TEST(destinations(spec) == (strs{"/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/dev/shm", "/etc/hostname",
                                         "/etc/hosts", "/run/.containerenv", "/etc/resolv.conf"}));
  CHECK_JSON(spec["mounts"][0],
             json::parse(R"({"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]})"));
  CHECK_JSON(mount_at(spec, "/dev"), json::parse(R"({"destination":"/dev","type":"tmpfs","source":"tmpfs",
      "options":["nosuid","strictatime","mode=755","size=65536k"]})"));
  CHECK_JSON(mount_at(spec, "/dev/pts"), json::parse(R"({"destination":"/dev/pts","type":"devpts","source":"devpts",
      "options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]})"));
  CHECK_JSON(mount_at(spec, "/dev/mqueue"), json::parse(R"({"destination":"/dev/mqueue","type":"mqueue",
      "source":"mqueue","options":["nosuid","noexec","nodev"]})"));
  CHECK_JSON(mount_at(spec, "/sys"), json::parse(R"({"destination":"/sys","type":"sysfs","source":"sysfs",
      "options":["nosuid","noexec","nodev","ro"]})"));
  CHECK_JSON(mount_at(spec, "/dev/shm"), json::parse(R"({"destination":"/dev/shm","type":"tmpfs","source":"shm",
      "options":["nosuid","noexec","nodev","mode=1777","size=65536000"]})"));
  CHECK_JSON(mount_at(spec, "/etc/hosts"), json::parse(R"({"destination":"/etc/hosts","type":"bind",
      "source":"/run/roost/c/hosts","options":["bind","rprivate"]})"));
  BOOST_TEST(str(mount_at(spec, "/etc/hostname")["source"]) == "/run/roost/c/hostname");
  BOOST_TEST(str(mount_at(spec, "/run/.containerenv")["source"]) == "/run/roost/c/.containerenv");
  BOOST_TEST(str(mount_at(spec, "/etc/resolv.conf")["source"]) == "/run/roost/c/resolv.conf");
}

BOOST_AUTO_TEST_CASE(host_files_only_when_given) {
  auto host = root_host();
  host.resolv_conf = "";
  host.containerenv_file = "";
  auto dests = destinations(spec_ok(busybox(), options(), host));
  BOOST_TEST(!has(dests, "/etc/resolv.conf"));
  BOOST_TEST(!has(dests, "/run/.containerenv"));
  BOOST_TEST(has(dests, "/etc/hosts"));
}

BOOST_AUTO_TEST_CASE(devpts_group_only_when_mapped) {
  auto opts = [](const HostFacts& h) { return strings(mount_at(spec_ok(busybox(), options(), h), "/dev/pts")["options"]); };
  BOOST_TEST(has(opts(rootless_host()), "gid=5"));
  BOOST_TEST(!has(opts(single_id_host()), "gid=5"));
}

BOOST_AUTO_TEST_CASE(sysfs_with_host_network) {
  auto o = options();
  o.network.mode = netns::Mode::host;
  CHECK_JSON(mount_at(spec_ok(busybox(), o, rootless_host()), "/sys"),
             json::parse(R"({"destination":"/sys","type":"bind","source":"/sys",
                 "options":["rbind","nosuid","noexec","nodev","ro"]})"));
  BOOST_TEST(str(mount_at(spec_ok(busybox(), o, root_host()), "/sys")["type"]) == "sysfs");
  o.network.mode = netns::Mode::none;
  BOOST_TEST(str(mount_at(spec_ok(busybox(), o, rootless_host()), "/sys")["type"]) == "sysfs");
}

BOOST_AUTO_TEST_CASE(tmpfs_and_volumes) {
  auto o = options();
  o.tmpfs = {"/scratch", "/fast:size=64m,exec"};
  o.binds = {{"/srv/data", "/data", false}, {"/etc/ssl", "/etc/ssl/", true}};
  auto spec = spec_ok(busybox(), o, root_host());
  auto dests = destinations(spec);
  BOOST_TEST((strs(dests.begin() + 10, dests.end()) == strs{"/scratch", "/fast", "/data", "/etc/ssl"}));
  CHECK_JSON(mount_at(spec, "/scratch"), json::parse(R"({"destination":"/scratch","type":"tmpfs","source":"tmpfs",
      "options":["rw","noexec","nosuid","nodev"]})"));
  BOOST_TEST(strings(mount_at(spec, "/fast")["options"]) == (strs{"size=64m", "exec", "rw", "nosuid", "nodev"}));
  CHECK_JSON(mount_at(spec, "/data"), json::parse(R"({"destination":"/data","type":"bind","source":"/srv/data",
      "options":["rbind"]})"));
  BOOST_TEST(strings(mount_at(spec, "/etc/ssl")["options"]) == (strs{"rbind", "ro"}));
}

BOOST_AUTO_TEST_CASE(parents_mount_before_children) {
  auto o = options();
  o.binds = {{"/a", "/data/sub", false}, {"/b", "/data", false}};
  auto dests = destinations(spec_ok(busybox(), o, root_host()));
  BOOST_TEST((strs(dests.end() - 2, dests.end()) == strs{"/data", "/data/sub"}));
}

BOOST_AUTO_TEST_CASE(user_mounts_replace_or_stay_under_roosts) {
  auto o = options();
  o.binds = {{"/my/hosts", "/etc/hosts", true}};
  o.tmpfs = {"/run"};
  auto spec = spec_ok(busybox(), o, root_host());
  auto dests = destinations(spec);
  BOOST_TEST(std::count(dests.begin(), dests.end(), "/etc/hosts") == 1);
  BOOST_TEST(str(mount_at(spec, "/etc/hosts")["source"]) == "/my/hosts");
  // /run/.containerenv is mounted after the user's /run, not hidden by it.
  auto run = std::find(dests.begin(), dests.end(), "/run");
  auto env = std::find(dests.begin(), dests.end(), "/run/.containerenv");
  BOOST_TEST((run < env));
}

BOOST_AUTO_TEST_CASE(bad_mounts) {
  auto err = [](RunOptions o) {
    auto e = spec_err(busybox(), o, root_host());
    BOOST_TEST((e.kind() == ErrorKind::invalid));
    return e.message();
  };
  auto o = options();
  o.tmpfs = {"scratch"};
  BOOST_TEST(err(o) == "--tmpfs \"scratch\": must be an absolute path");
  o = options();
  o.binds = {{"data", "/data", false}};
  BOOST_TEST(err(o) == "volume source \"data\": must be an absolute path");
  o.binds = {{"/data", "data", false}};
  BOOST_TEST(err(o) == "volume destination \"data\": must be an absolute path");
  o.binds = {{"/a", "/data", false}, {"/b", "/data/", false}};
  BOOST_TEST(err(o) == "duplicate mount destination \"/data\"");
  o.binds = {{"/a", "/", false}};
  BOOST_TEST(err(o) == "cannot mount over the container's root directory");
}

BOOST_AUTO_TEST_CASE(read_only_root) {
  auto o = options();
  o.read_only = true;
  o.binds = {{"/host/tmp", "/tmp", false}};
  auto spec = spec_ok(busybox(), o, root_host());
  BOOST_TEST(str(spec["root"]["readonly"]) == "true");
  auto dests = destinations(spec);
  BOOST_TEST(dests == (strs{"/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/dev/shm", "/run", "/var/tmp",
                            "/etc/hostname", "/etc/hosts", "/run/.containerenv", "/etc/resolv.conf", "/tmp"}));
  BOOST_TEST(str(mount_at(spec, "/run")["type"]) == "tmpfs");
  BOOST_TEST(str(mount_at(spec, "/var/tmp")["type"]) == "tmpfs");
  BOOST_TEST(str(mount_at(spec, "/tmp")["type"]) == "bind");
}

BOOST_AUTO_TEST_CASE(devices_listed) {
  auto devices = spec_ok(busybox(), options(), rootless_host())["linux"]["devices"];
  BOOST_REQUIRE(devices.size() == 6u);
  CHECK_JSON(devices[0], json::parse(R"({"path":"/dev/null","type":"c","major":1,"minor":3,"fileMode":438,"uid":0,"gid":0})"));
  std::vector<std::string> paths;
  for (const auto& d : devices) paths.push_back(str(d["path"]) + " " + str(d["major"]) + ":" + str(d["minor"]));
  auto rules = spec_ok(busybox(), options(), root_host())["linux"]["resources"]["devices"];
  BOOST_REQUIRE(rules.size() == 7u);
  CHECK_JSON(rules[0], json::parse(R"({"allow":false,"access":"rwm"})"));
  CHECK_JSON(rules[6], json::parse(R"({"allow":true,"type":"c","major":5,"minor":0,"access":"rwm"})"));
  BOOST_TEST(paths == (strs{"/dev/null 1:3", "/dev/zero 1:5", "/dev/full 1:7", "/dev/random 1:8", "/dev/urandom 1:9",
                            "/dev/tty 5:0"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spec_linux)

BOOST_AUTO_TEST_CASE(root_has_no_user_namespace) {
  auto spec = spec_ok(busybox(), options(), root_host());
  BOOST_TEST(namespaces(spec) == (strs{"pid", "mount", "ipc", "uts", "network"}));
  BOOST_TEST(!spec["linux"].contains("uidMappings"));
  BOOST_TEST(!spec["linux"].contains("gidMappings"));
}

BOOST_AUTO_TEST_CASE(rootless_maps_ids) {
  auto spec = spec_ok(busybox(), options(), rootless_host());
  BOOST_TEST(namespaces(spec) == (strs{"pid", "mount", "ipc", "uts", "network", "user"}));
  CHECK_JSON(spec["linux"]["uidMappings"], json::parse(R"([{"containerID":0,"hostID":1001,"size":1},
      {"containerID":1,"hostID":200000,"size":65536}])"));
  CHECK_JSON(spec["linux"]["gidMappings"], json::parse(R"([{"containerID":0,"hostID":1001,"size":1},
      {"containerID":1,"hostID":200000,"size":65536}])"));
  CHECK_JSON(spec_ok(busybox(), options(), single_id_host())["linux"]["uidMappings"],
             json::parse(R"([{"containerID":0,"hostID":1002,"size":1}])"));
}

BOOST_AUTO_TEST_CASE(network_modes) {
  auto o = options();
  o.network.mode = netns::Mode::none;
  BOOST_TEST(has(namespaces(spec_ok(busybox(), o, root_host())), "network"));
  o.network.mode = netns::Mode::host;
  BOOST_TEST(namespaces(spec_ok(busybox(), o, rootless_host())) == (strs{"pid", "mount", "ipc", "uts", "user"}));
}

BOOST_AUTO_TEST_CASE(network_of_another_container) {
  auto o = options();
  o.network.mode = netns::Mode::container;
  o.network.container = "abc";
  auto host = rootless_host();
  host.peer_netns = "/proc/42/ns/net";
  host.peer_userns = "/proc/42/ns/user";
  auto spec = spec_ok(busybox(), o, host);
  CHECK_JSON(spec["linux"]["namespaces"], json::parse(R"([{"type":"pid"},{"type":"mount"},{"type":"ipc"},
      {"type":"uts"},{"type":"network","path":"/proc/42/ns/net"},{"type":"user","path":"/proc/42/ns/user"}])"));
  BOOST_TEST(str(mount_at(spec, "/sys")["type"]) == "sysfs", "its user namespace owns the network: sysfs mounts");
  auto as_root = root_host();
  as_root.peer_netns = "/proc/42/ns/net";
  CHECK_JSON(spec_ok(busybox(), o, as_root)["linux"]["namespaces"],
             json::parse(R"([{"type":"pid"},{"type":"mount"},{"type":"ipc"},{"type":"uts"},
                 {"type":"network","path":"/proc/42/ns/net"}])"));
}

BOOST_AUTO_TEST_CASE(masked_and_readonly_paths) {
  auto spec = spec_ok(busybox(), options(), rootless_host());
  BOOST_TEST(strings(spec["linux"]["maskedPaths"]) ==
             (strs{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                   "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
                   "/sys/dev/block"}));
  BOOST_TEST(strings(spec["linux"]["readonlyPaths"]) ==
             (strs{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

BOOST_AUTO_TEST_CASE(privileged) {
  auto o = options();
  o.privileged = true;
  auto spec = spec_ok(busybox(), o, root_host());
  BOOST_TEST(!spec["linux"].contains("maskedPaths"));
  BOOST_TEST(!spec["linux"].contains("readonlyPaths"));
  BOOST_TEST(!spec["linux"].contains("seccomp"));
  BOOST_TEST(!has(strings(mount_at(spec, "/sys")["options"]), "ro"));
  // Without a user namespace of its own: what the host's bounding set holds;
  // a new user namespace starts with every capability.
  auto host = roost::runtime::detail::current_bounding_capabilities();
  std::sort(host.begin(), host.end());
  BOOST_TEST(strings(spec["process"]["capabilities"]["bounding"]) == host);
  BOOST_TEST(strings(spec["process"]["capabilities"]["effective"]) == host);
  auto all = all_capabilities();
  std::sort(all.begin(), all.end());
  BOOST_TEST(strings(spec_ok(busybox(), o, rootless_host())["process"]["capabilities"]["bounding"]) == all);
}

BOOST_AUTO_TEST_SUITE_END()
