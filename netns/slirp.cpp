#include "netns/slirp.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "netns/helper_process.hpp"

namespace roost::netns {
namespace {

constexpr const char* kApiSocket = "slirp4netns.sock";
constexpr int kReadyTimeoutMs = 15000;
constexpr int kExitTimeoutMs = 3000;

}  // namespace

Result<std::string> find_slirp4netns() {
  std::string path = find_program("slirp4netns");
  if (path.empty())
    return make_error(ErrorKind::unsupported,
                      "slirp4netns is not installed (not found in PATH): it gives containers their network; "
                      "install the Debian package slirp4netns (apt-get install slirp4netns), or run with "
                      "--network none or --network host");
  return path;
}

Result<void> check_tun_device() {
  // Opened, not access(2)ed: root passes access on any mode, yet cannot
  // open a device on a nodev mount. Opening alone creates no interface.
  auto tun = open_file("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (tun) return {};
  errno = tun.error().errnum();
  return make_error(ErrorKind::unsupported,
                    std::string("/dev/net/tun is not accessible (") + std::strerror(errno) +
                        "): slirp4netns needs it for the container's network; run `roost system check` for the fix, "
                        "or use --network none or --network host");
}

Result<std::string> slirp4netns_version(const std::string& program) {
  auto out = ROOST_TRY(run_program({program, "--version"}));
  if (out.exit_code != 0) return make_error(ErrorKind::io, program + " --version failed: " + out.output);
  std::string first = out.output.substr(0, out.output.find('\n'));
  auto sp = first.rfind(' ');
  return sp == std::string::npos ? first : first.substr(sp + 1);
}

Result<Slirp4netns> Slirp4netns::start(pid_t pid, const SlirpOptions& opts, const std::string& run_dir, bool api) {
  std::string program = ROOST_TRY(find_slirp4netns());
  ROOST_TRY(check_tun_device());
  Slirp4netns s;
  s.log_path_ = run_dir + "/slirp4netns.log";
  s.dir_ = ROOST_TRY(open_file(run_dir, O_PATH | O_DIRECTORY));
  if (api) ::unlinkat(s.dir_.get(), kApiSocket, 0);
  auto ready = ROOST_TRY(make_pipe());
  auto exit = ROOST_TRY(make_pipe());

  std::vector<std::string> args{program, "--configure", "--mtu=" + std::to_string(opts.mtu),
                                "--ready-fd=" + std::to_string(ready.wr.get()),
                                "--exit-fd=" + std::to_string(exit.rd.get())};
  if (!opts.allow_host_loopback) args.push_back("--disable-host-loopback");
  if (opts.enable_ipv6) args.push_back("--enable-ipv6");
  if (!opts.cidr.empty()) args.push_back("--cidr=" + opts.cidr);
  if (!opts.outbound_addr.empty()) args.push_back("--outbound-addr=" + opts.outbound_addr);
  // Relative to its working directory, RUN_DIR: a socket's path must fit
  // in 108 bytes, and run directories with a 64-hex ID need not.
  if (api) args.push_back(std::string("--api-socket=") + kApiSocket);
  args.push_back(std::to_string(pid));
  args.push_back("tap0");
  // Only the two pipe ends reach slirp4netns; it runs in RUN_DIR.
  s.child_ = ROOST_TRY(spawn_helper(args, s.log_path_, {ready.wr.get(), exit.rd.get()}, run_dir));
  s.exit_fd_ = std::move(exit.wr);
  ready.wr.reset();
  exit.rd.reset();

  if (!ROOST_TRY(wait_readable(ready.rd.get(), kReadyTimeoutMs)))
    return make_error(ErrorKind::io, "slirp4netns did not configure the network within " +
                                         std::to_string(kReadyTimeoutMs / 1000) + " seconds" + s.log_tail());
  char c = 0;
  ssize_t n;
  do n = ::read(ready.rd.get(), &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1 || c != '1') {
    int code = exit_code_of(s.child_.wait().value_or(0));
    return make_error(ErrorKind::io, "slirp4netns failed (exit " + std::to_string(code) + ")" + s.log_tail());
  }
  return s;
}

std::string Slirp4netns::log_tail() const { return netns::log_tail(log_path_); }

Result<std::string> Slirp4netns::api_call(const std::string& request) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return sys_error("socket");
  struct sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(dir_.get()) + "/" + kApiSocket;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return sys_error("connecting to the slirp4netns API socket");
  ROOST_TRY(write_all(sock.get(), request.data(), request.size()));
  ::shutdown(sock.get(), SHUT_WR);
  return read_fd(sock.get());
}

Result<void> Slirp4netns::add_hostfwd(const PortMapping& port) {
  nlohmann::json req = {{"execute", "add_hostfwd"},
                        {"arguments",
                         {{"proto", proto_name(port.proto)},
                          {"host_addr", port.host_ip.empty() ? "0.0.0.0" : port.host_ip},
                          {"host_port", port.host_port},
                          {"guest_port", port.container_port}}}};
  std::string what = "publishing port " + std::to_string(port.host_port) + "/" + proto_name(port.proto);
  auto reply_text = ROOST_TRY_CTX(api_call(req.dump()), what);
  auto reply = nlohmann::json::parse(reply_text, nullptr, false);
  if (reply.is_object() && reply.contains("return")) return {};
  std::string desc = reply_text;
  if (reply.is_object() && reply.contains("error") && reply["error"].is_object())
    desc = reply["error"].value("desc", reply_text);
  return make_error(ErrorKind::io, what + ": slirp4netns: " + desc);
}

void Slirp4netns::stop() {
  exit_fd_.reset();
  stop_child(child_, kExitTimeoutMs);
}

}  // namespace roost::netns
