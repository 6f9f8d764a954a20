#include "cli/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/fd.hpp"

namespace roost::cli {

Result<void> write_output(const std::string& path, const std::string& what, const std::function<Result<void>(int)>& write) {
  if (path.empty()) {
    if (::isatty(STDOUT_FILENO))
      return make_error(ErrorKind::invalid, "refusing to write " + what + " to the terminal: use -o FILE or redirect");
    return write(STDOUT_FILENO);
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string tmpl = dir + "/.roost-output-XXXXXX";
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return sys_error("creating a temporary file in", dir);
  UniqueFd file(fd);
  mode_t mask = ::umask(0);
  ::umask(mask);
  auto done = [&]() -> Result<void> {
    ROOST_TRY(write(file.get()));
    if (::fchmod(file.get(), 0644 & ~mask) != 0) return sys_error("chmod", tmpl);
    if (::fsync(file.get()) != 0) return sys_error("fsync", tmpl);
    if (::rename(tmpl.c_str(), path.c_str()) != 0) return sys_error("renaming to", path);
    return {};
  }();
  if (!done) ::unlink(tmpl.c_str());
  return done;
}

}  // namespace roost::cli
