#include "runtime/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace roost::runtime {

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  long fd;
  do fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
  while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  if (fd < 0) return sys_error("open", path);
  return UniqueFd(static_cast<int>(fd));
}

namespace {

void push_parts(std::vector<std::string>& stack, const std::string& path) {
  // STACK holds the components still to walk, last one first.
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string part = path.substr(pos, next - pos);
    if (!part.empty() && part != ".") parts.push_back(part);
    pos = next + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) stack.push_back(*it);
}

std::string parent_of(const std::string& p) {
  auto slash = p.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "" : p.substr(0, slash);
}

}  // namespace

Result<UniqueFd> make_target_in_root(int root_fd, const std::string& path, bool as_file, mode_t dir_mode) {
  std::vector<std::string> todo;
  push_parts(todo, path);
  // Walks one component at a time from the top. Each open goes through
  // open_in_root, so ".." and symlinks resolve inside ROOT however they are
  // written; a dangling symlink is followed by creating its target, also
  // inside ROOT (as runc does for mount destinations).
  std::string done;
  int links = 0;
  while (!todo.empty()) {
    std::string part = todo.back();
    todo.pop_back();
    if (part == "..") {
      done = parent_of(done);
      continue;
    }
    const bool last = todo.empty();
    std::string cur = done + "/" + part;
    auto existing = open_in_root(root_fd, cur, O_PATH);
    if (existing) {
      done = cur;
      continue;
    }
    if (existing.error().errnum() != ENOENT) return std::move(existing).error();
    auto parent = ROOST_TRY(open_in_root(root_fd, done.empty() ? "/" : done, O_PATH | O_DIRECTORY));
    char target[4096];
    ssize_t n = ::readlinkat(parent.get(), part.c_str(), target, sizeof target - 1);
    if (n >= 0) {
      if (++links > 40) {
        errno = ELOOP;
        return sys_error("resolving", path);
      }
      target[n] = '\0';
      std::string t = target;
      if (!t.empty() && t[0] == '/') done.clear();
      push_parts(todo, t);
      continue;
    }
    int rc;
    if (last && as_file) {
      rc = ::openat(parent.get(), part.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (rc >= 0) ::close(rc);
    } else {
      rc = ::mkdirat(parent.get(), part.c_str(), dir_mode);
    }
    if (rc < 0 && errno != EEXIST) return sys_error(last && as_file ? "creating" : "mkdir", cur);
    done = cur;
  }
  return open_in_root(root_fd, done.empty() ? "/" : done, O_PATH);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<void> pivot_to(int new_root_fd) {
  // pivot_root(".", ".") stacks the old root under the new one at "/";
  // detaching it leaves only the new root (the trick runc and lxc use, which
  // needs no directory for the old root inside the container).
  if (::fchdir(new_root_fd) != 0) return sys_error("fchdir to the new root");
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return sys_error("pivot_root");
  if (::umount2(".", MNT_DETACH) != 0) return sys_error("detaching the old root");
  if (::chdir("/") != 0) return sys_error("chdir /");
  return {};
}

Result<void> send_fd(int sock, char tag, int fd) {
  struct msghdr msg{};
  struct iovec iov{&tag, 1};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    std::memset(ctl, 0, sizeof ctl);
    msg.msg_control = ctl;
    msg.msg_controllen = sizeof ctl;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t n;
  do n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != 1) return sys_error("sendmsg");
  return {};
}

Result<char> recv_tag(int sock, UniqueFd* fd) {
  char tag = 0;
  struct msghdr msg{};
  struct iovec iov{&tag, 1};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  msg.msg_control = ctl;
  msg.msg_controllen = sizeof ctl;
  ssize_t n;
  do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("recvmsg");
  if (n == 0) return char{0};
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof(int));
      if (fd) fd->reset(got);
      else ::close(got);
    }
  }
  return tag;
}

Result<bool> read_exact(int fd, void* buf, size_t n) {
  char* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error("read");
    }
    if (r == 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace roost::runtime
