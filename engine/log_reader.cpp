#include "engine/log_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "common/fd.hpp"

namespace roost::engine {
namespace {

bool selected(const LogEntry& e, const LogQuery& q) {
  if (q.since_ns && e.time_ns < q.since_ns) return false;
  if (q.until_ns && e.time_ns > q.until_ns) return false;
  return true;
}

// Reads from FD (at its offset) and splits complete lines off into entries;
// a last line without its newline stays in PENDING.
void read_entries(int fd, std::string& pending, std::vector<LogEntry>& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    LogEntry e;
    if (parse_log_line(pending.substr(start, nl - start), e)) out.push_back(std::move(e));
  }
  pending.erase(0, start);
}

// The index where the last N lines start: the N-th whole ("F") entry from
// the end, with the partial entries of its stream just before it.
size_t tail_start(const std::vector<LogEntry>& all, size_t n) {
  if (n == 0) return all.size();
  size_t i = all.size(), whole = 0;
  while (i > 0) {
    --i;
    if (!all[i].partial && ++whole == n) break;
  }
  if (whole < n) return 0;
  while (i > 0 && all[i - 1].partial && all[i - 1].stream == all[i].stream) --i;
  return i;
}

}  // namespace

std::string log_display_time(int64_t time_ns) {
  timespec ts{static_cast<time_t>(time_ns / 1000000000), static_cast<long>(time_ns % 1000000000)};
  struct tm tm{};
  ::localtime_r(&ts.tv_sec, &tm);
  char buf[48];
  std::string s(buf, format_log_time(buf, ts, tm.tm_gmtoff));
  // "2006-01-02T15:04:05.123000000+00:00" -> "2006-01-02T15:04:05.123Z"
  std::string zone = s.substr(29);
  std::string frac = s.substr(20, 9);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return s.substr(0, 19) + (frac.empty() ? "" : "." + frac) + (zone == "+00:00" ? "Z" : zone);
}

Result<void> read_log(const std::string& path, const LogQuery& query, const std::function<bool()>& running,
                      const std::function<void(const LogEntry&)>& emit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid() && errno != ENOENT) return sys_error("opening the log", path);
  UniqueFd watch;
  if (query.follow) {
    // Watched before the first read, so nothing written in between is missed.
    watch = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch.valid()) return sys_error("inotify_init1");
    if (fd.valid() && ::inotify_add_watch(watch.get(), path.c_str(), IN_MODIFY) < 0)
      return sys_error("watching the log", path);
  }
  std::string pending;
  std::vector<LogEntry> entries;
  if (fd.valid()) read_entries(fd.get(), pending, entries);
  size_t from = query.tail ? tail_start(entries, *query.tail) : 0;
  for (size_t i = from; i < entries.size(); ++i)
    if (selected(entries[i], query)) emit(entries[i]);
  if (!query.follow || !fd.valid()) return {};

  for (bool last = false; !last;) {
    pollfd p{watch.get(), POLLIN, 0};
    int n = ::poll(&p, 1, 500);
    if (n < 0 && errno != EINTR) return sys_error("waiting for the log");
    if (n > 0) {
      char ev[4096];
      while (::read(watch.get(), ev, sizeof ev) > 0) {
      }
    } else {
      // Quiet: is anyone still writing? One more read after the end.
      last = !running();
    }
    // max-size emptied the file: start again from its beginning.
    struct stat st;
    off_t at = ::lseek(fd.get(), 0, SEEK_CUR);
    if (::fstat(fd.get(), &st) == 0 && st.st_size < at) {
      ::lseek(fd.get(), 0, SEEK_SET);
      pending.clear();
    }
    entries.clear();
    read_entries(fd.get(), pending, entries);
    for (auto& e : entries)
      if (selected(e, query)) emit(e);
  }
  return {};
}

}  // namespace roost::engine
