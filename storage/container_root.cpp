#include "storage/container_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "userns/userns.hpp"

namespace roost::storage {

Result<int> open_in_root(int rootfd, const std::string& path, int flags) {
  struct open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  long fd = ::syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
  if (fd < 0) return sys_error("open", path);
  return static_cast<int>(fd);
}

Result<std::string> in_container_root(const StoreOptions& options, const ContainerRoot& root,
                                       const std::function<Result<std::string>(int rootfd)>& fn) {
  // A running container's root is opened here, not in the helper: this
  // process owns the container's user namespace and so may look into its
  // processes, which a helper in a namespace of its own may not.
  UniqueFd running;
  if (root.running_pid > 0) {
    std::string dir = "/proc/" + std::to_string(root.running_pid) + "/root";
    running = UniqueFd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!running.valid()) return sys_error("open", dir);
  }
  return userns::run_in_userns(options.mapping, [&]() -> Result<std::string> {
    if (running.valid()) return fn(running.get());
    std::string dir = root.layer.dir + "/merged";
    ROOST_TRY(mount_container_root(root.layer, dir, root.rootless));
    UniqueFd rootfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    Result<std::string> r = rootfd.valid() ? fn(rootfd.get()) : Result<std::string>(sys_error("open", dir));
    rootfd = UniqueFd();
    (void)::umount2(dir.c_str(), MNT_DETACH);
    return r;
  });
}

}  // namespace roost::storage
