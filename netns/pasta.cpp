#include "netns/pasta.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <charconv>

#include "netns/helper_process.hpp"

namespace roost::netns {
namespace {

constexpr int kExitTimeoutMs = 3000;

std::string bound_netns_path(const std::string& run_dir) { return run_dir + "/pasta.netns"; }

int pidfd_signal(int pidfd, int sig) { return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

std::string port_spec(const PortMapping& p) {
  std::string ip = p.host_ip.empty() ? "" : p.host_ip + "/";
  return ip + std::to_string(p.host_port) + ":" + std::to_string(p.container_port);
}

constexpr const char* kDnsForwardFlag = "--dns-forward";
constexpr const char* kPodmanDnsForward = "169.254.1.1";

// The value of the user's own --dns-forward ADDR or --dns-forward=ADDR, or "".
std::string users_dns_forward(const NetworkOptions& net) {
  const auto& a = net.pasta_args;
  const std::string with_value = std::string(kDnsForwardFlag) + "=";
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == kDnsForwardFlag && i + 1 < a.size()) return a[i + 1];
    if (a[i].rfind(with_value, 0) == 0) return a[i].substr(with_value.size());
  }
  return "";
}

}  // namespace

Result<std::string> find_pasta() {
  std::string path = find_program("pasta");
  if (path.empty())
    return make_error(ErrorKind::unsupported,
                      "pasta is not installed (not found in PATH): --network pasta needs it; install the Debian "
                      "package passt (apt-get install passt), or use --network slirp4netns");
  return path;
}

std::vector<std::string> pasta_port_args(const NetworkOptions& net) {
  std::vector<std::string> tcp, udp;
  for (const auto& p : net.ports) (p.proto == Proto::tcp ? tcp : udp).push_back(port_spec(p));
  std::vector<std::string> out;
  auto add = [&](const char* flag, const std::vector<std::string>& specs) {
    if (specs.empty()) out.insert(out.end(), {flag, "none"});
    for (const auto& s : specs) out.insert(out.end(), {flag, s});
  };
  add("-t", tcp);
  add("-u", udp);
  // Nothing from the container to the host's ports, as podman does.
  out.insert(out.end(), {"-T", "none", "-U", "none"});
  return out;
}

std::string pasta_dns_forward(const NetworkOptions& net) {
  std::string users = users_dns_forward(net);
  return users.empty() ? kPodmanDnsForward : users;
}

Result<Pasta> Pasta::start(pid_t pid, const NetworkOptions& net, const std::string& run_dir) {
  std::string program = ROOST_TRY(find_pasta());
  std::string pid_file = run_dir + "/pasta.pid", log_path = run_dir + "/pasta.log";
  ::unlink(pid_file.c_str());
  std::vector<std::string> argv{program, "--config-net", "--pid", pid_file};
  for (auto& a : pasta_port_args(net)) argv.push_back(a);
  // The container reaches the host only where the user asks for it (as
  // slirp4netns's --disable-host-loopback).
  argv.push_back("--no-map-gw");
  if (users_dns_forward(net).empty()) argv.insert(argv.end(), {kDnsForwardFlag, kPodmanDnsForward});
  for (auto& a : net.pasta_args) argv.push_back(a);
  Pasta p;
  if (::geteuid() == 0) {
    p.netns_ = ROOST_TRY(BoundNetns::bind(pid, bound_netns_path(run_dir)));
    argv.insert(argv.end(), {"--runas", "0", "--netns", bound_netns_path(run_dir)});
  } else {
    argv.push_back(std::to_string(pid));
  }
  auto child = ROOST_TRY(spawn_helper(argv, log_path, {}, "", true));
  int code = exit_code_of(ROOST_TRY(child.wait()));
  if (code != 0) return make_error(ErrorKind::io, "pasta failed (exit " + std::to_string(code) + ")" + log_tail(log_path));
  auto text = ROOST_TRY_CTX(read_file(pid_file), "reading pasta's PID file");
  int daemon = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), daemon);
  if (ec != std::errc() || daemon <= 0) return make_error(ErrorKind::io, "pasta's PID file " + pid_file + " holds no PID");
  p.pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, daemon, 0)));
  if (!p.pidfd_.valid()) return sys_error("pasta (PID " + std::to_string(daemon) + ") is already gone");
  return p;
}

void Pasta::stop_left_over(const std::string& run_dir) {
  const std::string pid_file = run_dir + "/pasta.pid";
  BoundNetns::release(bound_netns_path(run_dir));
  auto text = read_file(pid_file);
  if (!text) return;
  int daemon = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), daemon);
  if (ec != std::errc() || daemon <= 0) return;
  Pasta p;
  // Opened before its command line is read: the pidfd pins the process the
  // check is about.
  p.pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, daemon, 0)));
  if (!p.pidfd_.valid()) return;
  auto cmdline = read_file("/proc/" + std::to_string(daemon) + "/cmdline");
  const std::string started_for = std::string("--pid") + '\0' + pid_file + '\0';
  if (!cmdline || cmdline->find(started_for) == std::string::npos) p.pidfd_.reset();
  p.stop();
}

void Pasta::stop() {
  if (pidfd_.valid()) {
    if (pidfd_signal(pidfd_.get(), SIGTERM) == 0 && !wait_readable(pidfd_.get(), kExitTimeoutMs).value_or(false))
      pidfd_signal(pidfd_.get(), SIGKILL);
    pidfd_.reset();
  }
  netns_.release();
}

Result<Pasta::BoundNetns> Pasta::BoundNetns::bind(pid_t pid, const std::string& path) {
  release(path);  // a crashed run's, when its reconcile has not run yet
  ROOST_TRY(open_file(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  BoundNetns bound(path);
  std::string source = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return sys_error("bind-mounting " + source + " on", path);
  return bound;
}

void Pasta::BoundNetns::release(const std::string& path) {
  // Detached, as pasta may still hold it open when it was killed.
  while (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
  }
  ::unlink(path.c_str());
}

void Pasta::BoundNetns::release() {
  if (!path_.empty()) release(std::exchange(path_, {}));
}

}  // namespace roost::netns
