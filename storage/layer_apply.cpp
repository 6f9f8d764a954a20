#include "storage/layer_apply.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/digest.hpp"
#include "common/fd.hpp"
#include "common/fs_tree.hpp"
#include "common/log.hpp"
#include "storage/archive_filters.hpp"
#include "storage/direct_writer.hpp"
#include "storage/layer_ring.hpp"

namespace roost::storage {
namespace {

constexpr size_t kBufSize = 1 << 20;
constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string entry_ctx(std::string_view name) { return "layer entry " + quoted(name); }

Error escape_error(std::string_view name) {
  return make_error(ErrorKind::security, entry_ctx(name) + ": path escapes the layer root");
}

// Errors from a syscall on an entry: `layer entry "x": openat: Permission denied`.
Error entry_sys_error(std::string_view name, const char* what) { return sys_error(what).context(entry_ctx(name)); }

int openat2_beneath(int dfd, const char* path, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = syscall(SYS_openat2, dfd, path, &how, sizeof how);
    // EAGAIN: a concurrent rename raced the ".." check; EINTR: signal.
    if (fd < 0 && (errno == EINTR || (errno == EAGAIN && attempt < 16))) continue;
    return static_cast<int>(fd);
  }
}

// Drops empty and "." components; false for absolute names and "..".
bool normalize(const char* raw, std::string& out) {
  out.clear();
  if (raw[0] == '/') return false;
  const char* p = raw;
  while (*p) {
    const char* start = p;
    while (*p && *p != '/') ++p;
    size_t len = static_cast<size_t>(p - start);
    if (len == 2 && start[0] == '.' && start[1] == '.') return false;
    if (len > 0 && !(len == 1 && start[0] == '.')) {
      if (!out.empty()) out.push_back('/');
      out.append(start, len);
    }
    while (*p == '/') ++p;
  }
  return true;
}

void split(std::string_view path, std::string_view& parent, std::string_view& base) {
  size_t slash = path.rfind('/');
  parent = slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
  base = slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_overlay_xattr(std::string_view name) {
  // overlayfs metadata must come from whiteout entries, never from a layer's
  // xattrs: a hostile layer could otherwise plant redirects or metacopy.
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

bool is_privileged_xattr(std::string_view name) {
  return name.starts_with("security.") || name.starts_with("trusted.");
}

// The input and its decompressor (OUTER, raw format) run on a producer
// thread that hashes both streams; the tar reader (INNER) on the caller's
// thread takes the decompressed bytes from a small ring of buffers, so
// decompression and hashing overlap with writing files. From a LayerRing
// holding an uncompressed tar, the buffers are the ring's slots, read in
// place; a compressed one goes through OUTER like a descriptor's bytes.
class Stream {
 public:
  explicit Stream(int fd) : fd_(fd), in_buf_(new char[kBufSize]) {
    for (auto& slot : slots_) slot.reset(new char[kBufSize]);
  }
  explicit Stream(LayerRing& ring) : fd_(-1), ring_(&ring) {}
  ~Stream() { stop(); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  Result<void> open() {
    if (ring_) {
      // The first slot decides: compressed data starts with a magic number
      // (a looser test than libarchive's, which has the last word).
      auto first = ring_->next();
      if (!first) return std::move(first).error().context("opening layer");
      ring_first_ = *first;
      if (!looks_compressed(ring_first_)) {
        hash_compressed_ = false;
        producer_ = std::thread([this] { produce_from_ring(); });
        return {};
      }
      for (auto& slot : slots_) slot.reset(new char[kBufSize]);
    }
    outer_.reset(archive_read_new());
    if (!outer_) return make_error(ErrorKind::internal, "archive_read_new failed");
    support_image_compressions(outer_.get());
    archive_read_support_format_raw(outer_.get());
    if (archive_read_open(outer_.get(), this, nullptr, read_input, nullptr) != ARCHIVE_OK)
      return outer_failure("opening layer");
    // An uncompressed input is its own tar stream: hashing it twice would
    // double the CPU cost of the commonest (docker-archive) layers.
    if (archive_filter_count(outer_.get()) == 1 && archive_filter_code(outer_.get(), 0) == ARCHIVE_FILTER_NONE)
      hash_compressed_ = false;
    archive_entry* raw;
    if (archive_read_next_header(outer_.get(), &raw) != ARCHIVE_OK) return outer_failure("opening layer");
    producer_ = std::thread([this] { produce(); });
    return {};
  }

  // The INNER archive's read callback.
  static la_ssize_t read_tar(archive* a, void* opaque, const void** buf) {
    auto* s = static_cast<Stream*>(opaque);
    std::unique_lock lock(s->mu_);
    s->release_held();
    s->cv_.wait(lock, [s] { return s->filled_ > 0 || s->done_; });
    if (s->filled_ > 0) {
      s->holding_ = true;
      *buf = s->data_[s->head_];
      return static_cast<la_ssize_t>(s->lens_[s->head_]);
    }
    if (s->error_) {
      archive_set_error(a, EIO, "%s", s->error_->message().c_str());
      return -1;
    }
    return 0;
  }

  // After the tar's end marker: the rest of the stream (padding, trailing
  // data) still counts towards both digests.
  Result<void> finish() {
    {
      std::unique_lock lock(mu_);
      for (;;) {
        release_held();
        cv_.wait(lock, [this] { return filled_ > 0 || done_; });
        if (filled_ == 0) break;
        holding_ = true;
      }
    }
    stop();
    if (error_) return *error_;
    return {};
  }

  // The error behind a failure of the tar reader A.
  Error failure(archive* a, const std::string& what) {
    stop();
    if (error_) return Error(*error_).context(what);
    const char* msg = archive_error_string(a);
    return make_error(ErrorKind::corrupt, what + ": " + (msg ? msg : "malformed archive"));
  }

  std::string diff_id() { return uncompressed_.digest(); }
  std::string compressed_digest(const std::string& diff_id) {
    return hash_compressed_ ? compressed_.digest() : diff_id;
  }
  uint64_t compressed_size() const { return compressed_size_; }
  uint64_t uncompressed_size() const { return uncompressed_size_; }

 private:
  static constexpr size_t kSlots = 4;

  static bool looks_compressed(std::string_view d) {
    auto at = [&](size_t i) { return static_cast<unsigned char>(d[i]); };
    if (d.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return true;                        // gzip
    if (d.size() >= 4 && at(1) == 0xb5 && at(2) == 0x2f && at(3) == 0xfd) return true;        // zstd
    if (d.size() >= 4 && (at(0) & 0xf0) == 0x50 && at(1) == 0x2a && at(2) == 0x4d && at(3) == 0x18)
      return true;                                                                           // zstd skippable frame
    if (d.size() >= 3 && at(0) == 0xfd && at(1) == '7' && at(2) == 'z') return true;         // xz
    return d.size() >= 3 && d.substr(0, 3) == "BZh";                                         // bzip2
  }

  static la_ssize_t read_input(archive* a, void* opaque, const void** buf) {
    auto* s = static_cast<Stream*>(opaque);
    ssize_t n = s->read_raw(buf);
    if (n < 0) {
      archive_set_error(a, s->read_errno_, "reading layer");
      return -1;
    }
    return n;
  }

  // The ring's next slot: first the one open() looked at, then the posted
  // ones; empty at the end of the stream.
  Result<std::string_view> next_from_ring() {
    std::string_view first = std::exchange(ring_first_, {});
    if (first.data()) return first;
    return ring_->next();
  }

  // The next piece of the input, hashed; valid until the next call.
  ssize_t read_raw(const void** buf) {
    if (!ring_) {
      *buf = in_buf_.get();
      return read_fd();
    }
    if (ring_held_) ring_->release();
    ring_held_ = false;
    auto next = next_from_ring();
    if (!next) {
      read_errno_ = EIO;
      return -1;
    }
    std::string_view v = *next;
    if (v.empty()) return 0;
    ring_held_ = true;
    if (hash_compressed_) compressed_.update(v.data(), v.size());
    compressed_size_ += v.size();
    *buf = v.data();
    return static_cast<ssize_t>(v.size());
  }

  ssize_t read_fd() {
    for (;;) {
      ssize_t n = ::read(fd_, in_buf_.get(), kBufSize);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        read_errno_ = errno;
        return -1;
      }
      if (hash_compressed_) compressed_.update(in_buf_.get(), static_cast<size_t>(n));
      compressed_size_ += static_cast<uint64_t>(n);
      return n;
    }
  }

  Error outer_failure(const std::string& what) const {
    if (read_errno_ != 0) return Error(ErrorKind::io, what + ": reading layer", read_errno_);
    const char* msg = archive_error_string(outer_.get());
    return make_error(ErrorKind::corrupt, what + ": " + (msg ? msg : "malformed archive"));
  }

  void release_held() {
    if (!holding_) return;
    holding_ = false;
    head_ = (head_ + 1) % kSlots;
    filled_--;
    if (ring_ && !outer_) ring_->release();
    cv_.notify_all();
  }

  // Waits for room to publish one more buffer; false once cancelled.
  bool wait_for_room() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return filled_ < kSlots || cancel_; });
    return !cancel_;
  }

  void publish(const char* data, size_t n) {
    uncompressed_.update(data, n);
    uncompressed_size_ += static_cast<uint64_t>(n);
    std::lock_guard lock(mu_);
    data_[tail_] = data;
    lens_[tail_] = n;
    tail_ = (tail_ + 1) % kSlots;
    filled_++;
    cv_.notify_all();
  }

  void end(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    error_ = std::move(error);
    done_ = true;
    cv_.notify_all();
  }

  void produce_from_ring() {
    std::optional<Error> error;
    while (wait_for_room()) {
      auto slot = next_from_ring();
      if (!slot) {
        error = std::move(slot).error();
        break;
      }
      if (slot->empty()) break;
      compressed_size_ += slot->size();
      publish(slot->data(), slot->size());
    }
    end(std::move(error));
  }

  void produce() {
    std::optional<Error> error;
    while (wait_for_room()) {
      // Slot TAIL is free: the consumer holds at most the slot at HEAD.
      la_ssize_t n = archive_read_data(outer_.get(), slots_[tail_].get(), kBufSize);
      if (n < 0) {
        error = outer_failure("decompressing layer");
        break;
      }
      if (n == 0) {
        // Whatever follows the compressed stream is still part of the blob.
        ssize_t r;
        const void* rest;
        while ((r = read_raw(&rest)) > 0) {
        }
        if (r < 0) error = Error(ErrorKind::io, "reading layer", read_errno_);
        break;
      }
      publish(slots_[tail_].get(), static_cast<size_t>(n));
    }
    end(std::move(error));
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      cancel_ = true;
    }
    cv_.notify_all();
    if (producer_.joinable()) producer_.join();
  }

  int fd_;
  LayerRing* ring_ = nullptr;
  std::string_view ring_first_;  // the slot open() looked at, not read yet
  bool ring_held_ = false;       // OUTER reads a slot, to give back on its next read
  ArchivePtr outer_;
  Sha256 compressed_;
  Sha256 uncompressed_;
  uint64_t compressed_size_ = 0;
  uint64_t uncompressed_size_ = 0;
  int read_errno_ = 0;
  bool hash_compressed_ = true;
  std::unique_ptr<char[]> in_buf_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::array<std::unique_ptr<char[]>, kSlots> slots_;  // not with a ring
  std::array<const char*, kSlots> data_{};
  std::array<size_t, kSlots> lens_{};
  size_t head_ = 0;
  size_t tail_ = 0;
  size_t filled_ = 0;  // includes the slot the consumer holds
  bool holding_ = false;
  bool done_ = false;
  bool cancel_ = false;
  std::optional<Error> error_;  // set with done_, read after it
  std::thread producer_;        // last: joined before the members above go
};

struct DeferredDir {
  std::string path;
  mode_t mode;
  timespec times[2];
};

class Applier {
 public:
  Applier(int rootfd, const ApplyOptions& options, Stream& stream, ApplyStats& stats)
      : rootfd_(rootfd), options_(options), stream_(stream), stats_(stats) {}

  Result<void> apply(archive* a, archive_entry* e);
  Result<void> finish();

 private:
  Result<int> parent_fd(std::string_view parent, bool create, std::string_view entry);
  Result<UniqueFd> open_beneath(std::string_view path, bool create, std::string_view entry);
  Result<void> remove_existing(int parentfd, const char* name, std::string_view entry);
  Result<void> apply_whiteout(std::string_view parent, std::string_view target);
  Result<void> apply_opaque(std::string_view dir);
  Result<void> clear_lower(int dfd, std::string& path);
  Result<void> write_file(archive* a, archive_entry* e, int parentfd, const char* name);
  Result<void> make_dir(archive_entry* e, int parentfd, const char* name);
  Result<void> make_link(archive_entry* e, int parentfd, const char* name);
  Result<void> make_node(archive_entry* e, int parentfd, const char* name, bool& skipped);
  Result<void> set_owner(archive_entry* e, int fd, const char* name, int flags);
  Result<void> set_xattrs(archive_entry* e, int fd, int parentfd, const char* name, bool plain);
  void track(std::string_view path);
  void invalidate() { cached_valid_ = false; }
  const char* cstr(std::string_view s, std::string& buf) {
    buf.assign(s);
    return buf.c_str();
  }

  int rootfd_;
  const ApplyOptions& options_;
  Stream& stream_;
  DirectWriter direct_;
  ApplyStats& stats_;
  std::string path_;         // normalised entry name
  std::string name_buf_;     // NUL-terminated final component
  std::string scratch_;      // NUL-terminated parent path
  std::string cached_path_;  // parent directory of the previous entry
  UniqueFd cached_fd_;
  bool cached_valid_ = false;
  bool warned_xattrs_ = false;
  std::vector<DeferredDir> dirs_;
  // vfs only: paths this layer wrote, which an opaque marker must keep.
  std::unordered_set<std::string> created_;
};

Result<UniqueFd> Applier::open_beneath(std::string_view path, bool create, std::string_view entry) {
  const char* p = cstr(path, scratch_);
  int fd = openat2_beneath(rootfd_, p, O_PATH | O_DIRECTORY);
  if (fd < 0 && errno == ENOENT && create) {
    // Slow path: create the missing directories one level at a time, each
    // resolved again beneath the root so a symlink cannot redirect them.
    UniqueFd prev;
    size_t pos = 0;
    while (pos <= path.size()) {
      size_t slash = path.find('/', pos);
      if (slash == std::string_view::npos) slash = path.size();
      std::string comp(path.substr(pos, slash - pos));
      std::string prefix(path.substr(0, slash));
      int cur = openat2_beneath(rootfd_, prefix.c_str(), O_PATH | O_DIRECTORY);
      if (cur < 0 && errno == ENOENT) {
        if (mkdirat(prev.valid() ? prev.get() : rootfd_, comp.c_str(), 0755) != 0 && errno != EEXIST)
          return entry_sys_error(entry, "mkdirat");
        cur = openat2_beneath(rootfd_, prefix.c_str(), O_PATH | O_DIRECTORY);
      }
      if (cur < 0) break;
      prev.reset(cur);
      pos = slash + 1;
    }
    int saved = errno;
    if (prev.valid() && pos > path.size()) fd = prev.release();
    errno = saved;
  }
  if (fd < 0) {
    if (errno == EXDEV || errno == ELOOP) return escape_error(entry);
    if (errno == ENOSYS)
      return make_error(ErrorKind::unsupported, "openat2 is not supported by this kernel (need Linux 5.6)");
    return entry_sys_error(entry, "openat2");
  }
  return UniqueFd(fd);
}

Result<int> Applier::parent_fd(std::string_view parent, bool create, std::string_view entry) {
  if (parent.empty()) return rootfd_;
  if (cached_valid_ && parent == cached_path_) return cached_fd_.get();
  // On failure the cache is left invalid; the old fd stays open until the
  // next success so a caller still holding it is never handed a closed fd.
  cached_valid_ = false;
  UniqueFd fd = ROOST_TRY(open_beneath(parent, create, entry));
  cached_fd_ = std::move(fd);
  cached_path_.assign(parent);
  cached_valid_ = true;
  return cached_fd_.get();
}

Result<void> Applier::remove_existing(int parentfd, const char* name, std::string_view entry) {
  invalidate();
  auto r = remove_tree_at(parentfd, name);
  if (!r) return std::move(r).error().context(entry_ctx(entry) + ": replacing");
  return {};
}

void Applier::track(std::string_view path) {
  if (options_.whiteouts != WhiteoutFormat::vfs) return;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1))
    created_.emplace(path.substr(0, slash));
  created_.emplace(path);
}

Result<void> Applier::set_owner(archive_entry* e, int fd, const char* name, int flags) {
  auto uid = static_cast<uid_t>(archive_entry_uid(e));
  auto gid = static_cast<gid_t>(archive_entry_gid(e));
  if (fchownat(fd, name, uid, gid, flags) == 0) return {};
  if (options_.ignore_chown_errors && (errno == EINVAL || errno == EPERM)) return {};
  return entry_sys_error(path_, "fchownat");
}

// PLAIN: the target is a regular file or directory (user.* xattrs allowed).
Result<void> Applier::set_xattrs(archive_entry* e, int fd, int parentfd, const char* name, bool plain) {
  if (archive_entry_xattr_reset(e) == 0) return {};
  std::string proc_path;
  if (fd < 0) proc_path = "/proc/self/fd/" + std::to_string(parentfd) + "/" + name;
  const char* key;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
    std::string_view k(key);
    if (is_overlay_xattr(k)) continue;
    int rc = fd >= 0 ? fsetxattr(fd, key, value, size, 0) : lsetxattr(proc_path.c_str(), key, value, size, 0);
    if (rc == 0) continue;
    if (is_privileged_xattr(k)) {
      log_debug(entry_ctx(path_) + ": ignoring xattr " + std::string(k) + ": " + strerror(errno));
      continue;
    }
    if (errno == ENOTSUP || (errno == EPERM && !plain)) {
      if (!warned_xattrs_)
        log_warn("ignoring extended attributes the file system does not support (" + std::string(k) + ")");
      warned_xattrs_ = true;
      continue;
    }
    return sys_error("setxattr", std::string(k)).context(entry_ctx(path_));
  }
  return {};
}

timespec entry_time(bool set, time_t sec, long nsec) {
  timespec t{};
  if (!set) {
    t.tv_nsec = UTIME_OMIT;
    return t;
  }
  t.tv_sec = sec;
  t.tv_nsec = nsec;
  return t;
}

void entry_times(archive_entry* e, timespec out[2]) {
  out[1] = entry_time(archive_entry_mtime_is_set(e), archive_entry_mtime(e), archive_entry_mtime_nsec(e));
  out[0] =
      archive_entry_atime_is_set(e) ? entry_time(true, archive_entry_atime(e), archive_entry_atime_nsec(e)) : out[1];
}

Result<void> Applier::write_file(archive* a, archive_entry* e, int parentfd, const char* name) {
  constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  off_t want = archive_entry_size(e);
  bool direct = want >= DirectWriter::kMinSize && direct_.supported();
  int raw = openat(parentfd, name, flags | (direct ? O_DIRECT : 0), 0600);
  if (raw < 0 && errno == EEXIST) {
    ROOST_TRY(remove_existing(parentfd, name, path_));
    raw = openat(parentfd, name, flags | (direct ? O_DIRECT : 0), 0600);
  }
  if (raw < 0 && direct && errno == EINVAL) {
    // The file system refuses O_DIRECT (some check only after creating the
    // file): the file we just made goes, and this and later files are buffered.
    direct_.unsupported();
    direct = false;
    if (unlinkat(parentfd, name, 0) != 0 && errno != ENOENT) return entry_sys_error(path_, "unlinkat");
    raw = openat(parentfd, name, flags, 0600);
  }
  if (raw < 0) return entry_sys_error(path_, "openat");
  UniqueFd fd(raw);
  if (direct) direct_.begin(fd.get());
  off_t end = 0;
  for (;;) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    int r = archive_read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return stream_.failure(a, entry_ctx(path_));
    const char* p = static_cast<const char*>(buf);
    if (direct) {
      if (!direct_.write(p, size, offset)) return entry_sys_error(path_, "write");
      end = std::max<off_t>(end, offset + static_cast<off_t>(size));
      continue;
    }
    while (size > 0) {
      ssize_t n = pwrite(fd.get(), p, size, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return entry_sys_error(path_, "write");
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
    end = std::max<off_t>(end, offset);
  }
  if (direct && !direct_.finish()) return entry_sys_error(path_, "write");
  // Sparse files end in a hole that no data block covers.
  if (want > end && ftruncate(fd.get(), want) != 0) return entry_sys_error(path_, "ftruncate");
  ROOST_TRY(set_owner(e, fd.get(), "", AT_EMPTY_PATH));
  // After chown, which clears set-ID bits and file capabilities.
  if (fchmod(fd.get(), archive_entry_perm(e) & 07777) != 0) return entry_sys_error(path_, "fchmod");
  ROOST_TRY(set_xattrs(e, fd.get(), -1, nullptr, true));
  timespec ts[2];
  entry_times(e, ts);
  if (futimens(fd.get(), ts) != 0) return entry_sys_error(path_, "futimens");
  stats_.files++;
  stats_.content_size += static_cast<uint64_t>(want > 0 ? want : 0);
  return {};
}

Result<void> Applier::make_dir(archive_entry* e, int parentfd, const char* name) {
  if (mkdirat(parentfd, name, 0700) != 0) {
    if (errno != EEXIST) return entry_sys_error(path_, "mkdirat");
    struct stat st;
    if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return entry_sys_error(path_, "fstatat");
    if (!S_ISDIR(st.st_mode)) {
      ROOST_TRY(remove_existing(parentfd, name, path_));
      if (mkdirat(parentfd, name, 0700) != 0) return entry_sys_error(path_, "mkdirat");
    }
  }
  ROOST_TRY(set_owner(e, parentfd, name, AT_SYMLINK_NOFOLLOW));
  if (archive_entry_xattr_count(e) > 0) {
    UniqueFd fd(openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return entry_sys_error(path_, "openat");
    ROOST_TRY(set_xattrs(e, fd.get(), -1, nullptr, true));
  }
  // Mode and times last: a read-only directory must still take its
  // children, and every child added changes the directory's mtime.
  DeferredDir d{path_, static_cast<mode_t>(archive_entry_perm(e) & 07777), {}};
  entry_times(e, d.times);
  dirs_.push_back(std::move(d));
  return {};
}

Result<void> Applier::make_link(archive_entry* e, int parentfd, const char* name) {
  std::string target;
  if (!normalize(archive_entry_hardlink(e), target))
    return make_error(ErrorKind::security, entry_ctx(path_) + ": hard link target " +
                                               quoted(archive_entry_hardlink(e)) + " escapes the layer root");
  if (target.empty()) return make_error(ErrorKind::corrupt, entry_ctx(path_) + ": hard link to the layer root");
  std::string_view tparent, tbase;
  split(target, tparent, tbase);
  UniqueFd tfd;
  if (!tparent.empty()) {
    auto opened = open_beneath(tparent, false, path_);
    if (!opened) {
      if (opened.error().kind() == ErrorKind::not_found)
        return make_error(ErrorKind::corrupt,
                          entry_ctx(path_) + ": hard link target " + quoted(target) + " does not exist");
      return std::move(opened).error();
    }
    tfd = std::move(*opened);
  }
  int tparentfd = tfd.valid() ? tfd.get() : rootfd_;
  std::string tname(tbase);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (linkat(tparentfd, tname.c_str(), parentfd, name, 0) == 0) return {};
    if (errno == ENOENT)
      return make_error(ErrorKind::corrupt,
                        entry_ctx(path_) + ": hard link target " + quoted(target) + " does not exist");
    if (errno != EEXIST || attempt > 0) return entry_sys_error(path_, "linkat");
    struct stat have, want;
    if (fstatat(parentfd, name, &have, AT_SYMLINK_NOFOLLOW) == 0 &&
        fstatat(tparentfd, tname.c_str(), &want, AT_SYMLINK_NOFOLLOW) == 0 && have.st_dev == want.st_dev &&
        have.st_ino == want.st_ino)
      return {};
    ROOST_TRY(remove_existing(parentfd, name, path_));
  }
  return {};
}

Result<void> Applier::make_node(archive_entry* e, int parentfd, const char* name, bool& skipped) {
  mode_t type = archive_entry_filetype(e);
  dev_t rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  int rc = mknodat(parentfd, name, type | 0600, rdev);
  if (rc != 0 && errno == EEXIST) {
    ROOST_TRY(remove_existing(parentfd, name, path_));
    rc = mknodat(parentfd, name, type | 0600, rdev);
  }
  if (rc != 0 && errno == EPERM && type != AE_IFIFO) {
    // The caller reports the count once per image.
    stats_.skipped_devices++;
    skipped = true;
    return {};
  }
  if (rc != 0) return entry_sys_error(path_, "mknodat");
  ROOST_TRY(set_owner(e, parentfd, name, AT_SYMLINK_NOFOLLOW));
  // The final component is the node just created, never a symlink.
  if (fchmodat(parentfd, name, archive_entry_perm(e) & 07777, 0) != 0) return entry_sys_error(path_, "fchmodat");
  return {};
}

Result<void> Applier::apply_whiteout(std::string_view parent, std::string_view target) {
  if (target == "." || target == "..") return escape_error(path_);
  std::string name(target);
  if (options_.whiteouts == WhiteoutFormat::vfs) {
    auto fd = parent_fd(parent, false, path_);
    if (!fd) return fd.error().kind() == ErrorKind::not_found ? Result<void>() : Result<void>(std::move(fd).error());
    return remove_existing(*fd, name.c_str(), path_);
  }
  int pfd = ROOST_TRY(parent_fd(parent, true, path_));
  // A 0/0 character device is overlayfs's whiteout; unprivileged users may
  // create it inside a user namespace since Linux 5.8.
  int rc = mknodat(pfd, name.c_str(), S_IFCHR | 0, makedev(0, 0));
  if (rc != 0 && errno == EEXIST) {
    ROOST_TRY(remove_existing(pfd, name.c_str(), path_));
    rc = mknodat(pfd, name.c_str(), S_IFCHR | 0, makedev(0, 0));
  }
  if (rc != 0) return entry_sys_error(path_, "mknodat whiteout");
  return {};
}

// Removes what lower layers put beneath DIRFD (at PATH), keeping every path
// this layer created before the marker.
Result<void> Applier::clear_lower(int dfd, std::string& path) {
  int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return entry_sys_error(path_, "openat");
  DIR* dir = fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return entry_sys_error(path_, "fdopendir");
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, closedir);
  std::vector<std::pair<std::string, bool>> children;
  while (dirent* d = readdir(dir)) {
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) continue;
    children.emplace_back(d->d_name, d->d_type == DT_DIR);
  }
  size_t base = path.size();
  for (auto& [child, is_dir] : children) {
    if (base) path.push_back('/');
    path += child;
    if (!created_.contains(path)) {
      ROOST_TRY(remove_existing(dfd, child.c_str(), path_));
    } else if (is_dir) {
      UniqueFd sub(openat(dfd, child.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return entry_sys_error(path_, "openat");
      ROOST_TRY(clear_lower(sub.get(), path));
    }
    path.resize(base);
  }
  return {};
}

Result<void> Applier::apply_opaque(std::string_view dir) {
  if (options_.whiteouts == WhiteoutFormat::vfs) {
    auto fd = parent_fd(dir, false, path_);
    if (!fd) return fd.error().kind() == ErrorKind::not_found ? Result<void>() : Result<void>(std::move(fd).error());
    invalidate();
    std::string path(dir);
    return clear_lower(*fd, path);
  }
  int pfd = ROOST_TRY(parent_fd(dir, true, path_));
  UniqueFd fd(openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return entry_sys_error(path_, "openat");
  if (fsetxattr(fd.get(), "user.overlay.opaque", "y", 1, 0) != 0)
    return entry_sys_error(path_, "setxattr user.overlay.opaque");
  // Native overlay as root reads the trusted.* namespace.
  if (geteuid() == 0) (void)fsetxattr(fd.get(), "trusted.overlay.opaque", "y", 1, 0);
  return {};
}

Result<void> Applier::apply(archive* a, archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (!raw) raw = archive_entry_pathname_utf8(e);
  if (!raw) return make_error(ErrorKind::corrupt, "layer entry without a name");
  if (!normalize(raw, path_)) return escape_error(raw);
  std::string_view parent, base;
  split(path_, parent, base);

  if (options_.whiteouts != WhiteoutFormat::none && base.starts_with(kWhiteoutPrefix)) {
    if (base == kOpaqueMarker) return apply_opaque(parent);
    if (base.starts_with(kWhiteoutMetaPrefix)) return {};
    if (base.size() == kWhiteoutPrefix.size()) return {};
    return apply_whiteout(parent, base.substr(kWhiteoutPrefix.size()));
  }

  mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  if (path_.empty()) {
    if (type != AE_IFDIR || hardlink)
      return make_error(ErrorKind::corrupt, entry_ctx(raw) + ": not a directory but names the layer root");
    ROOST_TRY(set_owner(e, rootfd_, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
    DeferredDir d{{}, static_cast<mode_t>(archive_entry_perm(e) & 07777), {}};
    entry_times(e, d.times);
    dirs_.push_back(std::move(d));
    return {};
  }

  int pfd = ROOST_TRY(parent_fd(parent, true, path_));
  const char* name = cstr(base, name_buf_);
  if (hardlink) {
    ROOST_TRY(make_link(e, pfd, name));
    track(path_);
    return {};
  }
  switch (type) {
    case AE_IFREG:
      ROOST_TRY(write_file(a, e, pfd, name));
      break;
    case AE_IFDIR:
      ROOST_TRY(make_dir(e, pfd, name));
      break;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (!target) target = archive_entry_symlink_utf8(e);
      if (!target) return make_error(ErrorKind::corrupt, entry_ctx(path_) + ": symlink without a target");
      // The target is stored verbatim; extraction never follows it.
      int rc = symlinkat(target, pfd, name);
      if (rc != 0 && errno == EEXIST) {
        ROOST_TRY(remove_existing(pfd, name, path_));
        rc = symlinkat(target, pfd, name);
      }
      if (rc != 0) return entry_sys_error(path_, "symlinkat");
      ROOST_TRY(set_owner(e, pfd, name, AT_SYMLINK_NOFOLLOW));
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      bool skipped = false;
      ROOST_TRY(make_node(e, pfd, name, skipped));
      if (skipped) return {};
      break;
    }
    default:
      log_debug(entry_ctx(path_) + ": skipping unsupported file type");
      return {};
  }
  if (type != AE_IFREG && type != AE_IFDIR) {
    ROOST_TRY(set_xattrs(e, -1, pfd, name, false));
    timespec ts[2];
    entry_times(e, ts);
    if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0) return entry_sys_error(path_, "utimensat");
  }
  track(path_);
  return {};
}

Result<void> Applier::finish() {
  for (const auto& d : dirs_) {
    int raw = openat2_beneath(rootfd_, d.path.empty() ? "." : d.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (raw < 0) {
      // Replaced by a later entry or removed by a whiteout.
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;
      if (errno == EXDEV) return escape_error(d.path);
      return entry_sys_error(d.path.empty() ? "." : d.path, "openat2");
    }
    UniqueFd fd(raw);
    if (fchmod(fd.get(), d.mode) != 0) return entry_sys_error(d.path, "fchmod");
    if (futimens(fd.get(), d.times) != 0) return entry_sys_error(d.path, "futimens");
  }
  return {};
}

}  // namespace

namespace {

Result<ApplyStats> apply_stream(Stream& stream, const std::string& root, const ApplyOptions& options) {
  UniqueFd rootfd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootfd.valid()) return sys_error("opening layer root", root);
  ROOST_TRY(stream.open());
  ArchivePtr inner(archive_read_new());
  if (!inner) return make_error(ErrorKind::internal, "archive_read_new failed");
  archive_read_support_format_tar(inner.get());
  archive_read_support_format_gnutar(inner.get());
  if (archive_read_open(inner.get(), &stream, nullptr, Stream::read_tar, nullptr) != ARCHIVE_OK)
    return stream.failure(inner.get(), "reading layer");

  ApplyStats stats;
  Applier applier(rootfd.get(), options, stream, stats);
  for (;;) {
    archive_entry* e;
    int r = archive_read_next_header(inner.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_WARN) {
      const char* msg = archive_error_string(inner.get());
      log_debug(std::string("layer: ") + (msg ? msg : "warning"));
    } else if (r != ARCHIVE_OK) {
      return stream.failure(inner.get(), "reading layer");
    }
    ROOST_TRY(applier.apply(inner.get(), e));
  }
  ROOST_TRY(applier.finish());
  ROOST_TRY(stream.finish());
  stats.diff_id = stream.diff_id();
  stats.compressed_digest = stream.compressed_digest(stats.diff_id);
  stats.compressed_size = stream.compressed_size();
  stats.uncompressed_size = stream.uncompressed_size();
  return stats;
}

}  // namespace

Result<ApplyStats> apply_layer(int input_fd, const std::string& root, const ApplyOptions& options) {
  Stream stream(input_fd);
  return apply_stream(stream, root, options);
}

Result<ApplyStats> apply_layer(LayerRing& ring, const std::string& root, const ApplyOptions& options) {
  Stream stream(ring);
  return apply_stream(stream, root, options);
}

}  // namespace roost::storage
