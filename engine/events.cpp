#include "engine/events.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/fd.hpp"
#include "common/file_lock.hpp"
#include "common/log.hpp"
#include "engine/log_reader.hpp"

namespace roost::engine {

using nlohmann::json;

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Keeps the newest half of the log (whole lines), replacing it atomically.
// Appenders hold the lock shared while they write, so none writes into the
// file being replaced.
Result<void> trim(const std::string& path, uint64_t max_size) {
  auto lock = ROOST_TRY(FileLock::acquire(path + ".lock"));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return sys_error("stat", path);
  if (static_cast<uint64_t>(st.st_size) <= max_size) return {};  // another writer trimmed it
  auto text = ROOST_TRY(read_file(path));
  size_t from = text.size() > max_size / 2 ? text.size() - max_size / 2 : 0;
  if (from > 0) {
    auto nl = text.find('\n', from - 1);
    from = nl == std::string::npos ? text.size() : nl + 1;
  }
  return write_file_atomic(path, text.substr(from), 0600);
}

Result<uint64_t> append(const std::string& path, const std::string& line) {
  ROOST_TRY(make_dirs(dir_of(path), 0700));
  auto lock = ROOST_TRY(open_file(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  while (::flock(lock.get(), LOCK_SH) != 0)
    if (errno != EINTR) return sys_error("locking", path + ".lock");
  auto fd = ROOST_TRY(open_file(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  // One write: O_APPEND places it whole at the end, whoever else appends.
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n < 0) return sys_error("writing", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return sys_error("stat", path);
  return static_cast<uint64_t>(st.st_size);
}

std::string short_id(const std::string& id, bool truncate) { return truncate && id.size() > 12 ? id.substr(0, 12) : id; }

}  // namespace

std::string events_log_path(const std::string& run_root) { return run_root + "/events/events.log"; }

void record_event(const std::string& path, Event event, uint64_t max_size) noexcept {
  try {
    if (event.time_ns == 0) event.time_ns = now_ns();
    auto size = append(path, event_to_line(event));
    if (size && *size > max_size) {
      if (auto t = trim(path, max_size); !t) size = std::move(t).error();
    }
    if (!size) log_warn("recording the " + event.status + " event: " + size.error().str());
  } catch (const std::exception& e) {
    log_warn(std::string("recording an event: ") + e.what());
  }
}

std::string event_to_line(const Event& e) {
  json j{{"time", e.time_ns}, {"type", e.type}, {"status", e.status}};
  if (!e.id.empty()) j["id"] = e.id;
  if (!e.name.empty()) j["name"] = e.name;
  if (!e.image.empty()) j["image"] = e.image;
  if (!e.attributes.empty()) j["attributes"] = e.attributes;
  if (e.exit_code) j["exit_code"] = *e.exit_code;
  if (!e.health_status.empty()) j["health_status"] = e.health_status;
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool event_from_line(const std::string& line, Event& out) {
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("time") || !j["time"].is_number_integer()) return false;
  Event e;
  e.time_ns = j["time"].get<int64_t>();
  auto str = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  e.type = str("type");
  e.status = str("status");
  e.id = str("id");
  e.name = str("name");
  e.image = str("image");
  e.health_status = str("health_status");
  if (auto it = j.find("attributes"); it != j.end() && it->is_object())
    for (auto& [k, v] : it->items())
      if (v.is_string()) e.attributes[k] = v.get<std::string>();
  if (auto it = j.find("exit_code"); it != j.end() && it->is_number_integer()) e.exit_code = it->get<int>();
  out = std::move(e);
  return true;
}

std::string go_time_string(int64_t time_ns) {
  time_t secs = static_cast<time_t>(time_ns / 1000000000);
  int64_t frac = time_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  struct tm tm{};
  ::localtime_r(&secs, &tm);
  char base[64];
  std::strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = base;
  if (frac) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(frac));
    std::string f = digits;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  long off = tm.tm_gmtoff;
  char zone[32];
  std::snprintf(zone, sizeof zone, " %c%02ld%02ld ", off < 0 ? '-' : '+', std::labs(off) / 3600, std::labs(off) % 3600 / 60);
  out += zone;
  out += tm.tm_zone ? tm.tm_zone : "UTC";
  return out;
}

std::string event_human(const Event& e, bool truncate) {
  std::string out = go_time_string(e.time_ns) + " " + e.type + " " + e.status + " " + short_id(e.id, truncate);
  if (e.type != "container") return out + " " + e.name;
  out += " (image=" + e.image + ", name=" + e.name;
  if (!e.health_status.empty()) out += ", health_status=" + e.health_status;
  for (auto& [k, v] : e.attributes) out += ", " + k + "=" + v;
  return out + ")";
}

json event_json(const Event& e, bool truncate) {
  json j = json::object();
  if (e.exit_code && *e.exit_code != 0) j["ContainerExitCode"] = *e.exit_code;
  if (!e.id.empty()) j["ID"] = short_id(e.id, truncate);
  if (!e.image.empty()) j["Image"] = e.image;
  if (!e.name.empty()) j["Name"] = e.name;
  j["Status"] = e.status;
  j["Time"] = log_display_time(e.time_ns);
  j["Type"] = e.type;
  j["Attributes"] = e.attributes.empty() ? json() : json(e.attributes);
  if (!e.health_status.empty()) j["HealthStatus"] = e.health_status;
  return j;
}

Result<EventFilter> EventFilter::parse(const std::vector<std::string>& filters) {
  EventFilter f;
  for (auto& item : filters) {
    auto eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (eq == std::string::npos || eq + 1 == item.size())
      return make_error(ErrorKind::invalid, "invalid filter \"" + item + "\": use KEY=VALUE");
    if (key != "event" && key != "type" && key != "container" && key != "image" && key != "label")
      return make_error(ErrorKind::invalid, "\"" + key + "\" is an invalid filter: use event, type, container, image or label");
    f.by_key_[key].push_back(item.substr(eq + 1));
  }
  return f;
}

namespace {

bool matches_one(const std::string& key, const std::string& v, const Event& e) {
  auto id_match = [&](const std::string& id) { return !id.empty() && id.compare(0, v.size(), v) == 0; };
  if (key == "event") return e.status == v;
  if (key == "type") return e.type == v;
  if (key == "container") return e.type == "container" && (e.name == v || id_match(e.id));
  if (key == "image") {
    auto same_image = [&](const std::string& ref) { return ref == v || ref.rfind(v + ":", 0) == 0; };
    if (e.type == "container") return same_image(e.image);
    return e.type == "image" && (same_image(e.name) || id_match(e.id));
  }
  auto eq = v.find('=');
  auto it = e.attributes.find(v.substr(0, eq));
  return it != e.attributes.end() && (eq == std::string::npos || it->second == v.substr(eq + 1));
}

}  // namespace

bool EventFilter::matches(const Event& e) const {
  for (auto& [key, values] : by_key_) {
    bool any = false;
    for (auto& v : values) any = any || matches_one(key, v, e);
    if (!any) return false;
  }
  return true;
}

namespace {

// Follows the log across trims: remembers the last line it emitted, and in
// a replaced file resumes after it (or after its time, when it was trimmed
// away).
class EventTail {
 public:
  EventTail(std::string path, const EventQuery& q, const std::function<void(const Event&)>& emit)
      : path_(std::move(path)), q_(q), emit_(emit) {}

  // Reads what is new; false once an event past UNTIL was seen.
  Result<void> poll_file() {
    struct stat st;
    if (::stat(path_.c_str(), &st) != 0) return {};
    if (!fd_.valid() || st.st_ino != ino_ || static_cast<uint64_t>(st.st_size) < offset_) {
      bool replaced = fd_.valid() || started_;
      fd_ = ROOST_TRY(open_file(path_, O_RDONLY | O_CLOEXEC));
      ino_ = st.st_ino;
      offset_ = 0;
      pending_.clear();
      resync_ = replaced;
    }
    char buf[65536];
    for (;;) {
      ssize_t n = ::pread(fd_.get(), buf, sizeof buf, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return sys_error("reading", path_);
      if (n == 0) break;
      offset_ += static_cast<uint64_t>(n);
      pending_.append(buf, static_cast<size_t>(n));
    }
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1)
      lines.push_back(pending_.substr(start, nl - start));
    pending_.erase(0, start);
    size_t from = 0;
    if (resync_) {
      resync_ = false;
      for (size_t i = lines.size(); i-- > 0;)
        if (lines[i] == last_line_) {
          from = i + 1;
          break;
        }
      if (from == 0) skip_until_ns_ = last_time_;
    }
    for (size_t i = from; i < lines.size(); ++i) take(lines[i]);
    started_ = true;
    return {};
  }

 private:
  void take(const std::string& line) {
    Event e;
    if (!event_from_line(line, e)) return;
    last_line_ = line;
    last_time_ = e.time_ns;
    if (skip_until_ns_ && e.time_ns <= skip_until_ns_) return;
    skip_until_ns_ = 0;
    if (q_.since_ns && e.time_ns < q_.since_ns) return;
    if (q_.until_ns && e.time_ns > q_.until_ns) return;
    emit_(e);
  }

  std::string path_;
  EventQuery q_;
  const std::function<void(const Event&)>& emit_;
  UniqueFd fd_;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;
  std::string pending_;
  bool started_ = false;
  bool resync_ = false;
  std::string last_line_;
  int64_t last_time_ = 0;
  int64_t skip_until_ns_ = 0;
};

}  // namespace

Result<void> read_events(const std::string& path, const EventQuery& query,
                         const std::function<void(const Event&)>& emit) {
  EventTail tail(path, query, emit);
  UniqueFd watch;
  if (query.follow) {
    // The directory, not the file: a trim replaces the file, and it may not exist yet.
    ROOST_TRY(make_dirs(dir_of(path), 0700));
    watch = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!watch.valid()) return sys_error("inotify_init1");
    if (::inotify_add_watch(watch.get(), dir_of(path).c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
      return sys_error("watching the events log", dir_of(path));
  }
  ROOST_TRY(tail.poll_file());
  if (!query.follow) return {};
  for (;;) {
    int timeout = -1;
    if (query.until_ns) {
      int64_t left = query.until_ns - now_ns();
      if (left <= 0) break;
      timeout = static_cast<int>(std::min<int64_t>(left / 1000000 + 1, 60000));
    }
    pollfd p{watch.get(), POLLIN, 0};
    int n = ::poll(&p, 1, timeout);
    if (n < 0 && errno != EINTR) return sys_error("waiting for events");
    if (n > 0) {
      char ev[4096];
      while (::read(watch.get(), ev, sizeof ev) > 0) {
      }
    }
    ROOST_TRY(tail.poll_file());
  }
  return tail.poll_file();
}

}  // namespace roost::engine
