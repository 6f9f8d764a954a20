// The built-in executor, run as root against a busybox root file system made
// here: what the container sees, and how failures come back.
#include "runtime/executor.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <thread>
#include <signal.h>
#include <fstream>

#include "common/fd.hpp"
#include "common/process.hpp"

using namespace roost;
using nlohmann::json;
namespace fs = std::filesystem;
namespace utf = boost::unit_test;

namespace {

struct RootWithBusybox {
  boost::test_tools::assertion_result operator()(utf::test_unit_id) const {
    boost::test_tools::assertion_result r(::geteuid() == 0 && !find_program("busybox").empty());
    r.message() << "needs root (creates namespaces and mounts) and a static busybox";
    return r;
  }
};

// A busybox root file system in a temporary directory, made once.
const std::string& rootfs() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/roost-executor-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    std::string d = tmpl;
    ::chmod(tmpl, 0755);  // mkdtemp's 0700 would shut out every other user
    for (const char* sub : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "data"}) fs::create_directories(d + "/" + sub);
    fs::copy_file(find_program("busybox"), d + "/bin/busybox");
    for (const char* app : {"sh", "cat", "grep", "id", "ls", "echo", "kill", "hostname", "touch", "stat", "readlink", "pwd", "true", "head", "mount"})
      fs::create_symlink("busybox", d + "/bin/" + app);
    std::ofstream(d + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                                        "alice:x:1000:1000::/home/alice:/bin/sh\n";
    std::ofstream(d + "/etc/group") << "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nstaff:x:50:alice,bob\n";
    std::ofstream(d + "/notexec") << "#!/bin/sh\necho hi\n";
    ::chmod((d + "/notexec").c_str(), 0644);
    // A symlink that points out of the root: a mount onto it must stay inside.
    fs::create_symlink("/tmp/roost-escape-target", d + "/escape");
    return d;
  }();
  return dir;
}

const std::vector<std::string> kDefaultCaps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
                                               "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID",
                                               "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"};

json base_spec(const std::vector<std::string>& args) {
  json caps = kDefaultCaps;
  return json{
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", args},
        {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=testhost"}},
        {"cwd", "/"},
        {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}}}},
      {"root", {{"path", rootfs()}}},
      {"hostname", "testhost"},
      {"mounts",
       {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}},
        {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {"nosuid", "noexec", "nodev", "mode=1777"}}}}},
      {"linux",
       {{"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}}},
        {"maskedPaths", {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware", "/proc/nonexistent"}},
        {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}},
  };
}

userns::IdMapping identity() {
  userns::IdMapping m;
  m.identity = true;
  m.uids = m.gids = {{0, 0, 4294967295U}};
  return m;
}

struct Outcome {
  bool ok = false;
  int code = -1;
  std::string out, err, error;
};

Outcome run(const json& spec, userns::IdMapping mapping = identity(),
            const std::function<void(pid_t)>& on_started = nullptr) {
  char o[] = "/tmp/roost-exec-out-XXXXXX", e[] = "/tmp/roost-exec-err-XXXXXX";
  UniqueFd out(::mkstemp(o)), err(::mkstemp(e));
  ::unlink(o);
  ::unlink(e);
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  runtime::ExecRequest req;
  req.spec = spec;
  req.mapping = std::move(mapping);
  req.mount_rootfs = [](const std::string& path) -> Result<void> {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return sys_error("bind", path);
    return {};
  };
  req.stdin_fd = in.get();
  req.stdout_fd = out.get();
  req.stderr_fd = err.get();
  pid_t started = 0;
  auto r = runtime::run_container(req, [&](pid_t p) {
    started = p;
    if (on_started) on_started(p);
  });
  Outcome res;
  auto slurp = [](int fd) {
    ::lseek(fd, 0, SEEK_SET);
    auto t = read_fd(fd);
    return t ? *t : std::string();
  };
  res.out = slurp(out.get());
  res.err = slurp(err.get());
  if (r) {
    res.ok = true;
    res.code = r->exit_code;
    if (started) BOOST_TEST(r->pid == started);
  } else {
    res.error = r.error().str();
  }
  return res;
}

Outcome sh(const std::string& script) { return run(base_spec({"sh", "-c", script})); }

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(executor, *utf::precondition(RootWithBusybox()))

BOOST_AUTO_TEST_CASE(runs_the_command_and_passes_its_exit_code) {
  auto r = sh("echo hello; exit 3");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 3);
  BOOST_TEST(r.out == "hello\n");
}

BOOST_AUTO_TEST_CASE(death_by_signal_is_128_plus_the_signal) {
  // A PID namespace's init ignores even SIGKILL from inside (`kill -9 $$`
  // does nothing, as under podman without --init); from outside it dies.
  auto r = run(base_spec({"sh", "-c", "kill -9 $$; echo survived"}));
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out == "survived\n");
  r = run(base_spec({"sh", "-c", "while :; do sleep 1; done"}), identity(), [](pid_t pid) { ::kill(pid, SIGKILL); });
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 137);
}

BOOST_AUTO_TEST_CASE(signals_to_the_caller_are_forwarded) {
  std::thread sender;
  auto r = run(base_spec({"sh", "-c", "trap 'exit 7' TERM; touch /tmp/ready; while :; do sleep 0.05; done"}), identity(),
               [&](pid_t) {
                 sender = std::thread([] {
                   for (int i = 0; i < 200 && !fs::exists(rootfs() + "/tmp/ready"); ++i) ::usleep(10000);
                   ::kill(::getpid(), SIGTERM);
                 });
               });
  sender.join();
  fs::remove(rootfs() + "/tmp/ready");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 7, "the container's trap ran on the forwarded SIGTERM");
}

BOOST_AUTO_TEST_CASE(first_process_is_pid_1_with_its_own_proc) {
  auto r = sh("echo $$; readlink /proc/self; ls /proc | grep -c '^[0-9]'");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  // sh is 1; readlink and ls|grep are its children: only a few PIDs exist.
  BOOST_TEST(r.out.substr(0, 2) == "1\n");
  BOOST_TEST(std::stoi(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1)) < 6);
}

BOOST_AUTO_TEST_CASE(root_keeps_the_identity_map_and_default_capabilities) {
  auto r = sh("cat /proc/self/uid_map; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "4294967295"));
  BOOST_TEST(contains(r.out, "CapEff:\t00000000800405fb"), r.out);
  BOOST_TEST(contains(r.out, "CapBnd:\t00000000800405fb"), r.out);
  BOOST_TEST(contains(r.out, "NoNewPrivs:\t0"), r.out);
  BOOST_TEST(contains(r.out, "Seccomp:\t0"), r.out);
}

BOOST_AUTO_TEST_CASE(seccomp_filter_is_loaded_and_denies) {
  auto spec = base_spec({"sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mount -t tmpfs t /tmp && echo mounted"});
  spec["process"]["capabilities"]["effective"].push_back("CAP_SYS_ADMIN");
  spec["process"]["capabilities"]["permitted"].push_back("CAP_SYS_ADMIN");
  spec["process"]["capabilities"]["bounding"].push_back("CAP_SYS_ADMIN");
  spec["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
      {"syscalls", {{{"names", {"mount", "no_such_syscall"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}},
                    {{"names", {"personality"}}, {"action", "SCMP_ACT_ERRNO"},
                     {"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}}}}}}};
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "Seccomp:\t2"), r.out);
  BOOST_TEST(!contains(r.out, "mounted"), r.out);
  BOOST_TEST(contains(r.err, "permission denied"), r.err);
  // The same without the filter: CAP_SYS_ADMIN alone would let it mount.
  spec["linux"].erase("seccomp");
  r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "Seccomp:\t0"), r.out);
  BOOST_TEST(contains(r.out, "mounted"), r.out + r.err);
}

BOOST_AUTO_TEST_CASE(no_new_privileges_is_set_when_asked) {
  auto spec = base_spec({"grep", "NoNewPrivs", "/proc/self/status"});
  spec["process"]["noNewPrivileges"] = true;
  spec["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", json::array()}};
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "NoNewPrivs:\t1"), r.out);
}

BOOST_AUTO_TEST_CASE(no_fd_leaks_into_the_container) {
  auto r = run(base_spec({"ls", "/proc/self/fd"}));
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "0\n1\n2\n3\n", "stdio and ls's own directory fd only: " << r.out);
}

BOOST_AUTO_TEST_CASE(hostname_is_the_specs) {
  auto r = sh("hostname");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "testhost\n");
}

BOOST_AUTO_TEST_CASE(devices_work_and_paths_are_masked_or_read_only) {
  auto r = sh(
      "echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c 2>/dev/null; "
      "test -L /dev/ptmx && echo ptmx-link; test -L /dev/fd && echo fd-link; "
      "wc -c < /proc/kcore; echo 1 > /proc/sys/kernel/domainname || echo sys-ro; "
      "ls /sys/firmware | wc -l; touch /sys/x 2>/dev/null || echo sysfs-ro; "
      "grep -c ' /dev/pts devpts ' /proc/mounts");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "null-ok"), r.out);
  BOOST_TEST(contains(r.out, "ptmx-link"), r.out);
  BOOST_TEST(contains(r.out, "fd-link"), r.out);
  BOOST_TEST(contains(r.out, "sys-ro"), r.out);
  BOOST_TEST(contains(r.out, "sysfs-ro"), r.out);
  BOOST_TEST(contains(r.err, "Read-only file system"), r.err);
}

BOOST_AUTO_TEST_CASE(masked_files_are_dev_null) {
  // /proc/kcore is not built into every kernel; /proc/keys and timer_list
  // are masked the same way.
  auto r = run(base_spec({"sh", "-c", "for f in /proc/kcore /proc/keys /proc/timer_list; do test -e $f && stat -c '%s %t:%T' $f; done"}));
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(!r.out.empty());
  std::string expect;
  for (const char* f : {"/proc/kcore", "/proc/keys", "/proc/timer_list"})
    if (fs::exists(f)) expect += "0 1:3\n";
  BOOST_TEST(r.out == expect, "masked with /dev/null: " << r.out << r.err);
}

BOOST_AUTO_TEST_CASE(missing_command_is_127) {
  auto r = run(base_spec({"no-such-command"}));
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 127);
  BOOST_TEST(r.err == "Error: executable file \"no-such-command\" not found in $PATH: No such file or directory\n");
}

BOOST_AUTO_TEST_CASE(non_executable_is_126) {
  auto r = run(base_spec({"/notexec"}));
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 126);
  BOOST_TEST(r.err == "Error: /notexec: permission denied\n");
}

BOOST_AUTO_TEST_CASE(bad_bind_source_is_an_error_naming_the_mount) {
  auto spec = base_spec({"true"});
  spec["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", "/nonexistent/src"}, {"options", {"rbind"}}});
  auto r = run(spec);
  BOOST_REQUIRE(!r.ok);
  BOOST_TEST(r.error == "mounting /data: bind source /nonexistent/src: No such file or directory");
}

BOOST_AUTO_TEST_CASE(read_only_bind_mount) {
  char tmpl[] = "/tmp/roost-exec-bind-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl));
  std::ofstream(std::string(tmpl) + "/f") << "content\n";
  auto spec = base_spec({"sh", "-c", "cat /data/f; touch /data/g || echo ro"});
  spec["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", tmpl}, {"options", {"rbind", "ro", "nosuid"}}});
  auto r = run(spec);
  fs::remove_all(tmpl);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "content\nro\n");
}

BOOST_AUTO_TEST_CASE(mount_through_a_symlink_stays_inside_the_root) {
  fs::remove_all("/tmp/roost-escape-target");
  auto spec = base_spec({"sh", "-c", "grep -c ' /tmp/roost-escape-target tmpfs' /proc/mounts"});
  spec["mounts"].push_back({{"destination", "/escape"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", json::array()}});
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "1\n", "the tmpfs lands on /tmp/roost-escape-target inside the root");
  BOOST_TEST(!fs::exists("/tmp/roost-escape-target"), "nothing was created on the host");
  BOOST_TEST(fs::exists(rootfs() + "/tmp/roost-escape-target"));
  fs::remove_all(rootfs() + "/tmp/roost-escape-target");
}

BOOST_AUTO_TEST_CASE(user_name_is_resolved_through_the_containers_passwd) {
  auto spec = base_spec({"sh", "-c", "id -u; id -g; id -G; echo $HOME"});
  spec["annotations"] = {{"io.roost.user", "alice"}};
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "1000\n1000\n1000 50\n/home/alice\n");
  BOOST_TEST(r.code == 0);

  spec["annotations"] = {{"io.roost.user", "nobody"}};
  spec["process"]["args"] = {"id", "-u"};
  r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "65534\n");

  spec["annotations"] = {{"io.roost.user", "mallory"}};
  r = run(spec);
  BOOST_REQUIRE(!r.ok);
  BOOST_TEST(r.error == "unable to find user mallory: no matching entries in passwd file");
}

BOOST_AUTO_TEST_CASE(non_root_user_has_no_effective_capabilities) {
  auto spec = base_spec({"grep", "CapEff", "/proc/self/status"});
  spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  spec["process"]["capabilities"]["effective"] = json::array();
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "CapEff:\t0000000000000000\n");
}

BOOST_AUTO_TEST_CASE(env_cwd_and_rlimits_apply) {
  auto spec = base_spec({"sh", "-c", "pwd; echo $FOO; ulimit -n"});
  spec["process"]["env"].push_back("FOO=bar");
  spec["process"]["cwd"] = "/work/dir";
  spec["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 1024}}};
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.out == "/work/dir\nbar\n512\n");
  fs::remove_all(rootfs() + "/work");
}

BOOST_AUTO_TEST_CASE(a_single_id_user_namespace_maps_root_to_one_id) {
  userns::IdMapping m;
  m.single_id = true;
  m.uids = {{0, 4000, 1}};
  m.gids = {{0, 4000, 1}};
  auto spec = base_spec({"sh", "-c", "cat /proc/self/uid_map; id -u"});
  spec["linux"]["namespaces"].push_back({{"type", "user"}});
  auto r = run(spec, m);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(contains(r.out, "4000"), r.out);
  BOOST_TEST(contains(r.out, "\n0\n"), r.out);
}

BOOST_AUTO_TEST_CASE(hooks_run_with_the_state_and_a_failing_one_aborts) {
  char tmpl[] = "/tmp/roost-exec-hook-XXXXXX";
  BOOST_REQUIRE(::mkdtemp(tmpl));
  std::string dir = tmpl;
  auto spec = base_spec({"true"});
  spec["hooks"] = {{"prestart", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > " + dir + "/state"}}}}},
                   {"poststop", {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "touch " + dir + "/stopped"}}}}}};
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  auto state = json::parse(*read_file(dir + "/state"));
  BOOST_TEST(state["status"] == "created");
  BOOST_TEST(state["pid"].get<int>() > 0);
  BOOST_TEST(fs::exists(dir + "/stopped"));

  spec["hooks"] = {{"createRuntime", {{{"path", "/bin/false"}}}}};
  r = run(spec);
  BOOST_REQUIRE(!r.ok);
  BOOST_TEST(r.error == "createRuntime hook /bin/false: exited with status 1");
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(executor_terminal, *utf::precondition(RootWithBusybox()))

BOOST_AUTO_TEST_CASE(terminal_gives_the_process_a_pty_and_relays_it) {
  auto spec = base_spec({"sh", "-c", "tty; test -t 0 && echo stdin-tty; exit 4"});
  spec["process"]["terminal"] = true;
  auto r = run(spec);
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.code == 4);
  // The pty turns "\n" into "\r\n" on the way out.
  BOOST_TEST(r.out == "/dev/pts/0\r\nstdin-tty\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
