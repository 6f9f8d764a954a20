#include "engine/journal.hpp"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>

#include "common/fd.hpp"
#include "common/shared_library.hpp"

namespace roost::engine {
namespace {

const LoadedApi<JournalApi>& load() {
  return load_api<JournalApi>("libsystemd.so.0", "libsystemd0", [](SharedLibrary& lib, JournalApi& a) {
    return lib.bind("sd_journal_sendv", a.sendv) && lib.bind("sd_journal_open", a.open) &&
           lib.bind("sd_journal_close", a.close) && lib.bind("sd_journal_add_match", a.add_match) &&
           lib.bind("sd_journal_seek_head", a.seek_head) &&
           lib.bind("sd_journal_seek_realtime_usec", a.seek_realtime_usec) && lib.bind("sd_journal_next", a.next) &&
           lib.bind("sd_journal_get_data", a.get_data) && lib.bind("sd_journal_get_realtime_usec", a.get_realtime_usec) &&
           lib.bind("sd_journal_wait", a.wait) && lib.bind("sd_journal_set_data_threshold", a.set_data_threshold);
  });
}

using DirStream = std::unique_ptr<DIR, int (*)(DIR*)>;
DirStream open_dir(const std::string& path) { return DirStream(::opendir(path.c_str()), ::closedir); }

// Journal files (*.journal) under DIR/<machine-id>/: how many, how many readable.
void count_journal_files(const std::string& dir, int& found, int& readable) {
  auto top = open_dir(dir);
  if (!top) return;
  while (auto* d = ::readdir(top.get())) {
    std::string sub = d->d_name;
    if (sub == "." || sub == "..") continue;
    std::string path = dir + "/" + sub;
    auto inner = open_dir(path);
    if (!inner) {
      // Journald's own directories are 2750: unlistable means unreadable.
      if (errno == EACCES) ++found;
      continue;
    }
    while (auto* f = ::readdir(inner.get())) {
      std::string name = f->d_name;
      if (name.size() < 8 || name.compare(name.size() - 8, 8, ".journal") != 0) continue;
      ++found;
      if (::access((path + "/" + name).c_str(), R_OK) == 0) ++readable;
    }
  }
}

// One stream's line being assembled: "MESSAGE=" then the text.
struct Pending {
  static constexpr size_t kPrefix = 8;
  static constexpr size_t kCapacity = 16384;
  std::array<char, kCapacity> buf;
  size_t len = kPrefix;
  Pending() { std::memcpy(buf.data(), "MESSAGE=", kPrefix); }
  bool empty() const { return len == kPrefix; }
};

class JournalSink final : public LogSink {
 public:
  JournalSink(const JournalApi* api, const JournalFields& f) : api_(api) {
    id_full_ = "CONTAINER_ID_FULL=" + f.id;
    id_ = "CONTAINER_ID=" + f.id.substr(0, 12);
    // As conmon: the tag, else the name, names the entries' SYSLOG_IDENTIFIER.
    if (!f.name.empty()) name_ = "CONTAINER_NAME=" + f.name;
    if (!f.tag.empty()) tag_ = "CONTAINER_TAG=" + f.tag;
    ident_ = "SYSLOG_IDENTIFIER=" + (!f.tag.empty() ? f.tag : !f.name.empty() ? f.name : f.id.substr(0, 12));
  }

  void write(LogStream s, const char* data, size_t len) noexcept override {
    Pending& p = pending_[s == LogStream::err];
    while (len > 0) {
      const char* nl = static_cast<const char*>(std::memchr(data, '\n', len));
      size_t take = nl ? static_cast<size_t>(nl - data) + 1 : len;
      size_t room = Pending::kCapacity - p.len;
      // A line longer than the buffer goes in pieces, each marked partial.
      bool overflow = take > room;
      if (overflow) take = room;
      std::memcpy(p.buf.data() + p.len, data, take);
      p.len += take;
      data += take;
      len -= take;
      if (nl && !overflow) send(s, p, false);
      else if (overflow) send(s, p, true);
    }
  }

  void flush() noexcept override {
    if (!pending_[0].empty()) send(LogStream::out, pending_[0], true);
    if (!pending_[1].empty()) send(LogStream::err, pending_[1], true);
  }

 private:
  static iovec field(const std::string& s) { return {const_cast<char*>(s.data()), s.size()}; }

  void send(LogStream s, Pending& p, bool partial) noexcept {
    static const char kOut[] = "PRIORITY=6", kErr[] = "PRIORITY=3", kPartial[] = "CONTAINER_PARTIAL_MESSAGE=true";
    iovec iov[8];
    int n = 0;
    iov[n++] = {p.buf.data(), p.len};
    iov[n++] = field(id_full_);
    iov[n++] = {const_cast<char*>(s == LogStream::err ? kErr : kOut), sizeof kOut - 1};
    iov[n++] = field(id_);
    if (!tag_.empty()) iov[n++] = field(tag_);
    if (!name_.empty()) iov[n++] = field(name_);
    iov[n++] = field(ident_);
    if (partial) iov[n++] = {const_cast<char*>(kPartial), sizeof kPartial - 1};
    (void)api_->sendv(iov, n);
    p.len = Pending::kPrefix;
  }

  const JournalApi* api_;
  std::string id_full_, id_, name_, tag_, ident_;
  Pending pending_[2];
};

}  // namespace

Result<const JournalApi*> journal_api() {
  const auto& l = load();
  if (!l.ok) return make_error(ErrorKind::unsupported, l.error);
  return &l.api;
}

Result<void> journal_reachable() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sys_error("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, kJournalSocket, sizeof addr.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    return make_error(err == ENOENT ? ErrorKind::not_found : ErrorKind::unsupported,
                      std::string("failed to initialize journal: connecting to ") + kJournalSocket + ": " +
                          std::strerror(err) + " (is systemd-journald running? --log-driver k8s-file needs no journal)");
  }
  return {};
}

Result<void> journal_readable() {
  int found = 0, readable = 0;
  count_journal_files("/run/log/journal", found, readable);
  count_journal_files("/var/log/journal", found, readable);
  if (readable > 0) return {};
  if (found == 0)
    return make_error(ErrorKind::not_found,
                      "no journal files in /run/log/journal or /var/log/journal: is systemd-journald running?");
  return make_error(ErrorKind::invalid,
                    "cannot read the journal: none of its files is readable by this user (members of the "
                    "systemd-journal or adm group can read it)");
}

Result<std::unique_ptr<LogSink>> open_journal_sink(const JournalFields& fields) {
  const JournalApi* api = ROOST_TRY(journal_api());
  ROOST_TRY(journal_reachable());
  return std::unique_ptr<LogSink>(std::make_unique<JournalSink>(api, fields));
}

}  // namespace roost::engine
