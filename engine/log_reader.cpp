#include "engine/log_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/fd.hpp"
#include "engine/journal.hpp"

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

// The entries there are when reading starts: the last N lines with --tail.
void emit_first(const std::vector<LogEntry>& entries, const LogQuery& query,
                const std::function<void(const LogEntry&)>& emit) {
  size_t from = query.tail ? tail_start(entries, *query.tail) : 0;
  for (size_t i = from; i < entries.size(); ++i)
    if (selected(entries[i], query)) emit(entries[i]);
}

class Journal {
 public:
  Journal(const JournalApi* api, sd_journal* j) : api_(api), j_(j) {}
  ~Journal() { api_->close(j_); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends the entries after the current position to OUT.
  Result<void> read(std::vector<LogEntry>& out) {
    int r;
    while ((r = api_->next(j_)) > 0) {
      LogEntry e;
      uint64_t usec = 0;
      if (api_->get_realtime_usec(j_, &usec) < 0) continue;
      e.time_ns = static_cast<int64_t>(usec) * 1000;
      e.text = field("MESSAGE");
      e.stream = field("PRIORITY") == "3" ? LogStream::err : LogStream::out;
      e.partial = field("CONTAINER_PARTIAL_MESSAGE") == "true";
      if (!e.text.empty() && e.text.back() == '\n') e.text.pop_back();
      out.push_back(std::move(e));
    }
    if (r < 0) return fail(r, "reading the journal");
    return {};
  }
  sd_journal* get() { return j_; }

  static Error fail(int r, const std::string& what) {
    errno = -r;
    return sys_error(what);
  }

 private:
  std::string field(const char* name) {
    const void* data = nullptr;
    size_t len = 0;
    if (api_->get_data(j_, name, &data, &len) < 0) return {};
    size_t skip = std::strlen(name) + 1;  // "NAME="
    if (len < skip) return {};
    return std::string(static_cast<const char*>(data) + skip, len - skip);
  }

  const JournalApi* api_;
  sd_journal* j_;
};

}  // namespace

Result<void> read_journal_log(const std::string& id, const LogQuery& query, const std::function<bool()>& running,
                              const std::function<void(const LogEntry&)>& emit) {
  const JournalApi* api = ROOST_TRY(journal_api());
  ROOST_TRY_CTX(journal_readable(), "reading the container's log");
  sd_journal* raw = nullptr;
  if (int r = api->open(&raw, SD_JOURNAL_LOCAL_ONLY); r < 0) return Journal::fail(r, "opening the journal");
  Journal j(api, raw);
  // The whole MESSAGE, however long (the default cuts at 64 kB).
  (void)api->set_data_threshold(j.get(), 0);
  std::string match = "CONTAINER_ID_FULL=" + id;
  if (int r = api->add_match(j.get(), match.data(), match.size()); r < 0) return Journal::fail(r, "matching " + match);
  int r = query.since_ns > 0 ? api->seek_realtime_usec(j.get(), static_cast<uint64_t>(query.since_ns / 1000))
                             : api->seek_head(j.get());
  if (r < 0) return Journal::fail(r, "seeking in the journal");
  std::vector<LogEntry> entries;
  ROOST_TRY(j.read(entries));
  emit_first(entries, query, emit);
  if (!query.follow) return {};
  // journald writes what it receives a moment later: once the container is
  // gone, one more quiet wait before the end.
  for (int quiet_after_exit = 0; quiet_after_exit < 2;) {
    r = api->wait(j.get(), 500000);
    if (r < 0) return Journal::fail(r, "waiting for the journal");
    if (r == SD_JOURNAL_NOP && (quiet_after_exit > 0 || !running())) ++quiet_after_exit;
    entries.clear();
    ROOST_TRY(j.read(entries));
    for (auto& e : entries)
      if (selected(e, query)) emit(e);
  }
  return {};
}

Result<void> read_container_log(const std::string& driver, const std::string& id, const std::string& path,
                                const LogQuery& query, const std::function<bool()>& running,
                                const std::function<void(const LogEntry&)>& emit) {
  if (driver == "journald") return read_journal_log(id, query, running, emit);
  return read_log(path, query, running, emit);
}

std::string log_display_time(int64_t time_ns, bool all_digits) {
  timespec ts{static_cast<time_t>(time_ns / 1000000000), static_cast<long>(time_ns % 1000000000)};
  struct tm tm{};
  ::localtime_r(&ts.tv_sec, &tm);
  char buf[48];
  std::string s(buf, format_log_time(buf, ts, tm.tm_gmtoff));
  // "2006-01-02T15:04:05.123000000+00:00" -> "2006-01-02T15:04:05.123Z"
  std::string zone = s.substr(29);
  std::string frac = s.substr(20, 9);
  while (!all_digits && !frac.empty() && frac.back() == '0') frac.pop_back();
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
  emit_first(entries, query, emit);
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
