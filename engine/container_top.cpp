#include "engine/container_top.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "common/fd.hpp"
#include "common/format.hpp"
#include "storage/container_root.hpp"

namespace roost::engine {
namespace {

struct Process {
  pid_t host_pid = 0;
  pid_t pid = 0;        // as the container sees it
  pid_t host_ppid = 0;
  pid_t host_pgid = 0;
  std::string state;
  unsigned tty_nr = 0;
  uint64_t cpu_ticks = 0;  // utime + stime
  uint64_t start_ticks = 0;
  long nice = 0;
  uint64_t vsize_bytes = 0;
  uint64_t rss_pages = 0;
  uid_t host_uid = 0;
  gid_t host_gid = 0;
  std::string seccomp;
  std::string comm;
  std::vector<std::string> args;
};

// Text of a small /proc file; empty when it is gone (the process exited).
std::string proc_text(const std::string& path) {
  auto r = read_file(path);
  return r ? *r : std::string();
}

std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size() + 1, key + ":") == 0) return line.substr(key.size() + 1);
  return {};
}

bool read_process(pid_t pid, Process& p) {
  std::string stat = proc_text("/proc/" + std::to_string(pid) + "/stat");
  auto open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return false;
  p.host_pid = pid;
  p.comm = stat.substr(open + 1, close - open - 1);
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; fields >> w;) f.push_back(w);
  if (f.size() < 22) return false;
  // Fields counted from the state, the third in proc(5).
  p.state = f[0];
  p.host_ppid = std::stoi(f[1]);
  p.host_pgid = std::stoi(f[2]);
  p.tty_nr = static_cast<unsigned>(std::stoul(f[4]));
  p.cpu_ticks = std::stoull(f[11]) + std::stoull(f[12]);
  p.nice = std::stol(f[16]);
  p.start_ticks = std::stoull(f[19]);
  p.vsize_bytes = std::stoull(f[20]);
  p.rss_pages = std::stoull(f[21]);

  std::string status = proc_text("/proc/" + std::to_string(pid) + "/status");
  std::istringstream nspids(status_field(status, "NSpid"));
  for (std::string w; nspids >> w;) p.pid = std::stoi(w);  // the innermost namespace's is last
  std::istringstream uid(status_field(status, "Uid")), gid(status_field(status, "Gid"));
  uid >> p.host_uid;
  gid >> p.host_gid;
  std::string mode = status_field(status, "Seccomp");
  mode.erase(0, mode.find_first_not_of(" \t"));
  p.seccomp = mode == "0" ? "disabled" : mode == "1" ? "strict" : mode == "2" ? "filter" : "?";

  std::string cmdline = proc_text("/proc/" + std::to_string(pid) + "/cmdline");
  std::string word;
  for (char c : cmdline) {
    if (c == '\0') {
      p.args.push_back(word);
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) p.args.push_back(word);
  return true;
}

// "inside outside count" lines of /proc/PID/uid_map, read from this
// namespace: OUTSIDE is the ID as we see it.
struct IdMap {
  struct Range {
    uint64_t inside, outside, count;
  };
  std::vector<Range> ranges;
  static IdMap read(const std::string& path) {
    IdMap m;
    std::istringstream in(proc_text(path));
    for (Range r; in >> r.inside >> r.outside >> r.count;) m.ranges.push_back(r);
    return m;
  }
  // The ID as the container sees it; -1 when it is not mapped.
  int64_t to_inside(uint64_t outside) const {
    for (auto& r : ranges)
      if (outside >= r.outside && outside < r.outside + r.count) return static_cast<int64_t>(r.inside + outside - r.outside);
    return -1;
  }
};

// NAME for ID in an /etc/passwd or /etc/group text, else the number.
std::string name_of(int64_t id, const std::string& table) {
  if (id < 0) return "?";
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':');
    auto b = a == std::string::npos ? a : line.find(':', a + 1);
    auto c = b == std::string::npos ? b : line.find(':', b + 1);
    if (c == std::string::npos) continue;
    if (line.substr(b + 1, c - b - 1) == std::to_string(id)) return line.substr(0, a);
  }
  return std::to_string(id);
}

// The container's /etc/passwd or /etc/group through its own root, so that a
// symlink in the container cannot make roost read a host file.
std::string container_file(pid_t init_pid, const std::string& path) {
  UniqueFd root(::open(("/proc/" + std::to_string(init_pid) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return {};
  auto fd = storage::open_in_root(root.get(), path, O_RDONLY | O_CLOEXEC);
  if (!fd) return {};
  UniqueFd file(*fd);
  auto text = read_fd(file.get());
  return text ? *text : std::string();
}

std::string host_user(uid_t uid) {
  struct passwd pw, *found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

std::string tty_name(unsigned tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned major = (tty_nr >> 8) & 0xfff;
  unsigned minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return "pts/" + std::to_string((major - 136) * 256 + minor);
  if (major == 4) return minor < 64 ? "tty" + std::to_string(minor) : "ttyS" + std::to_string(minor - 64);
  return "?";
}

struct Context {
  IdMap uids, gids;
  std::string passwd, group;
  std::map<pid_t, pid_t> inside_pid;  // host PID -> container PID
  int64_t now_ns = 0;                 // CLOCK_BOOTTIME, as start times count
  long ticks = 100;
};

struct Descriptor {
  const char* name;
  const char* header;
  std::string (*value)(const Process&, const Context&);
};

std::string inside(pid_t host, const Context& cx) {
  auto it = cx.inside_pid.find(host);
  return std::to_string(it == cx.inside_pid.end() ? 0 : it->second);
}

int64_t elapsed_ns(const Process& p, const Context& cx) {
  return std::max<int64_t>(0, cx.now_ns - static_cast<int64_t>(p.start_ticks * 1000000000ULL / cx.ticks));
}

const std::vector<Descriptor>& descriptors() {
  static const std::vector<Descriptor> all = {
      {"args", "COMMAND",
       [](const Process& p, const Context&) { return p.args.empty() ? "[" + p.comm + "]" : join_words(p.args); }},
      {"comm", "COMMAND", [](const Process& p, const Context&) { return p.comm; }},
      {"etime", "ELAPSED", [](const Process& p, const Context& cx) { return go_duration(elapsed_ns(p, cx)); }},
      {"group", "GROUP",
       [](const Process& p, const Context& cx) { return name_of(cx.gids.to_inside(p.host_gid), cx.group); }},
      {"hgroup", "HGROUP", [](const Process& p, const Context&) { return std::to_string(p.host_gid); }},
      {"hpid", "HPID", [](const Process& p, const Context&) { return std::to_string(p.host_pid); }},
      {"huser", "HUSER", [](const Process& p, const Context&) { return host_user(p.host_uid); }},
      {"nice", "NI", [](const Process& p, const Context&) { return std::to_string(p.nice); }},
      {"pcpu", "%CPU",
       [](const Process& p, const Context& cx) {
         double seconds = static_cast<double>(elapsed_ns(p, cx)) / 1e9;
         double cpu = static_cast<double>(p.cpu_ticks) / static_cast<double>(cx.ticks);
         char buf[32];
         std::snprintf(buf, sizeof buf, "%.3f", seconds > 0 ? cpu / seconds * 100 : 0.0);
         return std::string(buf);
       }},
      {"pgid", "PGID", [](const Process& p, const Context& cx) { return inside(p.host_pgid, cx); }},
      {"pid", "PID", [](const Process& p, const Context&) { return std::to_string(p.pid); }},
      {"ppid", "PPID", [](const Process& p, const Context& cx) { return inside(p.host_ppid, cx); }},
      {"rss", "RSS",
       [](const Process& p, const Context&) {
         return std::to_string(p.rss_pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024);
       }},
      {"seccomp", "SECCOMP", [](const Process& p, const Context&) { return p.seccomp; }},
      {"state", "STATE", [](const Process& p, const Context&) { return p.state; }},
      {"time", "TIME",
       [](const Process& p, const Context& cx) {
         return go_duration(static_cast<int64_t>(p.cpu_ticks / static_cast<uint64_t>(cx.ticks)) * 1000000000);
       }},
      {"tty", "TTY", [](const Process& p, const Context&) { return tty_name(p.tty_nr); }},
      {"user", "USER",
       [](const Process& p, const Context& cx) { return name_of(cx.uids.to_inside(p.host_uid), cx.passwd); }},
      {"vsz", "VSZ", [](const Process& p, const Context&) { return std::to_string(p.vsize_bytes / 1024); }},
  };
  return all;
}

bool same_pid_namespace(pid_t pid, const struct stat& ns) {
  struct stat st;
  return ::stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) == 0 && st.st_ino == ns.st_ino &&
         st.st_dev == ns.st_dev;
}

}  // namespace


const std::vector<std::string>& default_top_descriptors() {
  static const std::vector<std::string> d = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
  return d;
}

std::string go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = static_cast<uint64_t>(ns < 0 ? -ns : ns);
  auto fraction = [](uint64_t value, uint64_t unit) {
    std::string s = std::to_string(value / unit);
    uint64_t rest = value % unit;
    if (rest == 0) return s;
    std::string digits = std::to_string(rest + unit).substr(1);  // zero-padded to the unit's width
    digits.erase(digits.find_last_not_of('0') + 1);
    return s + "." + digits;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + fraction(u, 1000) + "µs";
  if (u < 1000000000) return sign + fraction(u, 1000000) + "ms";
  uint64_t hours = u / 3600000000000ULL, minutes = u / 60000000000ULL % 60;
  std::string out = sign;
  if (hours) out += std::to_string(hours) + "h";
  if (hours || minutes) out += std::to_string(minutes) + "m";
  return out + fraction(u % 60000000000ULL, 1000000000) + "s";
}

Result<std::vector<std::vector<std::string>>> container_top(pid_t init_pid,
                                                            const std::vector<std::string>& wanted) {
  std::vector<const Descriptor*> columns;
  for (auto& w : wanted) {
    auto& all = descriptors();
    auto it = std::find_if(all.begin(), all.end(), [&](const Descriptor& d) { return w == d.name; });
    if (it == all.end()) {
      std::string known;
      for (auto& d : all) known += (known.empty() ? "" : ", ") + std::string(d.name);
      return make_error(ErrorKind::invalid, "unknown descriptor \"" + w + "\": use any of " + known);
    }
    columns.push_back(&*it);
  }
  std::string base = "/proc/" + std::to_string(init_pid);
  struct stat ns;
  if (::stat((base + "/ns/pid").c_str(), &ns) != 0) return sys_error("reading the PID namespace of", base);

  std::vector<Process> procs;
  DIR* dir = ::opendir("/proc");
  if (!dir) return sys_error("opendir", "/proc");
  while (struct dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || !same_pid_namespace(static_cast<pid_t>(pid), ns)) continue;
    Process p;
    if (read_process(static_cast<pid_t>(pid), p)) procs.push_back(std::move(p));
  }
  ::closedir(dir);
  std::sort(procs.begin(), procs.end(), [](const Process& a, const Process& b) { return a.pid < b.pid; });

  Context cx;
  cx.uids = IdMap::read(base + "/uid_map");
  cx.gids = IdMap::read(base + "/gid_map");
  cx.passwd = container_file(init_pid, "/etc/passwd");
  cx.group = container_file(init_pid, "/etc/group");
  for (auto& p : procs) cx.inside_pid[p.host_pid] = p.pid;
  struct timespec ts;
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  cx.now_ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  cx.ticks = ::sysconf(_SC_CLK_TCK);

  std::vector<std::vector<std::string>> rows(1);
  for (auto* c : columns) rows[0].push_back(c->header);
  for (auto& p : procs) {
    std::vector<std::string> row;
    for (auto* c : columns) row.push_back(c->value(p, cx));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace roost::engine
